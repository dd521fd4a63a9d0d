"""Advice pages: the lists, asking, the page of one request (its thread), close, convert."""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from app.advice.access import read_advice
from app.advice.forms import AdviceActionForm, AskForm
from app.advice.listing import BOX_LABELS, advice_page, boxes_of, open_counts, read_box
from app.advice.service import (
    NewAdvice,
    advice_documents,
    ask_advice,
    close_advice,
    convert_advice,
    download_advice_document,
    may_close,
    may_convert,
)
from app.auth.decorators import roles_required
from app.extensions import db
from app.members.choices import chosen_member, member_label, picker_members, picker_query
from app.models import Member, NetworkKind, Role, Specialty, utcnow
from app.referrals import once
from app.referrals.clients import ClientInput, clients_to_choose
from app.referrals.documents import document_response
from app.referrals.errors import PossibleDuplicate
from app.refusals import Refusal
from app.threads.forms import MessageForm
from app.threads.places import advice_thread
from app.threads.posting import blank_message_form, post_from_form
from app.threads.service import mark_read, read_thread

bp = Blueprint("advice", __name__, url_prefix="/advice")
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
CLIENT_FIELDS = ("given_name", "family_name", "birth_date", "consent")


@bp.route("/")
@login_required
def index():
    box = read_box(current_user, request.args.get("box"))
    rows, page, more = advice_page(current_user, box, request.args)
    return render_template(
        "advice/index.html",
        box=box,
        boxes=[(b, BOX_LABELS[b]) for b in boxes_of(current_user)],
        counts=open_counts(current_user),
        rows=rows,
        page=page,
        more=more,
        now=utcnow(),
    )


def _specialties(network_ids: list[int]) -> list[str]:
    names = db.session.scalars(
        select(Specialty.name)
        .join(Member, Member.id == Specialty.member_id)
        .where(Member.network_id.in_(network_ids or [0]), Member.active.is_(True))
        .distinct()
        .order_by(Specialty.name)
    )
    return list(names)


def _prepare(form: AskForm, askers: list[Member]) -> None:
    form.asker_id.choices = [SelectChoice(str(m.id), m.name) for m in askers]
    own = {m.id for m in askers}
    members = picker_members(current_user, picker_query(request.args), exclude=own)
    wanted = request.args.get("asked_member_id") if request.method == "GET" else None
    picked = chosen_member(current_user, wanted or form.asked_member_id.data)
    if picked is not None and picked.id not in own and picked not in members:
        members.insert(0, picked)  # the member chosen (from its profile) stays a choice
    form.asked_member_id.choices = [SelectChoice("", "— nobody in particular: ask a pool —")] + [
        SelectChoice(str(m.id), member_label(m)) for m in members
    ]
    if request.method == "GET" and request.args.get("asked_member_id"):
        form.asked_member_id.data = request.args["asked_member_id"]
    form.specialty.choices = [SelectChoice("", "— no pool: ask the member above —")] + [
        SelectChoice(name, name) for name in _specialties([m.network_id for m in askers])
    ]
    clients = [SelectChoice("", "A new client (fill in below)")]
    for asker in askers:
        for c in clients_to_choose(current_user, asker):
            born = f", born {c.birth_date:%d %b %Y}" if c.birth_date else ""
            clients.append(SelectChoice(str(c.id), f"{c.family_name}, {c.given_name}{born}"))
    form.client_id.choices = clients
    if request.method == "GET":
        kinds = {m.network.kind for m in askers}
        form.kind.data = "professional" if kinds == {NetworkKind.PROFESSIONAL} else "clinical"
        form.ask_token.data = secrets.token_urlsafe(24)


