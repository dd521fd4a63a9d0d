"""What each transition records: the attribute changes of every action of the table.

Each function takes the referral, the submitted values, a dict to fill with field problems
and the moment, and returns the changes; service.perform applies them (or refuses).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app import fields as f
from app.extensions import db
from app.models import (
    REASON_CODE_LABELS,
    Member,
    Network,
    ReasonCode,
    Referral,
    ReferralEvent,
    ReferralKind,
    Status,
)
from app.referrals.documents import check_uploads
from app.referrals.errors import InvalidReferral, TransitionNotAllowed
from app.referrals.states import TRANSITIONS, Action
from app.referrals.vocabulary import words


def receiver_problem(
    receiver: Member | None, sender: Member, *, itself: bool = False
) -> str | None:
    """Why this member cannot receive a referral from `sender` now, or None. `itself`: the
    member's own link, whose intakes come to the member itself (no member sends them)."""
    if receiver is None or receiver.network_id != sender.network_id:
        return "Choose a member of your network."
    if receiver.id == sender.id and not itself:
        return "A member cannot refer a client to itself."
    if not receiver.active:
        return f"{receiver.name} has left the network and cannot receive referrals."
    if not receiver.accepting:
        return f"{receiver.name} is not accepting new referrals at the moment."
    return None


def _accept(referral, values, problems, now):
    return {"status": Status.ACCEPTED, "accepted_at": now}


def _reason(problems, values, label="Reason"):
    return f.text(
        problems,
        "reason",
        values.get("reason"),
        label=label,
        required=True,
        min_len=3,
        multiline=True,
    )


def _reason_code(problems, values, required=True) -> ReasonCode | None:
    value = values.get("reason_code")
    if value in (None, ""):
        if required:
            problems["reason_code"] = "Choose a reason from the list."
        return None
    try:
        return ReasonCode(value)
    except ValueError:
        problems["reason_code"] = "Choose a reason from the list."
        return None


def _coded_reason(problems, values, required=True) -> tuple[ReasonCode | None, str | None]:
    """A reason code and its free text: the text is required with `other` and optional
    otherwise, where the code's label stands in for it (status_reason is never empty)."""
    code = _reason_code(problems, values, required)
    text = f.text(
        problems,
        "reason",
        values.get("reason"),
        label="Reason",
        required=code == ReasonCode.OTHER,
        min_len=3,
        multiline=True,
    )
    if code == ReasonCode.OTHER and not text and "reason" in problems:
        problems["reason"] = "Say what the reason is when you choose “Other”."
    return code, text or (REASON_CODE_LABELS[code] if code else None)


def _decline(referral, values, problems, now):
    suggested = None
    if values.get("suggested_member_id") not in (None, ""):
        number = f.integer(
            problems, "suggested_member_id", values["suggested_member_id"], label="Suggested member"
        )
        suggested = db.session.get(Member, number) if number else None
        if number and (suggested is None or suggested.network_id != referral.network_id):
            problems["suggested_member_id"] = "Suggest a member of this network."
        elif suggested is not None and (
            suggested.id in (referral.sender_id, referral.receiver_id) or not suggested.active
        ):
            problems["suggested_member_id"] = "Suggest another member who is still in the network."
    code, reason = _coded_reason(problems, values)
    return {
        "status": Status.DECLINED,
        "declined_at": now,
        "reason_code": code,
        "status_reason": reason,
        "suggested_member_id": suggested.id if suggested else None,
    }


def _forward(referral, values, problems, now):
    number = f.integer(problems, "receiver_id", values.get("receiver_id"), label="New receiver")
    target = db.session.get(Member, number) if number else None
    # No sender (the client came through the receiver's own link): the receiver sends it on.
    sender = referral.sender or referral.receiver
    if number:
        if target is not None and target.id == referral.receiver_id:
            problems["receiver_id"] = "Choose another member than the current receiver."
        elif problem := receiver_problem(target, sender):
            problems["receiver_id"] = problem
    reason = f.text(
        problems, "reason", values.get("reason"), label="Reason", required=False, multiline=True
    )
    name = target.name if target else "another member"
    return {
        "status": Status.DECLINED,
        "declined_at": now,
        "status_reason": reason or f"Forwarded to {name}",
        "_forward_to": target,
    }


