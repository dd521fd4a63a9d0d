"""The client's two answers: POST forms with CSRF, without an account or JavaScript."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length


class ConfirmForm(FlaskForm):
    """I will attend."""


class RebookForm(FlaskForm):
    message = TextAreaField(
        "A short message (optional)",
        validators=[Length(max=500)],
        description="For example the days or times that suit you. Up to 500 characters.",
    )
