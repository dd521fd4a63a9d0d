"""Forms of multi-factor sign-in: CSRF and labels; app/auth/mfa.py checks the codes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

# An authenticator code: phones offer it from the SMS/app autofill; digits keypad.
TOTP_INPUT = {"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}


class SignInCodeForm(FlaskForm):
    code = StringField(
        "Code",
        validators=[DataRequired(message="Enter the code."), Length(max=40)],
        description="The 6-digit code your authenticator app shows now, or one of your "
        "recovery codes.",
        render_kw={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"},
    )


class ConfirmCodeForm(FlaskForm):
    code = StringField(
        "Code from your app",
        validators=[DataRequired(message="Enter the code."), Length(max=40)],
        description="The 6-digit code your authenticator app shows now.",
        render_kw=TOTP_INPUT,
    )


class DisableForm(FlaskForm):
    password = PasswordField(
        "Your password", validators=[DataRequired(message="Enter your password."), Length(max=256)]
    )
    code = StringField(
        "Code from your app, or a recovery code",
        validators=[DataRequired(message="Enter the code."), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


class StaffRuleForm(FlaskForm):
    mfa_required_for_staff = BooleanField(
        "Coordinators and admins must sign in with a second factor",
        description="Those not yet enrolled are signed out and set it up at their next "
        "sign-in. Practitioners choose for themselves.",
    )
