"""Forms of the advice pages. The service checks every value; forms carry CSRF and labels."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length

from app.referrals.forms import KIND_CHOICES, PRIORITY_CHOICES


class AskForm(FlaskForm):
    asker_id = SelectField("Asked by", validate_choice=False)
    asked_member_id = SelectField(
        "Ask one member",
        validate_choice=False,
        description="Or leave this empty and ask a specialty's advice pool below.",
    )
    specialty = SelectField(
        "Or ask a specialty's advice pool",
        validate_choice=False,
        description="Any active member of the network with this specialty may answer.",
    )
    kind = RadioField(
        "Kind",
        choices=KIND_CHOICES,
        validate_choice=False,
    )
    subject = StringField(
        "Subject",
        validators=[Length(max=200)],
        description="What the advice is about, e.g. “Cardiology opinion”. A referral made from "
        "this request asks for this service.",
    )
    question = TextAreaField(
        "Your question",
        validators=[Length(max=2000)],
        description="What you want to know; it becomes the reason if you turn the answer into "
        "a referral.",
    )
    client_id = SelectField("Existing or new client", validate_choice=False)
    given_name = StringField("Given name", validators=[Length(max=100)])
    family_name = StringField("Family name", validators=[Length(max=100)])
    birth_date = StringField(
        "Birth date", render_kw={"type": "date"}, description="Required for clinical requests."
    )
    consent = BooleanField("The client consents to sharing these details with the adviser")
    documents = MultipleFileField(
        "Documents", description="PDF, PNG or JPEG; up to 5 files of 10 MB each."
    )
    ask_token = HiddenField()

    FIELD_MAP = {
        "client.given_name": "given_name",
        "client.family_name": "family_name",
        "client.birth_date": "birth_date",
        "client.consent": "consent",
        "client": "client_id",
    }


class AdviceActionForm(FlaskForm):
    """Close or convert: the version read, and for a conversion the referral's priority."""

    version = HiddenField()
    priority = SelectField("Priority of the referral", choices=PRIORITY_CHOICES, default="routine")
    confirm_duplicate = BooleanField("Yes, send another referral for this client")
