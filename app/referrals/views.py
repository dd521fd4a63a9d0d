"""Referral pages: the lists, the referral page and its actions, documents."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from app.audit.service import record
from app.extensions import db
from app.mail.outbox import deliver_pending
from app.models import Document, Member, Notification, Referral, ReferralKind, Role, utcnow
from app.referrals import send_views  # noqa: F401 - registers the send form on bp
from app.referrals.access import parties_of, referral_for
from app.referrals.blueprint import bp
from app.referrals.documents import document_path
from app.referrals.errors import ReferralError, ReferralNotFound, StaleReferral
from app.referrals.forms import ActionForm
from app.referrals.listing import (
    FILTER_PARAMS,
    page_of,
    parse_filter,
    status_counts,
)
from app.referrals.service import perform
from app.referrals.states import Transition, allowed_actions, transition_for

DONE = {
    "accept": "You accepted the referral. Schedule the visit when you have a date.",
    "decline": "You declined the referral. The sender has been told.",
    "forward": "The referral was forwarded. The sender has been told.",
    "cancel": "The referral was cancelled. The other side has been told.",
    "schedule": "The visit is scheduled. The sender has been told.",
    "record-visit": "The visit is recorded. Close the referral with an outcome for the sender.",
    "no-show": "The missed visit is recorded.",
    "close": "The referral is closed. The sender can read your outcome.",
}


def _referral_or_404(referral_id: int) -> Referral:
    try:
        return referral_for(current_user, referral_id)
    except ReferralNotFound:
        abort(404)


@bp.route("/")
@login_required
def index():
    status = 200
    try:
        flt = parse_filter(current_user, request.args, current_app.config["PAGE_SIZE"])
    except ReferralError as exc:
        flash(" ".join(exc.fields.values()) or exc.message, "error")
        flt = parse_filter(current_user, MultiDict(), current_app.config["PAGE_SIZE"])
        status = 400
    items, following = page_of(current_user, flt)
    members = current_user.members if current_user.role == Role.PRACTITIONER else []
    args = {k: v for k, v in request.args.items() if k in FILTER_PARAMS} if status == 200 else {}
    return render_template(
        "referrals/index.html",
        flt=flt,
        items=items,
        following=following,
        counts=status_counts(current_user, flt),
        members=members,
        args=args,
        paged=flt.after is not None,
        status_filter=flt.statuses[0] if len(flt.statuses) == 1 else None,
        priority_filter=flt.priorities[0].value if len(flt.priorities) == 1 else "",
    ), status


def _member_choices(referral: Referral, exclude: set[int]) -> list[SelectChoice]:
    members = db.session.scalars(
        select(Member)
        .where(Member.network_id == referral.network_id, Member.active.is_(True))
        .order_by(Member.name)
    )
    choices = [SelectChoice("", "— choose a member —")]
    for m in members:
        if m.id in exclude:
            continue
        label = f"{m.name} — {', '.join(m.specialties)}" + (
            "" if m.accepting else " (not accepting)"
        )
        choices.append(
            SelectChoice(str(m.id), label, render_kw={} if m.accepting else {"disabled": True})
        )
    return choices


def _fields_for(transition: Transition, referral: Referral) -> list[str]:
    fields = [*transition.requires, *transition.optional]
    if referral.kind == ReferralKind.CLINICAL and "value" in fields:
        fields.remove("value")  # clinical referrals never carry money
    return fields


def _render_detail(
    referral: Referral, form: ActionForm | None = None, open_action=None, status=200
):
    parties = parties_of(current_user, referral)
    actions = allowed_actions(referral.status, parties)
    # The form of the action just tried keeps its values and errors; the others start blank.
    blank = ActionForm(formdata=None)
    form = form or blank
    choices = _member_choices(referral, {referral.sender_id, referral.receiver_id})
    for each in (form, blank):
        each.receiver_id.choices = each.suggested_member_id.choices = choices
    documents = db.session.scalars(
        select(Document).where(Document.referral_id == referral.id).order_by(Document.id)
    ).all()
    return render_template(
        "referrals/detail.html",
        referral=referral,
        parties=parties,
        actions=[(t, _fields_for(t, referral)) for t in actions],
        form=form,
        blank=blank,
        open_action=open_action,
        documents=documents,
        network=referral.sender.network,
    ), status


@bp.route("/<int:referral_id>")
@login_required
def detail(referral_id: int):
    referral = _referral_or_404(referral_id)
    record("view", "referral", referral.id, detail=f"client={referral.client_id}")
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == current_user.id,
            Notification.referral_id == referral.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    db.session.commit()
    return _render_detail(referral)


@bp.route("/<int:referral_id>/actions/<action>", methods=["POST"])
@login_required
def act(referral_id: int, action: str):
    referral = _referral_or_404(referral_id)
    transition = transition_for(action)
    if transition is None:
        abort(404)
    form = ActionForm()
    form.receiver_id.choices = form.suggested_member_id.choices = []
    if not form.validate_on_submit():
        return _render_detail(referral, form, action, 400)
    try:
        version = int(form.version.data or "")
    except ValueError:
        abort(400)
    values = {name: getattr(form, name).data for name in _fields_for(transition, referral)}
    values["note"] = form.note.data
    try:
        perform(referral, action, current_user, version=version, values=values)
        db.session.commit()
    except (StaleReferral, StaleDataError):
        db.session.rollback()
        flash(StaleReferral().message, "error")
        return _render_detail(db.session.get(Referral, referral_id), None, None, 409)
    except ReferralError as exc:
        db.session.rollback()
        for name, message in exc.fields.items():
            if hasattr(form, name):
                getattr(form, name).errors = [*getattr(form, name).errors, message]
        flash(exc.message, "error")
        return _render_detail(db.session.get(Referral, referral_id), form, action, exc.status)
    deliver_pending()
    flash(DONE[action], "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.route("/<int:referral_id>/documents/<int:document_id>")
@login_required
def document(referral_id: int, document_id: int):
    referral = _referral_or_404(referral_id)
    doc = db.session.get(Document, document_id)
    if doc is None or doc.referral_id != referral.id or not document_path(doc).exists():
        abort(404)
    record("download", "document", doc.id, detail=f"referral={referral.id}")
    db.session.commit()
    response = send_file(
        document_path(doc),
        mimetype=doc.content_type,
        as_attachment=True,
        download_name=doc.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
