"""Forms of the referral pages. The service checks every value; forms carry CSRF and labels."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from app.models import REASON_CODE_LABELS, ReferralKind
from app.referrals.vocabulary import PRIORITY_LABELS

# The kinds a referral (or an advice request) can be, as the forms offer them.
KIND_CHOICES = [
    SelectChoice(ReferralKind.CLINICAL.value, "Clinical (a patient)"),
    SelectChoice(ReferralKind.PROFESSIONAL.value, "Professional (a client)"),
]
PRIORITY_CHOICES = [SelectChoice(p.value, label) for p, label in PRIORITY_LABELS.items()]


class SendForm(FlaskForm):
    sender_id = SelectField("Sent by", validate_choice=False)
    receiver_id = SelectField(
        "Send to",
        validate_choice=False,
        description="Only members accepting referrals can be chosen.",
    )
    kind = RadioField(
        "Kind",
        choices=KIND_CHOICES,
        validate_choice=False,
    )
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="routine")
    service = StringField(
        "Requested service",
        validators=[Length(max=200)],
        description="What you ask the receiver to do, e.g. “Cardiology consult”.",
    )
    reason = TextAreaField(
        "Reason for the referral",
        validators=[Length(max=2000)],
        description="What the receiver needs to know.",
    )
    notes = TextAreaField("Notes for the receiver", validators=[Optional(), Length(max=5000)])
    client_id = SelectField("Existing or new client", validate_choice=False)
    given_name = StringField("Given name", validators=[Length(max=100)])
    family_name = StringField("Family name", validators=[Length(max=100)])
    birth_date = StringField(
        "Birth date", render_kw={"type": "date"}, description="Required for clinical referrals."
    )
    email = StringField("Client e-mail", validators=[Length(max=254)], render_kw={"type": "email"})
    phone = StringField("Client phone", validators=[Length(max=40)], render_kw={"type": "tel"})
    identifier = StringField(
        "Your record number",
        validators=[Length(max=64)],
        description="Optional; never a national id.",
    )
    consent = BooleanField("The client consents to sharing this referral with the receiver")
    contact_consent = BooleanField(
        "The client agrees to be e-mailed about this referral (accepted, appointment, changes)",
        description="Needs the client's e-mail address. The e-mails and the client's page "
        "never show the reason, service or notes.",
    )
    documents = MultipleFileField(
        "Documents", description="PDF, PNG or JPEG; up to 5 files of 10 MB each."
    )
    confirm_duplicate = BooleanField("Yes, send another referral for this client")
    # One form, one referral: a second post of this form shows the referral the first made.
    send_token = HiddenField()

    # Service field names → form fields.
    FIELD_MAP = {
        "client.given_name": "given_name",
        "client.family_name": "family_name",
        "client.birth_date": "birth_date",
        "client.email": "email",
        "client.phone": "phone",
        "client.identifier": "identifier",
        "client.consent": "consent",
        "client.contact_consent": "contact_consent",
        "client": "client_id",
    }


class ActionForm(FlaskForm):
    """One form for every action; the page shows the fields the action needs."""

    version = HiddenField()
    reason_code = SelectField(
        "Reason",
        choices=[SelectChoice("", "— choose a reason —")]
        + [SelectChoice(code.value, label) for code, label in REASON_CODE_LABELS.items()],
        validate_choice=False,
    )
    reason = TextAreaField(
        "Reason in your words",
        validators=[Length(max=2000)],
        description="The other side reads it. Required with the reason “Other”.",
    )
    receiver_id = SelectField("New receiver", validate_choice=False)
    suggested_member_id = SelectField("Suggest another member (optional)", validate_choice=False)
    appointment_at = StringField("Appointment", render_kw={"type": "datetime-local"})
    visit_date = StringField("Visit date", render_kw={"type": "date"})
    outcome = TextAreaField(
        "Outcome for the sender",
        validators=[Length(max=5000)],
        description="The sender reads this.",
    )
    value = StringField(
        "Closed-business value (optional)", description="Professional referrals only, e.g. 1250.00."
    )
    question = TextAreaField(
        "Your question to the sender",
        validators=[Length(max=5000)],
        description="The referral waits for the sender's answer; the sender is told.",
    )
    answer = TextAreaField("Your answer", validators=[Length(max=5000)])
    report = TextAreaField(
        "Interim report for the sender",
        validators=[Length(max=5000)],
        description="E.g. seen, results pending. The referral stays where it is.",
    )
    documents = MultipleFileField(
        "Documents (optional)", description="PDF, PNG or JPEG; up to 5 files of 10 MB each."
    )
    note = TextAreaField("Note (optional)", validators=[Length(max=2000)])
    cancel = BooleanField("Cancel the referral instead of allowing a new appointment")
    confirm_early_visit = BooleanField("Yes, the visit was before the appointment")
