"""The words of each kind of referral: a patient has a visit, a business client a meeting.

One place for them, read by templates (`words(kind)`), the send and action forms and the
notifications, so that a lawyer never reads "Record the visit" or sees a birth-date field.
The clinical words are the defaults the state table and STATUS_LABELS already carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import NetworkKind, Priority, ReferralKind, Status
from app.referrals.status_rules import STATUS_LABELS

# The send form's words for each priority; badges say the same.
PRIORITY_LABELS = {
    Priority.ROUTINE: "Routine",
    Priority.URGENT: "Urgent",
    Priority.ASAP: "As soon as possible",
    Priority.STAT: "Immediately (stat)",
}

# A step of the timeline, in the past tense: "Sent by Dr Okafor", "Accepted by Dr Rivera".
DONE_BY = {
    "send": "Sent",
    "accept": "Accepted",
    "decline": "Declined",
    "forward": "Forwarded",
    "cancel": "Cancelled",
    "expire": "Expired",
    "schedule": "Visit scheduled",
    "reschedule": "Visit rescheduled",
    "record-visit": "Visit recorded",
    "no-show": "Missed visit recorded",
    "close": "Closed with an outcome",
    "reopen": "Reopened",
    "request-info": "Information requested",
    "provide-info": "Information given",
    # The client's answers from their own page (app/client_page).
    "client-confirm": "The client confirmed they will attend",
    "client-rebook": "The client asked to rebook",
    "interim-report": "Interim report",
    # Follow-up steps of the coordinators' worklist: the status stays (app/followup/actions.py).
    "followup-note": "Follow-up note",
    "followup-remind": "Reminder sent",
    "followup-snooze": "Follow-up snoozed",
}


@dataclass(frozen=True, eq=False)  # one instance per kind: compared and hashed by identity
class Vocabulary:
    kind: ReferralKind
    visit: str  # the meeting of client and receiver, as a noun
    scheduled: str  # the time it was planned for, as a noun
    appointment: str  # what the client is told they have: an appointment, or a meeting
    person: str  # the one referred, as a heading: a patient, or a business's client
    statuses: dict[Status, str]
    actions: dict[str, str]  # action value → its button and heading
    fields: dict[str, str]  # form field → its label
    # What the other side is told (notifications and e-mails), where the words differ.
    phrases: dict[str, str] = field(default_factory=dict)
    done: dict[str, str] = field(default_factory=dict)  # the message after an action
    done_by: dict[str, str] = field(default_factory=dict)  # timeline steps, where they differ
    asks_birth_date: bool = True
    specialty_example: str = "Cardiology"
    service_example: str = "Cardiology consult"
    consent_label: str = "The client consents to sharing this referral with the receiver"
    contact_consent_label: str = (
        "The patient agrees to be e-mailed about this referral (accepted, appointment, changes)"
    )

    def status(self, status: Status | str) -> str:
        return self.statuses.get(Status(status), STATUS_LABELS[Status(status)])

    def action(self, action: str, default: str) -> str:
        return self.actions.get(action, default)

    def step(self, action: str) -> str:
        """A timeline step in the past tense ("Sent", "Meeting recorded")."""
        fallback = DONE_BY.get(action, action.replace("-", " ").capitalize())
        return self.done_by.get(action, fallback)


CLINICAL = Vocabulary(
    kind=ReferralKind.CLINICAL,
    visit="visit",
    scheduled="appointment",
    appointment="appointment",
    person="Patient",
    statuses={},
    actions={},
    fields={
        "appointment_at": "Appointment",
        "visit_date": "Visit date",
        "cancel": "Cancel the referral instead of allowing a new appointment",
    },
)

PROFESSIONAL = Vocabulary(
    kind=ReferralKind.PROFESSIONAL,
    visit="meeting",
    scheduled="meeting time",
    appointment="meeting",
    person="Client",
    statuses={Status.SCHEDULED: "Meeting scheduled", Status.VISITED: "Met"},
    actions={
        "schedule": "Schedule the meeting",
        "reschedule": "Move the meeting",
        "record-visit": "Record the meeting",
        "no-show": "Client did not attend",
    },
    fields={
        "appointment_at": "Meeting time",
        "visit_date": "Meeting date",
        "cancel": "Cancel the referral instead of allowing a new meeting",
        "confirm_early_visit": "Yes, the meeting was before its planned time",
    },
    phrases={
        "schedule": "{receiver} scheduled a meeting for referral #{id}",
        "reschedule": "{receiver} moved the meeting of referral #{id} to {appointment}",
        "record-visit": "{receiver} recorded the meeting for referral #{id}",
        "no-show": "The client did not attend the meeting of referral #{id}",
    },
    done={
        "accept": "You accepted the referral. Schedule the meeting when you have a date.",
        "schedule": "The meeting is scheduled. The sender has been told.",
        "reschedule": "The meeting is moved. The sender has been told.",
        "record-visit": (
            "The meeting is recorded. Close the referral with an outcome for the sender."
        ),
        "no-show": "The missed meeting is recorded.",
    },
    done_by={
        "schedule": "Meeting scheduled",
        "reschedule": "Meeting rescheduled",
        "record-visit": "Meeting recorded",
        "no-show": "Missed meeting recorded",
        "client-confirm": "The client confirmed they will attend the meeting",
        "client-rebook": "The client asked for another meeting time",
    },
    asks_birth_date=False,
    specialty_example="Family law",
    service_example="Advice on a lease",
    consent_label="The client agrees to be introduced to the receiver",
    contact_consent_label=(
        "The client agrees to be e-mailed about this referral (accepted, meeting, changes)"
    ),
)

VOCABULARIES = {ReferralKind.CLINICAL: CLINICAL, ReferralKind.PROFESSIONAL: PROFESSIONAL}


def words(kind: ReferralKind | str | None) -> Vocabulary:
    """The words of a referral kind (clinical when unknown: the stricter one)."""
    try:
        return VOCABULARIES[ReferralKind(kind)]
    except ValueError:
        return CLINICAL


def words_of_network(kind: NetworkKind | None) -> Vocabulary | None:
    """The one vocabulary of a network that holds one kind; None for a mixed network."""
    if kind == NetworkKind.PROFESSIONAL:
        return PROFESSIONAL
    if kind == NetworkKind.CLINICAL:
        return CLINICAL
    return None
