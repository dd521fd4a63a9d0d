"""The verbs on advice requests: ask, close, convert into a referral.

The adviser's answers are messages of the request's thread (app/threads/service.py): the
first one from the adviser's side marks the request answered.

What the asker must say about the client is what the send form asks (names; for clinical
requests the birth date and the client's consent to share): the adviser gives advice about
a person it must be able to tell from another, sharing it with another member needs the same
consent as a referral, and a conversion sends the referral about this very client. Contact
details stay optional: the adviser never contacts the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app import fields as f
from app.advice.access import AdviceParty, advice_for, advice_parties, pool_of
from app.audit.service import record
from app.extensions import db
from app.models import (
    AdviceRequest,
    AdviceStatus,
    Document,
    Member,
    Message,
    Priority,
    Referral,
    ReferralKind,
    Role,
    User,
    utcnow,
)
from app.referrals.clients import ClientInput, resolve_client
from app.referrals.documents import check_uploads, is_stored, store_documents
from app.referrals.errors import InvalidReferral
from app.referrals.service import NewReferral, _kind_problem, send_referral
from app.refusals import Forbidden, Invalid, NotFound, Stale
from app.threads.notify import tell_members
from app.threads.places import Thread

# Provisional: an answer is due this many days after the question. The follow-up issue
# (reminders) will make it a network setting and chase late answers.
ADVICE_ANSWER_DAYS = 5
MAX_QUESTION = 2000  # a conversion carries the question as the referral's reason
MAX_NOTES = 5000  # the answers travel in the referral's notes


@dataclass
class NewAdvice:
    kind: object = None
    subject: object = None
    question: object = None
    asker_id: object = None
    asked_member_id: object = None
    specialty: object = None
    client_id: object = None
    client: ClientInput | None = None


def _asker_for(actor: User, asker_id) -> Member:
    if actor.role != Role.PRACTITIONER:
        raise Forbidden(
            "Only practitioners ask for advice: coordinators and admins act for no member."
        )
    acting_for = [m for m in actor.members if m.active]
    if asker_id in (None, ""):
        if len(acting_for) == 1:
            return acting_for[0]
        raise Invalid("Say which member asks.", {"asker_id": "Choose the asking member."})
    problems = f.FieldProblems()
    number = f.integer(problems, "asker_id", asker_id, label="Asking member")
    member = next((m for m in acting_for if m.id == number), None)
    if member is None:
        raise Invalid(
            "You can only ask for members you act for.",
            problems or {"asker_id": "You do not act for this member."},
        )
    return member


def _adviser(
    problems, asker: Member, asked_member_id, specialty
) -> tuple[Member | None, str | None]:
    given_member = asked_member_id not in (None, "")
    given_pool = specialty not in (None, "")
    if given_member == given_pool:
        problems["asked_member_id"] = "Ask one member, or a specialty's advice pool (not both)."
        return None, None
    if given_member:
        number = f.integer(problems, "asked_member_id", asked_member_id, label="Member asked")
        member = db.session.get(Member, number) if number else None
        if number and (member is None or member.network_id != asker.network_id):
            problems["asked_member_id"] = "Choose a member of your network."
        elif member is not None and member.id == asker.id:
            problems["asked_member_id"] = "A member cannot ask itself for advice."
        elif member is not None and not member.active:
            problems["asked_member_id"] = f"{member.name} has left the network."
        else:
            return member, None
        return None, None
    name = f.text(problems, "specialty", specialty, label="Specialty", required=True, max_len=80)
    if name is None:
        return None, None
    name = " ".join(name.split())
    if not pool_of(asker.network_id, name.lower(), exclude=asker.id):
        problems["specialty"] = f"No other active member of the network has the specialty “{name}”."
    return None, name


def ask_advice(
    actor: User, new: NewAdvice, uploads=(), *, now: datetime | None = None
) -> AdviceRequest:
    """A practitioner asks another member, or a specialty's pool, a question about a client."""
    now = now or utcnow()
    asker = _asker_for(actor, new.asker_id)
    network = asker.network
    problems = f.FieldProblems()
    member, specialty = _adviser(problems, asker, new.asked_member_id, new.specialty)
    kind = None
    try:
        kind = ReferralKind(new.kind)
    except ValueError:
        problems["kind"] = "Kind must be one of: clinical, professional."
    if kind and (problem := _kind_problem(kind, network)):
        problems["kind"] = problem
    subject = f.text(problems, "subject", new.subject, label="Subject", required=True, max_len=200)
    question = f.text(
        problems,
        "question",
        new.question,
        label="Question",
        required=True,
        min_len=3,
        max_len=MAX_QUESTION,
        multiline=True,
    )
    try:
        checked = check_uploads(list(uploads))
    except InvalidReferral as exc:
        problems.update(exc.fields)
        checked = []
    client = resolve_client(actor, asker, kind, new.client_id, new.client, problems, now)
    if problems:
        raise InvalidReferral("The question could not be sent. Check the fields.", problems)
    advice = AdviceRequest(
        network_id=network.id,
        asker_id=asker.id,
        asked_member_id=member.id if member else None,
        specialty=specialty,
        specialty_key=specialty.lower() if specialty else None,
        client_id=client.id,
        created_by_id=actor.id,
        kind=kind,
        subject=subject,
        question=question,
        status=AdviceStatus.OPEN,
        asked_at=now,
        answer_due_at=now + timedelta(days=ADVICE_ANSWER_DAYS),
    )
    db.session.add(advice)
    db.session.flush()
    if checked:
        store_documents(advice, checked, actor)
    record("create", "advice_request", advice.id, user=actor, detail=f"client={client.id}")
    thread = Thread(None, advice, "asker", asker.id)
    if member is not None:
        tell_members(
            [member.id],
            thread,
            "advice",
            f"{asker.name} asked you for advice ({thread.label})",
            actor,
        )
    else:
        pool = [m.id for m in pool_of(network.id, advice.specialty_key, exclude=asker.id)]
        text = f"{asker.name} asked the {specialty} advice pool for advice ({thread.label})"
        tell_members(pool, thread, "advice", text, actor)
    return advice