def _cancel(referral, values, problems, now):
    code, reason = _coded_reason(problems, values)
    return {
        "status": Status.CANCELLED,
        "cancelled_at": now,
        "reason_code": code,
        "status_reason": reason,
    }


def _expire(referral, values, problems, now):
    return {"status": Status.EXPIRED, "expired_at": now, "status_reason": "No answer in time"}


def _network_tz(referral: Referral) -> str:
    return db.session.get(Network, referral.network_id).timezone


def _appointment(referral, values, problems, now):
    tz = _network_tz(referral)
    at = f.moment(
        problems, "appointment_at", values.get("appointment_at"), label="Appointment", tz=tz
    )
    if at is not None and at < referral.accepted_at:
        problems["appointment_at"] = "The appointment cannot be before the referral was accepted."
    elif at is not None and at > now + timedelta(days=730):
        problems["appointment_at"] = "The appointment must be within two years."
    return at


def _schedule(referral, values, problems, now):
    at = _appointment(referral, values, problems, now)
    return {"status": Status.SCHEDULED, "scheduled_at": now, "appointment_at": at}


def _reschedule(referral, values, problems, now):
    """A new time for the appointment; `scheduled_at` keeps when the visit was first set."""
    at = _appointment(referral, values, problems, now)
    if at is not None and "appointment_at" not in problems and at == referral.appointment_at:
        problems["appointment_at"] = "This is the appointment already: choose the new time."
    return {"status": Status.SCHEDULED, "appointment_at": at}


def _record_visit(referral, values, problems, now):
    network = db.session.get(Network, referral.network_id)
    said = words(referral.kind)  # a visit, or a meeting for a business client
    label = said.fields.get("visit_date", "Visit date")
    visit = f.day(problems, "visit_date", values.get("visit_date"), label=label)
    if visit is not None:
        today = now.astimezone(ZoneInfo(network.timezone)).date()
        sent_day = referral.sent_at.astimezone(ZoneInfo(network.timezone)).date()
        if visit > today:
            problems["visit_date"] = f"{label} cannot be in the future."
        elif visit < sent_day:
            problems["visit_date"] = f"The {said.visit} cannot be before the referral was sent."
        elif referral.appointment_at is not None and not _yes(values.get("confirm_early_visit")):
            appointment = referral.appointment_at.astimezone(ZoneInfo(network.timezone)).date()
            if visit < appointment:  # possible (the client came early), but likely a typo
                problems["confirm_early_visit"] = (
                    f"{label} is before the {said.scheduled} on {appointment:%d %b %Y}. "
                    "Confirm that the client came early, or correct the date."
                )
    if visit is None or problems:
        return {}
    changes = {"status": Status.VISITED, "visited_at": f.local_noon(visit, network.timezone)}
    if referral.valid_until is None:  # validity starts at the first visit
        changes["valid_until"] = f.add_months(visit, network.validity_months)
    return changes


def _yes(value) -> bool:
    """A checkbox or a JSON boolean that says yes."""
    return value in (True, "true", "1", "on", "yes")


def _no_show(referral, values, problems, now):
    if _yes(values.get("cancel")):  # cancelling needs a reason code, as a cancel does
        code = _reason_code(problems, values)
        reason = f.text(
            problems, "reason", values.get("reason"), label="Reason", required=False, multiline=True
        )
        return {
            "status": Status.CANCELLED,
            "cancelled_at": now,
            "reason_code": code,
            "status_reason": reason or "The client did not come to the visit",
        }
    f.text(problems, "reason", values.get("reason"), label="Reason", required=False, multiline=True)
    return {
        "status": Status.ACCEPTED,
        "appointment_at": None,
        "scheduled_at": None,
        # Back to accepted: the code (if any) is the event's alone.
        "_event_reason_code": _reason_code(problems, values, required=False),
    }


def _close(referral, values, problems, now):
    outcome = f.text(
        problems,
        "outcome",
        values.get("outcome"),
        label="Outcome",
        required=True,
        min_len=3,
        max_len=5000,
        multiline=True,
    )
    value = values.get("value")
    amount = None
    if referral.kind == ReferralKind.CLINICAL:
        if value not in (None, ""):
            problems["value"] = (
                "Clinical referrals never carry a monetary value (anti-kickback rules)."
            )
    else:
        amount = f.money(problems, "value", value, label="Closed-business value")
    return {"status": Status.CLOSED, "closed_at": now, "outcome": outcome, "business_value": amount}


