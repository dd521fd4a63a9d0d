"""The worklist's row forms: CSRF and labels; the services in app/followup/actions.py check
every value."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class NoteForm(FlaskForm):
    note = TextAreaField(
        "Follow-up note", description="Kept in the referral's timeline, e.g. a call you made."
    )


class SnoozeForm(FlaskForm):
    until = StringField(
        "Snooze until",
        description="Off the worklist and no reminders until this date.",
        render_kw={"type": "date"},
    )
