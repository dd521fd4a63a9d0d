"""Posting a message from a page: the one-time token of the form, the service, the errors.

Shared by the referral page and the advice request page."""

from __future__ import annotations

import re
import secrets

from flask import flash, request
from flask_login import current_user

from app.extensions import db
from app.referrals import once
from app.refusals import Refusal
from app.threads.forms import MessageForm
from app.threads.places import Thread
from app.threads.service import post_message

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def blank_message_form() -> MessageForm:
    form = MessageForm(formdata=None)
    form.post_token.data = secrets.token_urlsafe(24)
    return form


def post_from_form(thread: Thread, form: MessageForm) -> int:
    """Post the form's message; the HTTP status of the answer (303 done, or a refusal's).
    A second post of the same form (a double click, a reload) posts nothing more."""
    if not form.validate_on_submit():
        return 400
    token = form.post_token.data
    key = f"message:{token}" if isinstance(token, str) and TOKEN.fullmatch(token) else None
    if key is not None and once.find(current_user.id, key) is not None:
        flash("This message was already posted.", "info")
        return 303
    files = [f for f in request.files.getlist(form.attachments.name) if f and f.filename]
    try:
        if key is not None:
            _row, first = once.claim(current_user, key, "message form")
            if not first:
                flash("This message was already posted.", "info")
                return 303
        post_message(current_user, thread, form.body.data, files)
        db.session.commit()
    except Refusal as exc:
        db.session.rollback()
        for name, message in exc.fields.items():
            field = {"documents": "attachments"}.get(name, name)
            if hasattr(form, field):
                getattr(form, field).errors = [*getattr(form, field).errors, message]
        if files and not form.attachments.errors:
            form.attachments.errors = ["Attach the files again."]
        flash(exc.message, "error")
        return exc.status
    flash("Your message was posted. The other side has been told.", "success")
    return 303
