"""Sending a client again to someone else: the send form filled in from an earlier referral
(an expired or declined one), a new receiver to choose."""

from __future__ import annotations

from app.audit.service import record
from app.models import User
from app.referrals.access import parties_of, referral_for
from app.referrals.errors import ActionForbidden
from app.referrals.states import Party


def send_again_values(actor: User, referral_id: int) -> dict[str, str]:
    """The send form's values from referral `referral_id`: sender, client, kind, priority,
    reason, service and notes; never the receiver. Only the sender's practitioners (others
    get 404 or 403); the read shows client data, so it is audited."""
    referral = referral_for(actor, referral_id)
    if Party.SENDER not in parties_of(actor, referral):
        raise ActionForbidden("Only the practitioners of the sender send a referral again.")
    record("view", "referral", referral.id, user=actor, detail="send again")
    return {
        "sender_id": str(referral.sender_id),
        "client_id": str(referral.client_id),
        "kind": referral.kind.value,
        "priority": referral.priority.value,
        "reason": referral.reason,
        "service": referral.service,
        "notes": referral.notes or "",
    }
