"""The send form: choose the receiver, the client, say why; attach documents."""

from __future__ import annotations

import re
import secrets
from dataclasses import fields

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from app import fields as f
from app.auth.decorators import roles_required
from app.extensions import db
from app.forms import submitted
from app.members.choices import chosen_member, member_choices, picker_members
from app.members.service import DirectoryQuery
from app.models import Client, Member, NetworkKind, Role
from app.referrals import once
from app.referrals.blueprint import bp
from app.referrals.clients import ClientInput, clients_to_choose
from app.referrals.documents import check_uploads, store_documents
from app.referrals.errors import InvalidReferral, PossibleDuplicate, ReferralError
from app.referrals.forms import SendForm
from app.referrals.send_again import send_again_values
from app.referrals.service import NewReferral, send_referral
from app.referrals.vocabulary import PROFESSIONAL, Vocabulary, words_of_network
from app.reports.service import send_suggestions

MAX_OPTIONS = 300
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# What the form hands to the service, by the service's own names.
CLIENT_FIELDS = tuple(f.name for f in fields(ClientInput))
REFERRAL_FIELDS = (
    "sender_id",
    "receiver_id",
    "kind",
    "priority",
    "reason",
    "service",
    "notes",
    "confirm_duplicate",
)


def _receiver_choices(query: DirectoryQuery, own: set[int], chosen) -> list[SelectChoice]:
    """The first matches of the search; the member already chosen stays among them."""
    members = picker_members(current_user, query, exclude=own)
    picked = chosen_member(current_user, chosen)
    if picked is not None and picked.id not in own and picked not in members:
        members.insert(0, picked)
    if picked is not None and not picked.accepting and request.method == "GET":
        # Said before the form is filled in, not only when it is sent.
        flash(f"{picked.name} is not accepting new referrals at the moment.", "info")
    return member_choices(members, "— choose who receives the client —")


def _client_choices(senders: list[Member]) -> list[SelectChoice]:
    choices = [SelectChoice("", "A new client (fill in below)")]
    for sender in senders:
        for c in clients_to_choose(current_user, sender, MAX_OPTIONS):
            born = f", born {c.birth_date:%d %b %Y}" if c.birth_date else ""
            choices.append(SelectChoice(str(c.id), f"{c.family_name}, {c.given_name}{born}"))
    return choices


def _senders_words(senders: list[Member]) -> Vocabulary | None:
    """The words of the senders' network when it carries one kind of referral."""
    found = {words_of_network(m.network.kind) for m in senders}
    return found.pop() if len(found) == 1 else None


def _prepare(form: SendForm, query: DirectoryQuery) -> list[Member]:
    senders = [m for m in current_user.members if m.active]
    form.sender_id.choices = [SelectChoice(str(m.id), m.name) for m in senders]
    if request.method == "GET" and request.args.get("receiver_id"):
        form.receiver_id.data = request.args["receiver_id"]
    own = {m.id for m in senders}
    form.receiver_id.choices = _receiver_choices(query, own, form.receiver_id.data)
    form.client_id.choices = _client_choices(senders)
    if request.method == "GET":
        network = senders[0].network if senders else None
        kind = (
            "professional" if network and network.kind == NetworkKind.PROFESSIONAL else "clinical"
        )
        form.kind.data = kind
    vocabulary = _senders_words(senders)
    if vocabulary is PROFESSIONAL:  # a business network: a client, no birth date, no patient
        form.kind.data = PROFESSIONAL.kind.value
        form.consent.label.text = PROFESSIONAL.consent_label
        form.contact_consent.label.text = PROFESSIONAL.contact_consent_label
        form.birth_date.data = None
        form.service.description = (
            f"What you ask the receiver to do, e.g. “{PROFESSIONAL.service_example}”."
        )
    elif vocabulary is not None:
        form.contact_consent.label.text = vocabulary.contact_consent_label
    else:  # both kinds: say which one needs the birth date
        form.birth_date.description = "Clinical referrals only (required for them)."
    return senders


