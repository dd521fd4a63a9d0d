"""Forms that several pages share."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from wtforms import SubmitField


class ConfirmForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""

    submit = SubmitField("Confirm")


def form_status() -> int:
    """A form page shown again after a POST carries errors: 400; the first showing is 200."""
    return 400 if request.method == "POST" else 200


def submitted(form: FlaskForm, names) -> dict:
    """The data of these fields of a submitted form, by name (the names services take)."""
    return {name: getattr(form, name).data for name in names}
