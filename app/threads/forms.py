"""The form to post a message (on a referral's or an advice request's page)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from app.threads.service import MAX_MESSAGE


class MessageForm(FlaskForm):
    body = TextAreaField(
        "Your message",
        validators=[Length(max=MAX_MESSAGE)],
        description="The other side is told that there is a new message (the e-mail does not "
        "include its text).",
    )
    attachments = MultipleFileField(
        "Attachments (optional)", description="PDF, PNG or JPEG; up to 5 files of 10 MB each."
    )
    # One form, one message: posting the same form twice posts once.
    post_token = HiddenField()
