"""Referral pages: the lists, the referral page and its actions, documents."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from app import fields as f
from app.advice.service import advice_of_referral
from app.extensions import db
from app.forms import submitted
from app.members.choices import chosen_member, member_choices, picker_members, picker_query
from app.models import Referral, ReferralEvent, Role, User
from app.notifications.service import read_all
from app.reads import reads_only
from app.referrals import (
    client_link_views,  # noqa: F401 - registers its route on bp
    send_views,  # noqa: F401 - registers the send form on bp
)
from app.referrals.access import parties_of, read_referral, referral_for
from app.referrals.blueprint import bp
from app.referrals.documents import (
    document_response,
    documents_of,
    download_document,
)
from app.referrals.errors import ReferralError, StaleReferral
from app.referrals.forms import ActionForm
from app.referrals.list_rows import WITH_PARTIES_UNREAD
from app.referrals.listing import (
    FILTER_PARAMS,
    page_and_counts,
    parse_filter,
)
from app.referrals.service import perform
from app.referrals.states import allowed_actions, transition_for
from app.referrals.vocabulary import words
from app.refusals import Refusal
from app.reports.forms import ThanksForm
from app.reports.service import referral_alternatives
from app.reports.thanks import may_thank, thank, thanks_of
from app.templating import present_rows
from app.threads.forms import MessageForm
from app.threads.places import referral_thread
from app.threads.posting import blank_message_form, post_from_form
from app.threads.service import mark_read, read_thread

DONE = {
    "accept": "You accepted the referral. Schedule the visit when you have a date.",
    "decline": "You declined the referral. The sender has been told.",
    "forward": "The referral was forwarded. The sender has been told.",
    "cancel": "The referral was cancelled. The other side has been told.",
    "schedule": "The visit is scheduled. The sender has been told.",
    "reschedule": "The appointment is moved. The sender has been told.",
    "record-visit": "The visit is recorded. Close the referral with an outcome for the sender.",
    "no-show": "The missed visit is recorded.",
    "close": "The referral is closed. The sender can read your outcome.",
    "request-info": "Your question was sent. The referral waits for the sender's answer.",
    "provide-info": "Your answer was sent. The referral waits for the receiver again.",
    "interim-report": "Your interim report was posted. The sender has been told.",
    "reopen": "The referral is open again. The other side has been told.",
}


@bp.route("/")
@reads_only
@login_required
def index():
    status = 200
    problems: dict[str, str] = {}
    size = current_app.config["PAGE_SIZE"]
    try:
        flt = parse_filter(current_user, request.args, size)
    except ReferralError as exc:
        # The list stays where the user was (the box, the other filters), without the filters
        # that were wrong; each error is shown next to its field.
        problems, status = dict(exc.fields), 400
        kept = MultiDict([(k, v) for k, v in request.args.items(multi=True) if k not in problems])
        try:
            flt = parse_filter(current_user, kept, size)
        except ReferralError:
            flt = parse_filter(current_user, MultiDict(), size)
        flash(exc.message, "error")
    items, following, counts = page_and_counts(current_user, flt, WITH_PARTIES_UNREAD)
    members = current_user.members if current_user.role == Role.PRACTITIONER else []
    # Paging and tab links carry only the filters in force; the form shows what was typed.
    args = {k: v for k, v in request.args.items() if k in FILTER_PARAMS and k not in problems}
    typed = {k: request.args.get(k, "")[:40] for k in ("sent_from", "sent_to")}
    return render_template(
        "referrals/index.html",
        flt=flt,
        items=present_rows(items),
        following=following,
        counts=counts,
        members=members,
        args=args,
        paged=flt.after is not None,
        status_filter=flt.shown_status,
        priority_filter=flt.priorities[0].value if len(flt.priorities) == 1 else "",
        problems=problems,
        typed=typed,
    ), status


# Action fields shown only when the service asks for them (a confirmation).
ASKED = ("confirm_early_visit",)
# Action fields that name a member: each is a picker (a search box and at most 25 matches).
MEMBER_FIELDS = ("receiver_id", "suggested_member_id")


def _fill_member_pickers(referral: Referral, fields: set[str], forms) -> None:
    """Choices for the pickers of the actions this viewer can take, and only for those."""
    if not fields & set(MEMBER_FIELDS):
        return
    sides = {referral.sender_id, referral.receiver_id} - {None}
    query = picker_query(request.args, network_id=referral.network_id)
    members = picker_members(current_user, query, exclude=sides)
    chosen = {m.id for m in members}
    for each in forms:  # a member chosen before a refusal stays chosen
        for name in MEMBER_FIELDS:
            member = chosen_member(current_user, each[name].data, referral.network_id)
            if member is not None and member.id not in chosen | sides:
                members.insert(0, member)
                chosen.add(member.id)
    choices = member_choices(members, "— choose a member —")
    for each in forms:
        each.receiver_id.choices = each.suggested_member_id.choices = choices


def _render_detail(
    referral: Referral,
    form: ActionForm | None = None,
    open_action=None,
    status=200,
    message_form=None,
    thanks_form=None,
):
    parties = parties_of(current_user, referral)
    thread = referral_thread(current_user, referral.id)
    messages = read_thread(current_user, thread)
    if status == 200:
        mark_read(current_user, thread)
    allowed = allowed_actions(referral.status, parties, has_sender=referral.sender_id is not None)
    # The form of the action just tried keeps its values and errors; the others start blank.
    blank = ActionForm(formdata=None)
    form = form or blank
    for name, label in words(referral.kind).fields.items():  # "Meeting date" for a client
        form[name].label.text = blank[name].label.text = label
    # A confirmation is shown once the service asked for it.
    actions = [
        (t, [n for n in t.fields_for(referral.kind) if n not in ASKED or form[n].errors])
        for t in allowed
    ]
    _fill_member_pickers(referral, {name for _t, names in actions for name in names}, (form, blank))
    documents = documents_of(current_user, referral)
    given_thanks = thanks_of(referral.id)
    forwarded_to = (
        db.session.get(Referral, referral.forwarded_to_id) if referral.forwarded_to_id else None
    )
    # Links both ways, where the viewer may follow them (the new receiver never saw the
    # original; the member that forwarded it is not a party of the copy).
    links = {
        "forwarded_to": forwarded_to is not None and bool(parties_of(current_user, forwarded_to)),
        "forwarded_from": referral.forwarded_from is not None
        and bool(parties_of(current_user, referral.forwarded_from)),
    }
    return render_template(
        "referrals/detail.html",
        referral=referral,
        timeline=_timeline(referral),
        parties=parties,
        actions=actions,
        member_fields=MEMBER_FIELDS,
        member_q=f.search_terms(request.args, ("member_q",))[0]["member_q"],
        form=form,
        blank=blank,
        open_action=open_action or request.args.get("open"),
        documents=documents,
        network=referral.receiver.network,
        forwarded_to=forwarded_to,
        links=links,
        thread=thread,
        messages=messages,
        message_form=message_form or blank_message_form(),
        advice=advice_of_referral(current_user, referral),
        alternatives=referral_alternatives(current_user, referral),
        thanks=given_thanks,
        may_thank=may_thank(current_user, referral, given_thanks),
        thanks_form=thanks_form or ThanksForm(formdata=None),
    ), status


def _timeline(referral: Referral) -> list[ReferralEvent]:
    """The referral's steps and who took each (the timeline shows a name), in one SELECT: not
    one for the steps, one per person and two more for each person's members and networks."""
    return list(
        db.session.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id)
            .order_by(ReferralEvent.id)
            .options(
                joinedload(ReferralEvent.actor).options(
                    lazyload(User.members), lazyload(User.networks)
                )
            )
        )
    )


