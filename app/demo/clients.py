"""Fictional clients, made when a referral needs one and amended while their batch is open."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.demo.cast import CastMember, NetworkCast, slug
from app.demo.catalogue.people import FAMILY_NAMES, GIVEN_NAMES, MOBILE_PREFIX
from app.demo.timeline import MINUTE
from app.models.enums import NetworkKind

CLIENT_COLUMNS = (
    "id", "network_id", "given_name", "family_name", "birth_date", "email", "phone",
    "identifier", "consent", "consent_at", "created_by_member_id", "created_at",
)  # fmt: skip
SAME_CLIENT_SHARE = 0.12  # a sender refers one client to a second member
CONSENT_AT = 9  # index of the consent time (epoch seconds) in a client row


class ClientBook:
    """The clients of one batch; a sender may refer a client of its own again."""

    def __init__(self, rng_random, cast: NetworkCast, anchor_ordinal: int, next_id: int) -> None:
        self.r = rng_random
        self.cast = cast
        self.anchor_ordinal = anchor_ordinal
        self.next_id = next_id
        self.rows: list[list] = []
        self._last_of: dict[int, list] = {}
        self._slugs = {n: slug(n) for n in (*GIVEN_NAMES, *FAMILY_NAMES)}
        self._professional = cast.catalogue.kind == NetworkKind.PROFESSIONAL

    def start_batch(self) -> None:
        """Rows already handed out are written; only clients of the new batch are reused."""
        self.rows = []
        self._last_of = {}

    def client_for(self, sender: CastMember, sent_ts: int) -> list:
        """A client row for a referral sent at `sent_ts`; consent is recorded just before."""
        r = self.r
        consent = sent_ts - 5 * MINUTE - int(r() * 3 * 3600)
        row = self._last_of.get(sender.id)
        if row is not None and r() < SAME_CLIENT_SHARE:
            row[CONSENT_AT] = min(row[CONSENT_AT], consent)
            return row
        given = GIVEN_NAMES[int(r() * len(GIVEN_NAMES))]
        family = FAMILY_NAMES[int(r() * len(FAMILY_NAMES))]
        low, high = self.cast.catalogue.client_age
        age_days = int((low + (high - low) * r()) * 365.25)
        client_id = self.next_id
        self.next_id += 1
        email = None
        if r() < 0.55:
            email = f"{self._slugs[given]}.{self._slugs[family]}{client_id % 97}@example.org"
        phone = f"{MOBILE_PREFIX}{int(r() * 1000):03d}" if r() < 0.65 else None
        row = [
            client_id,
            self.cast.network_id,
            given,
            family,
            # A business client's birth date is none of the network's business.
            None if self._professional else date.fromordinal(self.anchor_ordinal - age_days),
            email,
            phone,
            f"{self.cast.catalogue.identifier_prefix}-{client_id:07d}",
            True,
            consent,
            sender.id,
        ]
        self.rows.append(row)
        self._last_of[sender.id] = row
        return row

    def tuples(self) -> list[tuple]:
        """The batch's rows in CLIENT_COLUMNS order; consent and creation are one moment."""
        out = []
        for row in self.rows:
            consent_at = datetime.fromtimestamp(row[CONSENT_AT], UTC)
            out.append((*row[:CONSENT_AT], consent_at, row[10], consent_at))
        return out
