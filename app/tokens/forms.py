"""Forms of the tokens page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


class NewTokenForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=80)],
        description="What will use it, e.g. “practice system sync”.",
    )
    submit = SubmitField("Create token")


class RevokeTokenForm(FlaskForm):
    """An empty form: the revoke button, protected by CSRF."""

    submit = SubmitField("Revoke")
