"""The referral state machine: one table that pages, API, CLI and jobs all go through."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.models.enums import ReferralKind, Status


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    FORWARD = "forward"
    CANCEL = "cancel"
    EXPIRE = "expire"
    SCHEDULE = "schedule"
    RESCHEDULE = "reschedule"
    RECORD_VISIT = "record-visit"
    NO_SHOW = "no-show"
    CLOSE = "close"
    REQUEST_INFO = "request-info"
    PROVIDE_INFO = "provide-info"
    INTERIM_REPORT = "interim-report"
    REOPEN = "reopen"


class Party(StrEnum):
    """How an actor stands to a referral."""

    SENDER = "sender"
    RECEIVER = "receiver"
    COORDINATOR = "coordinator"
    SYSTEM = "system"


class Target(StrEnum):
    """A target found from the referral itself rather than named in the table."""

    SAME = "same"  # the status it is in: a report that changes no status
    # The status it had before it was closed or cancelled (changes.status_before).
    BEFORE = "before"


# Fields only professional referrals take: a clinical referral never carries money.
PROFESSIONAL_ONLY = frozenset({"value"})


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status | Target
    parties: frozenset[Party]
    # Fields the action cannot do without (the service checks their values).
    requires: tuple[str, ...]
    label: str
    # A second outcome chosen by the actor: no-show may cancel instead of allowing a new date.
    alternative_target: Status | None = None
    # Fields the action may take besides the required ones (a note is always allowed).
    optional: tuple[str, ...] = ()
    # The statuses a BEFORE target may turn out to be.
    may_end_in: frozenset[Status] = frozenset()

    @property
    def outcomes(self) -> frozenset[Status]:
        """Every status this action may end in."""
        if self.target == Target.SAME:
            return self.sources
        if self.target == Target.BEFORE:
            return self.may_end_in
        return frozenset(s for s in (self.target, self.alternative_target) if s is not None)

    def fields_for(self, kind: ReferralKind) -> list[str]:
        """The fields this action takes on a referral of this kind, the required ones first."""
        fields = [*self.requires, *self.optional]
        if kind == ReferralKind.CLINICAL:
            return [f for f in fields if f not in PROFESSIONAL_ONLY]
        return fields


def _t(
    action,
    sources,
    target,
    parties,
    requires=(),
    label="",
    alternative=None,
    optional=(),
    may_end_in=(),
) -> Transition:
    return Transition(
        action,
        frozenset(sources),
        target,
        frozenset(parties),
        tuple(requires),
        label,
        alternative,
        tuple(optional),
        frozenset(may_end_in),
    )


S, P = Status, Party

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        _t(Action.ACCEPT, [S.SENT], S.ACCEPTED, [P.RECEIVER], label="Accept"),
        _t(
            Action.DECLINE,
            [S.SENT],
            S.DECLINED,
            [P.RECEIVER],
            ["reason_code"],
            "Decline",
            optional=["reason", "suggested_member_id"],
        ),
        _t(
            Action.FORWARD,
            [S.SENT],
            S.DECLINED,
            [P.RECEIVER, P.COORDINATOR],
            ["receiver_id"],
            "Forward to another member",
            optional=["reason"],
        ),
        # The receiver needs more before it can answer: the referral waits on the sender.
        _t(
            Action.REQUEST_INFO,
            [S.SENT],
            S.INFO_REQUESTED,
            [P.RECEIVER],
            ["question"],
            "Ask for more information",
        ),
        _t(
            Action.PROVIDE_INFO,
            [S.INFO_REQUESTED],
            S.SENT,
            [P.SENDER],
            ["answer"],
            "Answer the question",
            optional=["documents"],
        ),
        _t(
            Action.CANCEL,
            [S.SENT, S.INFO_REQUESTED, S.ACCEPTED, S.SCHEDULED],
            S.CANCELLED,
            [P.SENDER, P.COORDINATOR],
            ["reason_code"],
            "Cancel the referral",
            optional=["reason"],
        ),
        _t(Action.EXPIRE, [S.SENT], S.EXPIRED, [P.SYSTEM], label="Expire"),
        _t(
            Action.SCHEDULE,
            [S.ACCEPTED],
            S.SCHEDULED,
            [P.RECEIVER],
            ["appointment_at"],
            "Schedule the visit",
        ),
        _t(
            Action.RESCHEDULE,
            [S.SCHEDULED],
            S.SCHEDULED,
            [P.RECEIVER],
            ["appointment_at"],
            "Move the appointment",
        ),
        _t(
            Action.RECORD_VISIT,
            [S.ACCEPTED, S.SCHEDULED],
            S.VISITED,
            [P.RECEIVER],
            ["visit_date"],
            "Record the visit",
            optional=["confirm_early_visit"],
        ),
        _t(
            Action.NO_SHOW,
            [S.SCHEDULED],
            S.ACCEPTED,
            [P.RECEIVER],
            label="Client did not come",
            alternative=S.CANCELLED,
            optional=["cancel", "reason_code", "reason"],
        ),
        _t(
            Action.CLOSE,
            [S.VISITED],
            S.CLOSED,
            [P.RECEIVER],
            ["outcome"],
            "Close with outcome",
            optional=["value"],
        ),
        # Seen, results pending: the sender reads a note, the status stays (360X interim).
        _t(
            Action.INTERIM_REPORT,
            [S.ACCEPTED, S.SCHEDULED, S.VISITED],
            Target.SAME,
            [P.RECEIVER],
            ["report"],
            "Post an interim report",
        ),
        # Back to where it was, within the network's reopen_within_days of the end.
        _t(
            Action.REOPEN,
            [S.CLOSED, S.CANCELLED],
            Target.BEFORE,
            [P.RECEIVER, P.COORDINATOR],
            ["reason"],
            "Reopen the referral",
            may_end_in=[S.SENT, S.INFO_REQUESTED, S.ACCEPTED, S.SCHEDULED, S.VISITED],
        ),
    )
}


# A referral no member sent (a client came through the receiver's own link: sender_id NULL):
# there is nobody to ask for more information, and the receiver cancels it as a sender would.
WITHOUT_SENDER: dict[Action, frozenset[Party]] = {
    Action.REQUEST_INFO: frozenset(),
    Action.CANCEL: frozenset({P.RECEIVER, P.COORDINATOR}),
}


def parties_who_may(transition: Transition, has_sender: bool = True) -> frozenset[Party]:
    """Who may take this transition on a referral with a sender, or without one."""
    if has_sender:
        return transition.parties
    return WITHOUT_SENDER.get(transition.action, transition.parties)


def transition_for(action: str) -> Transition | None:
    try:
        return TRANSITIONS[Action(action)]
    except ValueError:
        return None


def allowed_actions(
    status: Status, parties: set[Party], *, has_sender: bool = True
) -> list[Transition]:
    """What these parties may do to a referral in this status, in table order."""
    return [
        t
        for t in TRANSITIONS.values()
        if status in t.sources and parties_who_may(t, has_sender) & parties
    ]


def reachable_statuses() -> set[Status]:
    return set().union(*(t.outcomes for t in TRANSITIONS.values())) | {Status.SENT}
