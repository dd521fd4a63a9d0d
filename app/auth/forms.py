"""Sign-in and password forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.auth.passwords import MIN_LENGTH


class SignInForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])
    submit = SubmitField("Sign in")


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=256)],
        description=(
            f"At least {MIN_LENGTH} characters; not a commonly used password, nor your name or"
            " e-mail address. A few unrelated words make a good one."
        ),
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    submit = SubmitField("Set password and sign in")