@bp.route("/<int:referral_id>")
@login_required
def detail(referral_id: int):
    referral = read_referral(current_user, referral_id)
    read_all(current_user, referral_id=referral.id)
    page = _render_detail(referral)
    # After rendering: a commit expires every loaded object, which the page would reload.
    db.session.commit()
    return page


@bp.route("/<int:referral_id>/actions/<action>", methods=["POST"])
@login_required
def act(referral_id: int, action: str):
    referral = referral_for(current_user, referral_id)
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
    fields = transition.fields_for(referral.kind)
    values = submitted(form, [name for name in fields if name != "documents"])
    if "documents" in fields:
        values["documents"] = request.files.getlist(form.documents.name)
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
    done = words(referral.kind).done.get(action, DONE[action])
    if referral.sender_id is None and "sender" in done:  # a client of your own link
        done = done.split(". ")[0] + "."
    flash(done, "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.route("/<int:referral_id>/messages", methods=["POST"])
@login_required
def post_message(referral_id: int):
    thread = referral_thread(current_user, referral_id)  # 404 for others' referrals
    form = MessageForm()
    status = post_from_form(thread, form)
    if status == 303:
        url = url_for("referrals.detail", referral_id=referral_id, _anchor="messages")
        return redirect(url, 303)
    return _render_detail(db.session.get(Referral, referral_id), status=status, message_form=form)


@bp.route("/<int:referral_id>/thanks", methods=["POST"])
@login_required
def give_thanks(referral_id: int):
    referral = referral_for(current_user, referral_id)  # 404 for others' referrals
    form = ThanksForm()
    if not form.validate_on_submit():
        return _render_detail(referral, status=400, thanks_form=form)
    try:
        thank(current_user, referral_id, form.note.data)
        db.session.commit()
    except Refusal as exc:
        db.session.rollback()
        form.note.errors = [*form.note.errors, *exc.fields.values()]
        flash(exc.message, "error")
        return _render_detail(
            db.session.get(Referral, referral_id), status=exc.status, thanks_form=form
        )
    flash("Your thanks were sent.", "success")
    return redirect(url_for("referrals.detail", referral_id=referral_id, _anchor="thanks"), 303)


@bp.route("/<int:referral_id>/thanks", methods=["GET"])
@login_required
def thanks_reload(referral_id: int):
    referral = referral_for(current_user, referral_id)
    return redirect(url_for("referrals.detail", referral_id=referral.id, _anchor="thanks"))


@bp.route("/<int:referral_id>/messages", methods=["GET"])
@login_required
def messages_reload(referral_id: int):
    """Reloading the address of a refused post leads back to the referral's thread."""
    referral = referral_for(current_user, referral_id)
    return redirect(url_for("referrals.detail", referral_id=referral.id, _anchor="messages"))


@bp.route("/<int:referral_id>/actions/<action>", methods=["GET"])
@login_required
def act_reload(referral_id: int, action: str):
    """Reloading the address of an action (after a refusal) leads back to the referral."""
    referral = referral_for(current_user, referral_id)  # 404 for others' referrals
    open_action = action if transition_for(action) is not None else None
    return redirect(url_for("referrals.detail", referral_id=referral.id, open=open_action))


@bp.route("/<int:referral_id>/documents/<int:document_id>")
@login_required
def document(referral_id: int, document_id: int):
    doc = download_document(current_user, referral_id, document_id)
    db.session.commit()
    return document_response(doc)
