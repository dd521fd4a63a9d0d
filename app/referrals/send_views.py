"""The send form: choose the receiver, the client, say why; attach documents."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from app.auth.policy import roles_required
from app.extensions import db
from app.mail.outbox import deliver_pending
from app.members.service import DirectoryQuery, directory_query
from app.models import Client, Member, NetworkKind, Role
from app.referrals.blueprint import bp
from app.referrals.clients import ClientInput, clients_of
from app.referrals.documents import check_uploads, store_documents
from app.referrals.errors import PossibleDuplicate, ReferralError
from app.referrals.forms import SendForm
from app.referrals.service import NewReferral, send_referral

MAX_OPTIONS = 300


def _receiver_choices(query: DirectoryQuery, own: set[int]) -> list[SelectChoice]:
    members = db.session.scalars(directory_query(current_user, query).limit(MAX_OPTIONS))
    choices = [SelectChoice("", "— choose who receives the client —")]
    for m in members:
        if m.id in own:
            continue
        where = f" · {m.city}" if m.city else ""
        state = "accepting" if m.accepting else "not accepting new referrals"
        label = f"{m.name} — {', '.join(m.specialties)}{where} · {state}"
        choices.append(
            SelectChoice(str(m.id), label, render_kw={} if m.accepting else {"disabled": True})
        )
    return choices


def _client_choices(senders: list[Member]) -> list[SelectChoice]:
    choices = [SelectChoice("", "A new client (fill in below)")]
    for sender in senders:
        clients = db.session.scalars(
            clients_of(current_user, sender)
            .order_by(Client.family_name, Client.given_name)
            .limit(MAX_OPTIONS)
        )
        for c in clients:
            born = f", born {c.birth_date:%d %b %Y}" if c.birth_date else ""
            choices.append(SelectChoice(str(c.id), f"{c.family_name}, {c.given_name}{born}"))
    return choices


def _prepare(form: SendForm, query: DirectoryQuery) -> list[Member]:
    senders = [m for m in current_user.members if m.active]
    form.sender_id.choices = [SelectChoice(str(m.id), m.name) for m in senders]
    form.receiver_id.choices = _receiver_choices(query, {m.id for m in senders})
    form.client_id.choices = _client_choices(senders)
    if request.method == "GET":
        if request.args.get("receiver_id"):
            form.receiver_id.data = request.args["receiver_id"]
        network = senders[0].network if senders else None
        kind = (
            "professional" if network and network.kind == NetworkKind.PROFESSIONAL else "clinical"
        )
        form.kind.data = kind
    return senders


def _show_errors(form: SendForm, exc: ReferralError) -> None:
    for name, message in exc.fields.items():
        field = getattr(form, SendForm.FIELD_MAP.get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def new():
    query = DirectoryQuery(
        q=request.args.get("q", "")[:100], specialty=request.args.get("specialty", "")[:80]
    )
    form = SendForm()
    senders = _prepare(form, query)
    if not senders:
        flash("You do not act for an active member, so you cannot send referrals.", "error")
        return redirect(url_for("dashboard.index"))
    duplicate = False
    status = 200
    if form.validate_on_submit():
        client = None
        if not form.client_id.data:
            client = ClientInput(
                given_name=form.given_name.data,
                family_name=form.family_name.data,
                birth_date=form.birth_date.data,
                email=form.email.data,
                phone=form.phone.data,
                identifier=form.identifier.data,
                consent=form.consent.data,
            )
        new_referral = NewReferral(
            sender_id=form.sender_id.data,
            receiver_id=form.receiver_id.data,
            kind=form.kind.data,
            priority=form.priority.data,
            reason=form.reason.data,
            service=form.service.data,
            notes=form.notes.data,
            client_id=form.client_id.data or None,
            client=client,
            confirm_duplicate=form.confirm_duplicate.data,
        )
        try:
            uploads = check_uploads(request.files.getlist(form.documents.name))
            referral = send_referral(current_user, new_referral)
            store_documents(referral, uploads, current_user)
            db.session.commit()
        except ReferralError as exc:
            db.session.rollback()
            duplicate = isinstance(exc, PossibleDuplicate)
            _show_errors(form, exc)
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            deliver_pending()
            receiver = db.session.get(Member, referral.receiver_id)
            flash(f"Referral #{referral.id} was sent to {receiver.name}.", "success")
            return redirect(url_for("referrals.detail", referral_id=referral.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "referrals/new.html",
        form=form,
        query=query,
        duplicate=duplicate,
        one_sender=len(senders) == 1,
    ), status
