"""The verbs on referrals. Every change goes through `send_referral` or `perform`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from app import fields as f
from app.audit.service import record
from app.extensions import db
from app.links.conversions import on_referral_action
from app.models import (
    OPEN_STATUSES,
    Client,
    Member,
    Network,
    Priority,
    Referral,
    ReferralEvent,
    ReferralKind,
    Role,
    Status,
    User,
    utcnow,
)
from app.referrals.access import parties_of
from app.referrals.changes import APPLY, receiver_problem
from app.referrals.clients import ClientInput, resolve_client
from app.referrals.documents import store_documents
from app.referrals.errors import (
    ActionForbidden,
    InvalidReferral,
    PossibleDuplicate,
    ReferralNotFound,
    StaleReferral,
    TransitionNotAllowed,
)
from app.referrals.notify import tell_other_side
from app.referrals.states import Party, Transition, parties_who_may, transition_for
from app.referrals.status_rules import label_of

DUPLICATE_WINDOW = timedelta(days=30)


@dataclass
class NewReferral:
    receiver_id: object
    kind: object
    priority: object = Priority.ROUTINE.value
    reason: object = None
    service: object = None
    notes: object = None
    sender_id: object = None
    client_id: object = None
    client: ClientInput | None = None
    confirm_duplicate: bool = False


def _sender_for(actor: User, sender_id) -> Member:
    if actor.role != Role.PRACTITIONER:
        raise ActionForbidden(
            "Only practitioners send referrals: coordinators and admins act for no member."
        )
    acting_for = [m for m in actor.members if m.active]
    if sender_id in (None, ""):
        if len(acting_for) == 1:
            return acting_for[0]
        raise InvalidReferral(
            "Say which member sends this referral.", {"sender_id": "Choose the sending member."}
        )
    problems = f.FieldProblems()
    number = f.integer(problems, "sender_id", sender_id, label="Sender")
    member = next((m for m in acting_for if m.id == number), None)
    if member is None:
        raise InvalidReferral(
            "You can only send referrals for members you act for.",
            problems or {"sender_id": "You do not act for this member."},
        )
    return member


def _kind_problem(kind: ReferralKind, network: Network) -> str | None:
    if kind == ReferralKind.CLINICAL and not network.is_clinical:
        return f"{network.name} is a professional network: send professional referrals."
    if kind == ReferralKind.PROFESSIONAL and not network.is_professional:
        return f"{network.name} is a clinical network: send clinical referrals."
    return None


def _enum(problems, name, value, enum_cls, label):
    try:
        return enum_cls(value)
    except ValueError:
        choices = ", ".join(e.value for e in enum_cls)
        problems[name] = f"{label} must be one of: {choices}."
        return None


def send_referral(actor: User, new: NewReferral, *, now: datetime | None = None) -> Referral:
    """A practitioner sends a client to another member of the network."""
    return send_as(_sender_for(actor, new.sender_id), actor, new, now=now)


def send_as(
    sender: Member,
    actor: User | None,
    new: NewReferral,
    *,
    now: datetime | None = None,
    note: str | None = None,
    own_link: bool = False,
) -> Referral:
    """The send itself, with every guard but who may act for `sender`: `send_referral` checks
    that for a practitioner; the operator at the shell (actor None, `flask fhir import`)
    sends as any active member. `note` opens the timeline (where the referral came from).
    `own_link`: a client came through `sender`'s own link to `sender` itself, so the referral
    has no sending member (its network and client are the member's all the same)."""
    now = now or utcnow()
    if not sender.active:
        left = f"{sender.name} has left the network and cannot send referrals."
        raise InvalidReferral(left, {"sender_id": left})
    network = sender.network
    problems = f.FieldProblems()
    receiver_id = f.integer(problems, "receiver_id", new.receiver_id, label="Receiver")
    receiver = db.session.get(Member, receiver_id) if receiver_id else None
    if receiver_id and (problem := receiver_problem(receiver, sender, itself=own_link)):
        problems["receiver_id"] = problem
    elif own_link and receiver_id and receiver.id != sender.id:
        problems["receiver_id"] = "A member's own link brings clients to that member."
    kind = _enum(problems, "kind", new.kind, ReferralKind, "Kind")
    if kind and (problem := _kind_problem(kind, network)):
        problems["kind"] = problem
    priority = _enum(problems, "priority", new.priority or "routine", Priority, "Priority")
    reason = f.text(
        problems, "reason", new.reason, label="Reason", required=True, min_len=3, multiline=True
    )
    service = f.text(
        problems, "service", new.service, label="Requested service", required=True, max_len=200
    )
    notes = f.text(
        problems, "notes", new.notes, label="Notes", required=False, max_len=5000, multiline=True
    )
    client = resolve_client(actor, sender, kind, new.client_id, new.client, problems, now)
    if problems:
        raise InvalidReferral("The referral could not be sent. Check the fields.", problems)

    if not new.confirm_duplicate and client.id is not None:
        _lock_pair(client.id, receiver.id)
        duplicate = db.session.scalar(
            select(Referral.id).where(
                Referral.client_id == client.id,
                Referral.receiver_id == receiver.id,
                Referral.status.in_(OPEN_STATUSES),
                Referral.sent_at >= now - DUPLICATE_WINDOW,
            )
        )
        if duplicate:
            raise PossibleDuplicate(
                f"{client.display_name} already has an open referral #{duplicate} to "
                f"{receiver.name} from the last 30 days. Send another one anyway?",
                {"confirm_duplicate": "Confirm to send a second referral."},
            )

    referral = Referral(
        network_id=network.id,
        sender_id=None if own_link else sender.id,
        receiver_id=receiver.id,
        client=client,
        created_by_id=actor.id if actor is not None else None,
        kind=kind,
        priority=priority,
        status=Status.SENT,
        reason=reason,
        service=service,
        notes=notes,
        sent_at=now,
    )
    db.session.add(referral)
    db.session.flush()
    _log_event(referral, "send", None, Status.SENT, actor, note, now)
    tell_other_side(referral, "send", actor, {Party.SENDER})
    record("create", "referral", referral.id, user=actor, detail=f"client={client.id}")
    return referral


def send_for_client(
    sender: Member,
    new: NewReferral,
    *,
    note: str,
    now: datetime | None = None,
    own_link: bool = False,
) -> tuple[Referral, int | None]:
    """A client sent themselves, through a member's link (app/links/intake.py): the same
    referral and every guard of `send_referral`, from `sender` with no user acting. A likely
    duplicate (an open referral of the same person to the receiver) is not refused to the
    client but held for the receiver: its id is returned beside the new referral."""
    now = now or utcnow()
    new = replace(new, confirm_duplicate=True)
    referral = send_as(sender, None, new, now=now, note=note, own_link=own_link)
    return referral, _likely_duplicate(referral, now)


def _likely_duplicate(referral: Referral, now: datetime) -> int | None:
    """An open referral, from the last 30 days, to the same receiver of a client with the
    same e-mail address, or the same name and birth date."""
    client = referral.client
    same_person = func.lower(Client.given_name) == client.given_name.lower()
    same_person &= func.lower(Client.family_name) == client.family_name.lower()
    same_person &= Client.birth_date == client.birth_date
    if client.email:
        same_person |= func.lower(Client.email) == client.email.lower()
    return db.session.scalar(
        select(Referral.id)
        .join(Client, Client.id == Referral.client_id)
        .where(
            Referral.id != referral.id,
            Referral.receiver_id == referral.receiver_id,
            Referral.status.in_(OPEN_STATUSES),
            Referral.sent_at >= now - DUPLICATE_WINDOW,
            Client.network_id == client.network_id,
            same_person,
        )
        .order_by(Referral.id.desc())
        .limit(1)
    )


def _lock_pair(client_id: int, receiver_id: int) -> None:
    """Hold (client, receiver) until this transaction ends, so that the duplicate check and
    the insert that follows it happen for one send at a time (PostgreSQL: a transaction-level
    advisory lock; the check after it reads what the other sends committed). SQLite has one
    writer at a time and no such lock."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:client_id, :receiver_id)"),
            {"client_id": client_id, "receiver_id": receiver_id},
        )


def _log_event(
    referral, action, from_status, to_status, actor, note, now, reason_code=None
) -> None:
    db.session.add(
        ReferralEvent(
            referral_id=referral.id,
            actor_id=actor.id if actor else None,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
            reason_code=reason_code,
            at=now,
        )
    )


def _refuse_state(referral: Referral, transition: Transition) -> TransitionNotAllowed:
    status = label_of(referral.status, referral.forwarded_to_id).lower()
    return TransitionNotAllowed(
        f"Referral #{referral.id} is {status}: it cannot be changed with "
        f"“{transition.label.lower()}” now."
    )


def _refuse_party(transition: Transition, may: frozenset[Party]) -> ActionForbidden:
    if not may:
        return ActionForbidden(
            f"No one can {transition.label.lower()} here: no member sent this referral (the "
            "client came through the receiver's own link). Contact the client directly."
        )
    who = " or ".join(
        {
            "sender": "the sender",
            "receiver": "the receiver",
            "coordinator": "a coordinator",
            "system": "refnet itself",
        }[p.value]
        for p in sorted(may)
    )
    return ActionForbidden(f"Only {who} can {transition.label.lower()}.")


def perform(
    referral: Referral,
    action: str,
    actor: User | None,
    *,
    version: int | None = None,
    values: dict | None = None,
    now: datetime | None = None,
) -> Referral:
    """Apply one transition of the table; `actor` None is the system (expiry).

    Raises a ReferralError (404/403/409/422) and changes nothing when refused.
    """
    transition = transition_for(action)
    if transition is None:
        raise ReferralNotFound(f"There is no action “{action}”.")
    parties = {Party.SYSTEM} if actor is None else parties_of(actor, referral)
    if not parties:
        raise ReferralNotFound("There is no such referral, or you do not have access to it.")
    may = parties_who_may(transition, referral.sender_id is not None)
    if not may & parties:
        raise _refuse_party(transition, may)
    if version is not None and version != referral.version:
        raise StaleReferral()
    if referral.status not in transition.sources:
        raise _refuse_state(referral, transition)

    now = now or utcnow()
    values = values or {}
    problems = f.FieldProblems()
    note = f.text(
        problems, "note", values.get("note"), label="Note", required=False, multiline=True
    )
    changes = APPLY[transition.action](referral, values, problems, now)
    if problems:
        raise InvalidReferral("The action could not be carried out. Check the fields.", problems)

    from_status = referral.status
    forward_to = changes.pop("_forward_to", None)
    uploads = changes.pop("_documents", ())
    # What the event says besides the columns: the sender's answer lives in the timeline.
    said = changes.pop("_said", None)
    event_code = changes.pop("_event_reason_code", None) or changes.get("reason_code")
    for name, value in changes.items():
        setattr(referral, name, value)
    # A snooze set the follow-up of one stage aside: a new status starts a new wait.
    referral.followup_snoozed_until = None
    db.session.flush()  # the version check happens here: a concurrent change raises
    # A question, an answer, an interim report or a reopen's reason, then the note.
    if primary := said or changes.get("info_question"):
        event_note = f"{primary}\n\n{note}" if note else primary
    else:
        event_note = note or changes.get("status_reason") or changes.get("outcome")
    _log_event(
        referral,
        transition.action.value,
        from_status,
        referral.status,
        actor,
        event_note,
        now,
        reason_code=event_code,
    )
    if uploads:
        store_documents(referral, uploads, actor)
    if forward_to is not None:
        _forward_copy(referral, forward_to, actor, now)
        db.session.expire(referral, ["forwarded_to_id"])  # read again: the copy links back
    # Links count their conversions (and programmes their rewards) from here, one place.
    on_referral_action(referral, transition.action.value, now)
    tell_other_side(referral, transition.action.value, actor, parties)
    record(transition.action.value, "referral", referral.id, user=actor)
    return referral


def _forward_copy(original: Referral, target: Member, actor: User | None, now: datetime) -> None:
    copy = Referral(
        network_id=original.network_id,
        # No sender (a client of the receiver's own link): the receiver sends it on.
        sender_id=original.sender_id or original.receiver_id,
        receiver_id=target.id,
        client_id=original.client_id,
        created_by_id=actor.id if actor else None,
        forwarded_from_id=original.id,
        kind=original.kind,
        priority=original.priority,
        status=Status.SENT,
        reason=original.reason,
        service=original.service,
        notes=original.notes,
        sent_at=now,
    )
    db.session.add(copy)
    db.session.flush()
    who = actor.name if actor else "refnet"
    note = (
        f"Forwarded by {who} of {original.receiver.name} from referral #{original.id} "
        f"to {target.name}"
    )
    _log_event(copy, "send", None, Status.SENT, actor, note, now)
    tell_other_side(copy, "send", actor, {Party.SENDER})
    record("create", "referral", copy.id, user=actor, detail=f"forwarded_from={original.id}")
