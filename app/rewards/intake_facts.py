"""What the public intake behind a referral tells the fraud signals: was the e-mail
confirmed, and how many intakes came from the same address or browser just before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import LinkIntake

# A browser family is coarse (many people use one): it counts only on the same link, and
# only from this many intakes within the window.
SAME_BROWSER_ON_LINK = 5


@dataclass(frozen=True)
class IntakeFacts:
    intake: LinkIntake

    def unconfirmed_reason(self) -> str | None:
        if self.intake.confirmed_at is None:
            return "The client has not confirmed their e-mail address."
        return None

    def _count(self, window: timedelta, *conditions) -> int:
        at = self.intake.created_at
        return db.session.scalar(
            select(func.count())
            .select_from(LinkIntake)
            .where(LinkIntake.created_at > at - window, LinkIntake.created_at <= at, *conditions)
        )

    def burst_reason(self, window: timedelta, at_least: int) -> str | None:
        minutes = int(window.total_seconds() // 60)
        same_address = self._count(window, LinkIntake.address_hash == self.intake.address_hash)
        if same_address >= at_least:
            return f"{same_address} intakes came from one address within {minutes} minutes."
        same_browser = self._count(
            window,
            LinkIntake.link_id == self.intake.link_id,
            LinkIntake.browser_family == self.intake.browser_family,
        )
        if same_browser >= max(at_least, SAME_BROWSER_ON_LINK):
            return (
                f"{same_browser} intakes on this link came from one browser family within "
                f"{minutes} minutes."
            )
        return None


def intake_facts(referral_id: int) -> IntakeFacts | None:
    intake = db.session.scalar(select(LinkIntake).where(LinkIntake.referral_id == referral_id))
    return None if intake is None else IntakeFacts(intake)
