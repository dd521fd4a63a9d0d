"""The public side of links, no sign-in: `/r/<code>` (a visit, then the intake form), `/r`
(a code typed in), the thank-you page and the client's e-mail confirmation."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, Response, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.forms import submitted
from app.links.attribution import COOKIE, read_touches, set_touch_cookie, with_touch
from app.links.codes import grouped, normalized
from app.links.forms import IntakeForm
from app.links.intake import (
    IntakeInput,
    LinkClosed,
    Visitor,
    confirm_intake,
    submit_intake,
)
from app.links.service import link_of_code
from app.links.throttle import init_link_throttle, link_throttle, visitor_address
from app.links.visits import address_hash, browser_family, channel_of, record_visit
from app.models import LinkChannel, LinkIntake, ReferralKind, utcnow
from app.referrals.errors import InvalidReferral
from app.refusals import Invalid, NotFound

bp = Blueprint("links_public", __name__, url_prefix="/r")
bp.record_once(lambda state: init_link_throttle(state.app))

TOKEN = re.compile(r"[A-Za-z0-9_.-]{20,400}")


def _private(response: Response) -> Response:
    """Never cached or indexed; the page's address (the code) is named to no other site."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(template: str, status: int = 200, **context) -> Response:
    return _private(Response(render_template(template, **context), status=status))


def _unknown() -> Response:
    """One answer for an unknown, malformed or guessed code: it reveals nothing."""
    db.session.rollback()
    return _page("links/public/unknown.html", 404)


def _closed() -> Response:
    db.session.rollback()
    return _page("links/public/closed.html", 410)


def _throttled() -> Response:
    db.session.rollback()
    return _page("links/public/throttled.html", 429)


@bp.route("", methods=["GET"])
def enter_code():
    """A code typed in (from a card or a conversation) opens like the link, tagged `code`."""
    typed = request.args.get("code")
    if typed is None:
        return _page("links/public/enter_code.html")
    if not link_throttle().may_open(visitor_address()):
        return _throttled()
    code = normalized(typed)
    if code is None or link_of_code(code) is None:
        return _page("links/public/enter_code.html", 404, not_found=True)
    return redirect(url_for("links_public.intake", code=code, c=LinkChannel.CODE.value))


def _show_errors(form: IntakeForm, exc: InvalidReferral) -> None:
    for name, message in exc.fields.items():
        field = getattr(form, IntakeForm.FIELD_MAP.get(name, name), None)
        if field is not None and name in IntakeForm.FIELD_MAP:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def _intake_page(link, form: IntakeForm, status: int = 200) -> Response:
    form.consent.label.text = form.consent.label.text.format(target=link.target_member.name)
    return _page(
        "links/public/intake.html",
        status,
        link=link,
        form=form,
        clinical=link.referral_kind == ReferralKind.CLINICAL,
        code=grouped(link.code),
    )


@bp.route("/<code>", methods=["GET", "POST"])
def intake(code: str):
    address = visitor_address()
    if not link_throttle().may_open(address):
        return _throttled()
    link = link_of_code(code)
    if link is None:
        return _unknown()
    now = utcnow()
    if not link.open_at(now):
        return _closed()
    if not link.target_member.receives_referrals:  # said before the form, not after it
        db.session.rollback()
        return _page("links/public/not_accepting.html", 409, target=link.target_member)
    if request.method == "GET" and code != link.code:  # one address: `abcde-fghjk` leads here
        return redirect(url_for("links_public.intake", code=link.code, c=request.args.get("c")))
    touches = read_touches(request.cookies.get(COOKIE))
    form = IntakeForm()
    if request.method == "GET":
        visit = record_visit(
            link, channel_of(request.args.get("c")), address, request.user_agent.string, now
        )
        form.form_token.data = secrets.token_urlsafe(24)
        response = _intake_page(link, form)
        db.session.commit()
        set_touch_cookie(response, with_touch(touches, visit))
        return response
    if not link_throttle().may_send(address):
        return _throttled()
    if not form.validate_on_submit():
        return _intake_page(link, form, 400)
    visit_id = next((t.visit_id for t in reversed(touches) if t.link_id == link.id), None)
    visitor = Visitor(address_hash(address), browser_family(request.user_agent.string))
    try:
        submit_intake(
            link,
            IntakeInput(**submitted(form, IntakeForm.FIELDS)),
            visitor,
            touches,
            visit_id=visit_id,
            now=now,
        )
        db.session.commit()
        link_throttle().sent(address)
    except LinkClosed:
        return _closed()
    except InvalidReferral as exc:
        db.session.rollback()
        _show_errors(form, exc)
        form.form_errors.insert(0, exc.message)
        return _intake_page(link, form, exc.status)
    except Invalid as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _intake_page(link, form, 400)
    except IntegrityError:
        # The same form sent twice at once: the other post made the referral.
        db.session.rollback()
        done = db.session.scalar(
            select(LinkIntake.id).where(LinkIntake.form_token == form.form_token.data)
        )
        if done is None:
            raise
    return _private(redirect(url_for("links_public.sent")))


@bp.route("/sent")
def sent():
    return _page("links/public/sent.html")


@bp.route("/confirm/<token>", methods=["GET"])
def confirm(token: str):
    """Opening the link from the e-mail confirms the address: only the mailbox that received
    it has the link (a mail scanner that opens it proves the same: the address receives)."""
    if not TOKEN.fullmatch(token):
        return _unknown()
    try:
        intake = confirm_intake(token)
    except NotFound:
        return _unknown()
    target = intake.link.target_member
    html = render_template("links/public/confirmed.html", target=target)
    db.session.commit()
    return _private(Response(html))
