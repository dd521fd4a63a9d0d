"""Where a thread lives (a referral or an advice request), and the side a user speaks for.

A user reaches a thread only through the record's own access rules (app/referrals/access.py,
app/advice/access.py): whoever may not see the referral or request gets NotFound (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.advice.access import AdviceParty, advice_for, advice_parties, adviser_member
from app.models import AdviceRequest, Referral, User
from app.referrals.access import parties_of, referral_for
from app.referrals.states import Party

SIDE_LABELS = {
    "sender": "sender",
    "receiver": "receiver",
    "coordinator": "coordinator",
    "asker": "asking",
    "adviser": "advising",
}


@dataclass(frozen=True)
class Thread:
    """A thread as one user stands to it: its record, and the side and member the user
    speaks for there (member None for the network's coordinators)."""

    referral: Referral | None
    advice: AdviceRequest | None
    side: str
    member_id: int | None

    @property
    def owner(self) -> Referral | AdviceRequest:
        return self.referral if self.referral is not None else self.advice

    @property
    def key(self) -> dict[str, int]:
        """The column naming this thread in `message`, `thread_read` and `document`."""
        if self.referral is not None:
            return {"referral_id": self.referral.id}
        return {"advice_request_id": self.advice.id}

    @property
    def label(self) -> str:
        if self.referral is not None:
            return f"referral #{self.referral.id}"
        return f"advice request #{self.advice.id}"

    @property
    def open(self) -> bool:
        """Whether messages can be posted: a referral's thread always (it is how the two
        sides talk, before and after the outcome); an advice request's until it ends."""
        return self.advice is None or self.advice.is_open


def referral_thread(user: User, referral_id: int) -> Thread:
    referral = referral_for(user, referral_id)
    parties = parties_of(user, referral)
    # A practitioner acting for both members speaks as the sender.
    if Party.SENDER in parties:
        side, member_id = "sender", referral.sender_id
    elif Party.RECEIVER in parties:
        side, member_id = "receiver", referral.receiver_id
    else:
        side, member_id = "coordinator", None
    return Thread(referral, None, side, member_id)


def advice_thread(user: User, advice_id: int) -> Thread:
    advice = advice_for(user, advice_id)
    parties = advice_parties(user, advice)
    if AdviceParty.ASKER in parties:
        side, member_id = "asker", advice.asker_id
    elif AdviceParty.ADVISER in parties:
        side, member_id = "adviser", adviser_member(user, advice).id
    else:
        side, member_id = "coordinator", None
    return Thread(None, advice, side, member_id)