def _show_errors(form: AskForm, exc: Refusal) -> None:
    for name, message in exc.fields.items():
        field = getattr(form, AskForm.FIELD_MAP.get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def new():
    askers = [m for m in current_user.members if m.active]
    if not askers:
        flash("You do not act for an active member, so you cannot ask for advice.", "error")
        return redirect(url_for("advice.index"))
    form = AskForm()
    _prepare(form, askers)
    status = 200
    if form.validate_on_submit():
        token = form.ask_token.data
        key = f"advice:{token}" if isinstance(token, str) and TOKEN.fullmatch(token) else None
        if key is not None and once.find(current_user.id, key) is not None:
            flash("This question was already sent.", "info")
            return redirect(url_for("advice.index", box="asked"))
        client = None
        if not form.client_id.data:
            client = ClientInput(**{n: getattr(form, n).data for n in CLIENT_FIELDS})
        files = [f for f in request.files.getlist(form.documents.name) if f and f.filename]
        try:
            if key is not None:
                once.claim(current_user, key, "advice form")
            advice = ask_advice(
                current_user,
                NewAdvice(
                    kind=form.kind.data,
                    subject=form.subject.data,
                    question=form.question.data,
                    asker_id=form.asker_id.data,
                    asked_member_id=form.asked_member_id.data or None,
                    specialty=form.specialty.data or None,
                    client_id=form.client_id.data or None,
                    client=client,
                ),
                files,
            )
            db.session.commit()
        except Refusal as exc:
            db.session.rollback()
            _show_errors(form, exc)
            if files and not form.documents.errors:
                form.documents.errors = ["Attach the documents again."]
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(f"Your question was sent to {advice.adviser_label} (#{advice.id}).", "success")
            return redirect(url_for("advice.detail", advice_id=advice.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "advice/new.html",
        form=form,
        one_asker=len(askers) == 1,
        member_q=picker_query(request.args).q,
    ), status


def _render_detail(advice_id: int, status: int = 200, message_form=None, duplicate=False):
    advice = read_advice(current_user, advice_id)
    thread = advice_thread(current_user, advice_id)
    messages = read_thread(current_user, thread)
    if status == 200:
        mark_read(current_user, thread)
    action_form = AdviceActionForm(formdata=None)
    action_form.version.data = advice.version
    page = render_template(
        "advice/detail.html",
        advice=advice,
        thread=thread,
        messages=messages,
        message_form=message_form or blank_message_form(),
        documents=advice_documents(current_user, advice.id),
        action_form=action_form,
        may_close=may_close(current_user, advice),
        may_convert=may_convert(current_user, advice),
        duplicate=duplicate,
        tz=advice.asker.network.timezone,
        now=utcnow(),
    )
    db.session.commit()
    return page, status


@bp.route("/<int:advice_id>")
@login_required
def detail(advice_id: int):
    return _render_detail(advice_id)


@bp.route("/<int:advice_id>/messages", methods=["POST"])
@login_required
def post_message(advice_id: int):
    thread = advice_thread(current_user, advice_id)  # 404 for others' requests
    form = MessageForm()
    status = post_from_form(thread, form)
    if status == 303:
        return redirect(url_for("advice.detail", advice_id=advice_id, _anchor="messages"), 303)
    return _render_detail(advice_id, status, form)


def _version(form: AdviceActionForm):
    try:
        return int(form.version.data or "")
    except ValueError:
        return None


@bp.route("/<int:advice_id>/close", methods=["POST"])
@login_required
def close(advice_id: int):
    form = AdviceActionForm()
    if not form.validate_on_submit():
        return _render_detail(advice_id, 400)
    try:
        close_advice(current_user, advice_id, version=_version(form))
        db.session.commit()
    except Refusal as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_detail(advice_id, exc.status)
    flash("The advice request is closed.", "success")
    return redirect(url_for("advice.detail", advice_id=advice_id))


@bp.route("/<int:advice_id>/convert", methods=["POST"])
@login_required
def convert(advice_id: int):
    form = AdviceActionForm()
    if not form.validate_on_submit():
        return _render_detail(advice_id, 400)
    try:
        referral = convert_advice(
            current_user,
            advice_id,
            version=_version(form),
            priority=form.priority.data,
            confirm_duplicate=form.confirm_duplicate.data,
        )
        db.session.commit()
    except Refusal as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_detail(advice_id, exc.status, duplicate=isinstance(exc, PossibleDuplicate))
    flash(
        f"Referral #{referral.id} was sent to {referral.receiver.name} with the question, "
        "the answers and the documents.",
        "success",
    )
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.route("/<int:advice_id>/documents/<int:document_id>")
@login_required
def document(advice_id: int, document_id: int):
    doc = download_advice_document(current_user, advice_id, document_id)
    db.session.commit()
    return document_response(doc)
