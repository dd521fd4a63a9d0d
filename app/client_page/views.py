"""The client's page: /c/<token>, its calendar file and the client's two answers."""

from __future__ import annotations

import re

from flask import Blueprint, Response, flash, redirect, render_template, url_for

from app.client_page.forms import ConfirmForm, RebookForm
from app.client_page.service import client_answer, client_calendar, open_client_page
from app.extensions import db
from app.refusals import Invalid, NotFound

bp = Blueprint("client_page", __name__, url_prefix="/c")

# What a token can look like (itsdangerous URL-safe payload and signature); others are 404.
TOKEN = re.compile(r"[A-Za-z0-9_.-]{20,400}")


def _private(response: Response) -> Response:
    """The page is the client's alone: never cached, indexed, or named to another site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _nothing() -> Response:
    """One answer for a forged, tampered, expired or revoked link: it reveals nothing."""
    db.session.rollback()
    return _private(Response(render_template("client_page/gone.html"), status=404))


def _checked(token: str) -> str:
    if not TOKEN.fullmatch(token):
        raise NotFound("This link does not open anything.")
    return token


@bp.route("/<token>")
def page(token: str):
    try:
        shown = open_client_page(_checked(token))
    except NotFound:
        return _nothing()
    html = render_template(
        "client_page/page.html",
        page=shown,
        token=token,
        confirm_form=ConfirmForm(),
        rebook_form=RebookForm(formdata=None),
    )
    db.session.commit()  # the audit row of this view
    return _private(Response(html))


@bp.route("/<token>/appointment.ics")
def calendar(token: str):
    try:
        ics = client_calendar(_checked(token))
    except (NotFound, Invalid):
        return _nothing()
    db.session.commit()
    response = Response(ics, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return _private(response)


def _answer(token: str, answer: str, form, message=None):
    try:
        _checked(token)
        if not form.validate_on_submit():
            flash("The form expired. Try again.", "error")
            return _private(redirect(url_for("client_page.page", token=token)))
        recorded = client_answer(token, answer, message)
    except NotFound:
        return _nothing()
    except Invalid as exc:
        db.session.rollback()
        flash(" ".join([exc.message, *exc.fields.values()]), "error")
        return _private(redirect(url_for("client_page.page", token=token)))
    db.session.commit()
    if recorded:
        flash("Thank you. Your answer was sent to them.", "success")
    else:
        flash("We already have this answer. Nothing more to do.", "info")
    return _private(redirect(url_for("client_page.page", token=token)))


@bp.route("/<token>/confirm", methods=["POST"])
def confirm(token: str):
    return _answer(token, "confirm", ConfirmForm())


@bp.route("/<token>/rebook", methods=["POST"])
def rebook(token: str):
    form = RebookForm()
    return _answer(token, "rebook", form, form.message.data)
