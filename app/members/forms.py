"""Member forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from app.forms import submitted
from app.members.service import EDITABLE_FIELDS
from app.models import MemberKind

# British spelling, as the rest of the pages (the stored value stays "organization").
MEMBER_KIND_LABELS = {
    MemberKind.PRACTITIONER: "Practitioner",
    MemberKind.ORGANIZATION: "Organisation",
}


class MemberForm(FlaskForm):
    network_id = SelectField("Network", coerce=int, validators=[DataRequired()])
    name = StringField("Name", validators=[DataRequired(), Length(max=160)])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(k.value, label) for k, label in MEMBER_KIND_LABELS.items()],
    )
    specialties = TextAreaField(
        "Specialties or services",
        validators=[
            DataRequired(message="Give at least one specialty or service."),
            Length(max=1000),
        ],
        description="Separate with commas, e.g. Cardiology, Echocardiography.",
    )
    organization = StringField("Practice or firm", validators=[Optional(), Length(max=160)])
    address = StringField("Address", validators=[Optional(), Length(max=200)])
    city = StringField("City", validators=[Optional(), Length(max=100)])
    postcode = StringField("Postcode", validators=[Optional(), Length(max=20)])
    email = EmailField("E-mail", validators=[Optional(), Email(), Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    bio = TextAreaField("About", validators=[Optional(), Length(max=2000)])
    accepting = BooleanField("Accepting new referrals", default=True)
    capacity = IntegerField(
        "Capacity (new referrals a week)",
        validators=[Optional(), NumberRange(min=0, max=10000)],
        description="Leave empty if not stated.",
    )
    latitude = FloatField(
        "Latitude",
        validators=[Optional(), NumberRange(min=-90, max=90)],
        description="Where the member sees clients, e.g. 53.7997; orders alternatives "
        "nearest first. Leave both empty if not known.",
    )
    longitude = FloatField(
        "Longitude",
        validators=[Optional(), NumberRange(min=-180, max=180)],
        description="e.g. -1.5492",
    )
    submit = SubmitField("Save member")

    def member_fields(self) -> dict:
        return submitted(self, EDITABLE_FIELDS)


class IdentifierForm(FlaskForm):
    """One identifier of the member in another system (an NPI…), for FHIR imports."""

    system = StringField(
        "System (URI)",
        validators=[DataRequired(), Length(max=200)],
        default="http://hl7.org/fhir/sid/us-npi",
    )
    value = StringField("Identifier", validators=[DataRequired(), Length(max=100)])
    submit = SubmitField("Add identifier")
