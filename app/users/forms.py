"""User administration forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length

from app.models import Role

ROLE_CHOICES = [
    SelectChoice(
        Role.PRACTITIONER.value, "Practitioner — sends and receives referrals for its members"
    ),
    SelectChoice(Role.COORDINATOR.value, "Coordinator — follows up a network, manages its members"),
    SelectChoice(Role.ADMIN.value, "Admin — all networks, all users"),
]


class UserForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    member_ids = SelectMultipleField(
        "Acts for members", coerce=int, description="For practitioners: the members they act for."
    )
    network_ids = SelectMultipleField(
        "Coordinates networks", coerce=int, description="For coordinators."
    )
    submit = SubmitField("Save and send invitation")