def _show_errors(form: SendForm, exc: ReferralError) -> None:
    for name, message in exc.fields.items():
        field = getattr(form, SendForm.FIELD_MAP.get(name, name), None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def _form_key(token) -> str | None:
    if isinstance(token, str) and TOKEN.fullmatch(token):
        return f"form:{token}"
    return None


def _already_sent(key: str):
    """The referral this very form already made, shown instead of a second one."""
    done = once.find(current_user.id, key)
    if done is None or done.referral_id is None:
        return None
    flash(f"This form was already sent: it is referral #{done.referral_id}.", "info")
    return redirect(url_for("referrals.detail", referral_id=done.referral_id))


def _suggestions(form: SendForm, senders: list[Member], query: DirectoryQuery) -> list:
    """For the specialty searched: whom this sender might send the client to, with why."""
    if not query.specialty:
        return []
    chosen = {str(m.id): m for m in senders}.get(str(form.sender_id.data or ""), senders[0])
    return send_suggestions(current_user, chosen.id, query.specialty)


def _fill_in_again(form: SendForm) -> None:
    """`?again=<id>`: the form filled in from an earlier referral (the link in the e-mail
    of an expired one); the receiver is chosen anew."""
    problems = f.FieldProblems()
    again = f.query_integer(problems, "again", request.args.get("again"), low=1, high=f.MAX_ID)
    if again is None:
        return
    values = send_again_values(current_user, again)
    for name, value in values.items():
        getattr(form, name).data = value
    client = values["client_id"]
    if all(choice.value != client for choice in form.client_id.choices):
        picked = db.session.get(Client, int(client))
        form.client_id.choices.append(SelectChoice(client, picked.display_name))
    flash(f"Filled in from referral #{again}: choose whom to send the client to.", "info")


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.PRACTITIONER)
def new():
    terms, _refused = f.search_terms(request.args, ("q", "specialty"))
    query = DirectoryQuery(**terms)
    form = SendForm()
    senders = _prepare(form, query)
    if not senders:
        flash("You do not act for an active member, so you cannot send referrals.", "error")
        return redirect(url_for("dashboard.index"))
    duplicate = False
    status = 200
    if request.method == "GET":
        form.send_token.data = secrets.token_urlsafe(24)
        _fill_in_again(form)
    key = _form_key(form.send_token.data)
    if form.validate_on_submit():
        if key is not None and (done := _already_sent(key)) is not None:
            return done
        client = None if form.client_id.data else ClientInput(**submitted(form, CLIENT_FIELDS))
        new_referral = NewReferral(
            **submitted(form, REFERRAL_FIELDS), client_id=form.client_id.data or None, client=client
        )
        attached = [f for f in request.files.getlist(form.documents.name) if f and f.filename]
        # The documents and the fields are checked apart, so that every error shows at once.
        try:
            uploads, upload_error = check_uploads(attached), None
        except InvalidReferral as exc:
            uploads, upload_error = [], exc
        try:
            claimed = None
            if key is not None:
                claimed, first = once.claim(current_user, key, "send form")
                if not first:  # the same form, posted at the same moment, was sent
                    return _already_sent(key) or redirect(url_for("referrals.index"))
            referral = send_referral(current_user, new_referral)
            if upload_error is not None:
                raise upload_error
            store_documents(referral, uploads, current_user)
            if claimed is not None:
                claimed.referral_id = referral.id
            db.session.commit()
        except ReferralError as exc:
            db.session.rollback()
            duplicate = isinstance(exc, PossibleDuplicate)
            _show_errors(form, exc)
            if upload_error is not None and upload_error is not exc:
                _show_errors(form, upload_error)
            if attached and not form.documents.errors:
                # A browser cannot keep chosen files across a refused send.
                form.documents.errors = ["Attach the documents again."]
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(f"Referral #{referral.id} was sent to {referral.receiver.name}.", "success")
            return redirect(url_for("referrals.detail", referral_id=referral.id))
    elif request.method == "POST":
        status = 400
    return render_template(
        "referrals/new.html",
        form=form,
        query=query,
        duplicate=duplicate,
        one_sender=len(senders) == 1,
        vocabulary=_senders_words(senders),
        own_members=[m.id for m in senders],
        suggestions=_suggestions(form, senders, query),
        again=request.args.get("again", ""),
    ), status