def _check(advice: AdviceRequest, version, action: str) -> None:
    if version is not None and version != advice.version:
        raise Stale("This advice request has changed since you loaded it. Reload it and try again.")
    if not advice.is_open:
        raise Invalid(f"Advice request #{advice.id} has ended: it cannot be {action} now.")


def close_advice(
    actor: User, advice_id: int, *, version=None, now: datetime | None = None
) -> AdviceRequest:
    """The asker (or a coordinator) ends the request without a referral."""
    advice = advice_for(actor, advice_id)
    parties = advice_parties(actor, advice)
    if not parties & {AdviceParty.ASKER, AdviceParty.COORDINATOR}:
        raise Forbidden("Only the asker or a coordinator can close an advice request.")
    _check(advice, version, "closed")
    advice.status = AdviceStatus.CLOSED
    advice.ended_at = now or utcnow()
    db.session.flush()  # the version check happens here: a concurrent change raises
    record("close", "advice_request", advice.id, user=actor)
    adviser = advice.asked_member_id or advice.answered_by_id
    if adviser is not None:
        thread = Thread(None, advice, "asker", advice.asker_id)
        tell_members(
            [adviser], thread, "advice-close", f"Advice request #{advice.id} was closed", actor
        )
    return advice


def _answers(advice: AdviceRequest) -> str:
    """The thread as notes of the referral (cut to fit, pointing at the whole)."""
    lines = [f"From advice request #{advice.id} ({advice.subject})."]
    messages = db.session.scalars(
        select(Message).where(Message.advice_request_id == advice.id).order_by(Message.id)
    )
    for m in messages:
        who = m.author.name + (f" for {m.member.name}" if m.member else " (coordinator)")
        lines.append(f"\n{who}, {m.created_at:%d %b %Y %H:%M} UTC:\n{m.body}")
    notes = "\n".join(lines)
    if len(notes) > MAX_NOTES:
        tail = f"\n… (the whole conversation is on advice request #{advice.id})"
        notes = notes[: MAX_NOTES - len(tail)] + tail
    return notes


def convert_advice(
    actor: User,
    advice_id: int,
    *,
    version=None,
    priority=None,
    confirm_duplicate: bool = False,
    now: datetime | None = None,
) -> Referral:
    """The asker turns the request into a referral to the adviser, through `send_referral`:
    the question as the reason, the answers as notes, the documents carried over."""
    advice = advice_for(actor, advice_id)
    if AdviceParty.ASKER not in advice_parties(actor, advice):
        raise Forbidden(
            "Only the asker's practitioners can turn an advice request into a referral."
        )
    _check(advice, version, "converted")
    receiver_id = advice.asked_member_id or advice.answered_by_id
    if receiver_id is None:
        raise Invalid(
            "No member of the pool has answered yet: there is no one to refer the client to.",
            {"receiver_id": "Wait for an answer, or send a referral yourself."},
        )
    now = now or utcnow()
    referral = send_referral(
        actor,
        NewReferral(
            receiver_id=receiver_id,
            kind=advice.kind.value,
            priority=priority or Priority.ROUTINE.value,
            reason=advice.question,
            service=advice.subject,
            notes=_answers(advice),
            sender_id=advice.asker_id,
            client_id=advice.client_id,
            confirm_duplicate=bool(confirm_duplicate),
        ),
        now=now,
    )
    db.session.execute(
        update(Document)
        .where(Document.advice_request_id == advice.id)
        .values(referral_id=referral.id)
        .execution_options(synchronize_session=False)
    )
    advice.status = AdviceStatus.CONVERTED
    advice.referral_id = referral.id
    advice.ended_at = now
    db.session.flush()
    record("convert", "advice_request", advice.id, user=actor, detail=f"referral={referral.id}")
    return referral


def advice_of_referral(user: User, referral: Referral) -> AdviceRequest | None:
    """The advice request this referral was converted from, if the user may see it."""
    advice = db.session.scalar(
        select(AdviceRequest).where(AdviceRequest.referral_id == referral.id)
    )
    if advice is None or not advice_parties(user, advice):
        return None
    return advice


def advice_documents(user: User, advice_id: int) -> list[Document]:
    """Documents sent with the question (attachments of messages show with their message)."""
    advice = advice_for(user, advice_id)
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.advice_request_id == advice.id, Document.message_id.is_(None))
            .order_by(Document.id)
        )
    )


def download_advice_document(user: User, advice_id: int, document_id: int) -> Document:
    """A document of a request this user may see, its download audited; NotFound otherwise."""
    advice = advice_for(user, advice_id)
    doc = db.session.get(Document, document_id)
    if doc is None or doc.advice_request_id != advice.id or not is_stored(doc):
        raise NotFound("There is no such document, or you do not have access to it.")
    record("download", "document", doc.id, user=user, detail=f"advice={advice.id}")
    return doc


def may_convert(user: User, advice: AdviceRequest) -> bool:
    return advice.is_open and AdviceParty.ASKER in advice_parties(user, advice)


def may_close(user: User, advice: AdviceRequest) -> bool:
    parties = advice_parties(user, advice)
    return advice.is_open and bool(parties & {AdviceParty.ASKER, AdviceParty.COORDINATOR})
