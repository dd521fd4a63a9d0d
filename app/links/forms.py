"""Forms of the link pages. The services check every value; forms carry CSRF and labels."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length


class IntakeForm(FlaskForm):
    """The public intake: what the target's network needs, no more."""

    given_name = StringField("Given name", validators=[Length(max=100)])
    family_name = StringField("Family name", validators=[Length(max=100)])
    birth_date = StringField("Birth date", render_kw={"type": "date"})
    email = StringField(
        "E-mail",
        validators=[Length(max=254)],
        render_kw={"type": "email", "autocomplete": "email"},
        description="We send you a link to confirm it.",
    )
    phone = StringField("Phone (optional)", validators=[Length(max=40)], render_kw={"type": "tel"})
    message = TextAreaField(
        "What would you like help with?",
        validators=[Length(max=2000)],
        description="A few words for the person who will see you.",
    )
    consent = BooleanField("I agree that these details are shared with {target}")
    contact_consent = BooleanField(
        "E-mail me when my referral is accepted or an appointment is booked"
    )
    # The honeypot: hidden from people (and from screen readers), filled in by robots.
    website = StringField("Leave this empty", validators=[Length(max=200)])
    # One form, one referral: a second post of this form finds the first.
    form_token = HiddenField()

    FIELD_MAP = {
        "client.given_name": "given_name",
        "client.family_name": "family_name",
        "client.birth_date": "birth_date",
        "client.email": "email",
        "client.phone": "phone",
        "client.consent": "consent",
        "client.contact_consent": "contact_consent",
        "reason": "message",
    }
    FIELDS = (
        "given_name",
        "family_name",
        "birth_date",
        "email",
        "phone",
        "consent",
        "contact_consent",
        "message",
        "form_token",
        "website",
    )


class NewLinkForm(FlaskForm):
    owner_member_id = SelectField("Link of", validate_choice=False)
    target_member_id = SelectField("Clients who use it are sent to", validate_choice=False)
    owner_client_id = SelectField(
        "Shared by one of your clients (optional)",
        validate_choice=False,
        description="A client who passes the link on to friends; the referrals still come "
        "from you.",
    )
    label = StringField(
        "Name (for you)",
        validators=[Length(max=120)],
        description="E.g. “Front desk flyer”. Only you see it.",
    )
    service = StringField(
        "Service asked for (optional)",
        validators=[Length(max=200)],
        description="Shown to the receiver; the receiver's specialty when empty.",
    )
    ends_at = StringField(
        "Ends (optional)",
        render_kw={"type": "datetime-local"},
        description="The link stops working then.",
    )


class LinkEndForm(FlaskForm):
    ends_at = StringField("Ends", render_kw={"type": "datetime-local"})


class ButtonForm(FlaskForm):
    """Pause, resume: CSRF only."""