def _request_info(referral, values, problems, now):
    question = f.text(
        problems,
        "question",
        values.get("question"),
        label="Question",
        required=True,
        min_len=3,
        max_len=5000,
        multiline=True,
    )
    return {"status": Status.INFO_REQUESTED, "info_requested_at": now, "info_question": question}


def _provide_info(referral, values, problems, now):
    """The sender's answer: back to sent, the time it waited on the sender added up so that
    the receiver's answer clock skips it (app/referrals/clock.py)."""
    answer = f.text(
        problems,
        "answer",
        values.get("answer"),
        label="Answer",
        required=True,
        min_len=2,
        max_len=5000,
        multiline=True,
    )
    uploads = []
    try:
        uploads = check_uploads(list(values.get("documents") or []))
    except InvalidReferral as exc:
        problems.update(exc.fields)
    waited = max(int((now - referral.info_requested_at).total_seconds()), 0)
    return {
        "status": Status.SENT,
        "info_requested_at": None,
        "info_question": None,
        "sender_wait_seconds": referral.sender_wait_seconds + waited,
        "_said": answer,
        "_documents": uploads,
    }


def _interim_report(referral, values, problems, now):
    """A note to the sender (seen, results pending); the status stays, the version moves."""
    report = f.text(
        problems,
        "report",
        values.get("report"),
        label="Interim report",
        required=True,
        min_len=3,
        max_len=5000,
        multiline=True,
    )
    return {"updated_at": now, "_said": report}


def status_before(referral: Referral) -> Status:
    """The status a closed or cancelled referral had before it ended: a close always came
    from visited; a cancel from the status its event left (a missed visit that cancelled
    goes back to accepted, its appointment cleared, as a no-show without cancelling does)."""
    if referral.status == Status.CLOSED:
        return Status.VISITED
    ended = db.session.scalars(
        select(ReferralEvent)
        .where(
            ReferralEvent.referral_id == referral.id, ReferralEvent.to_status == Status.CANCELLED
        )
        .order_by(ReferralEvent.id.desc())
        .limit(1)
    ).first()
    if ended is not None and ended.from_status is not None:
        return Status.ACCEPTED if ended.action == Action.NO_SHOW.value else ended.from_status
    # No timeline (an import): the furthest stage its fields show.
    if referral.appointment_at is not None:
        return Status.SCHEDULED
    if referral.accepted_at is not None:
        return Status.ACCEPTED
    return Status.INFO_REQUESTED if referral.info_requested_at is not None else Status.SENT


def _reopen(referral, values, problems, now):
    network = db.session.get(Network, referral.network_id)
    ended = referral.closed_at or referral.cancelled_at
    if now > ended + timedelta(days=network.reopen_within_days):
        raise TransitionNotAllowed(
            f"Referral #{referral.id} ended more than {network.reopen_within_days} days ago: "
            "it can no longer be reopened. Send a new referral instead."
        )
    reason = _reason(problems, values)
    target = status_before(referral)
    # What the end recorded goes (the timeline keeps it); what the target may not carry too.
    changes = {
        "status": target,
        "closed_at": None,
        "outcome": None,
        "business_value": None,
        "cancelled_at": None,
        "status_reason": None,
        "reason_code": None,
        "_said": reason,
    }
    if target == Status.ACCEPTED:
        changes |= {"appointment_at": None, "scheduled_at": None}
    if target != Status.INFO_REQUESTED:
        changes |= {"info_requested_at": None, "info_question": None}
    return changes


APPLY = {
    Action.ACCEPT: _accept,
    Action.DECLINE: _decline,
    Action.FORWARD: _forward,
    Action.CANCEL: _cancel,
    Action.EXPIRE: _expire,
    Action.SCHEDULE: _schedule,
    Action.RESCHEDULE: _reschedule,
    Action.RECORD_VISIT: _record_visit,
    Action.NO_SHOW: _no_show,
    Action.CLOSE: _close,
    Action.REQUEST_INFO: _request_info,
    Action.PROVIDE_INFO: _provide_info,
    Action.INTERIM_REPORT: _interim_report,
    Action.REOPEN: _reopen,
}
assert set(APPLY) == set(TRANSITIONS), "every transition has what it records"
