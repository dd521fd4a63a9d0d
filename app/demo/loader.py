"""Load the demo networks into the database, in the caller's transaction (the CLI commits).

Same seed and same anchor day give the same rows: every choice comes from one
`random.Random(seed)` consumed in a fixed order, and every time is an offset from the anchor
(midnight UTC of a given day, today by default), never from the clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.demo.cast import (
    MEMBER_COLUMNS,
    SPECIALTY_COLUMNS,
    USER_COLUMNS,
    USER_MEMBER_COLUMNS,
    CastBuilder,
    NetworkCast,
    anchor_datetime,
    member_rows,
    split_members,
    user_rows,
)
from app.demo.catalogue import DEMO_NETWORK_NAMES, NETWORKS
from app.demo.clients import CLIENT_COLUMNS
from app.demo.logins import DEMO_EMAILS, DemoLogin, create_demo_logins
from app.demo.pipeline import in_background
from app.demo.referrals import (
    EVENT_COLUMNS,
    REFERRAL_COLUMNS,
    Batch,
    NextIds,
    ReferralGenerator,
)
from app.demo.writer import writer_for
from app.extensions import db
from app.links.demo import add_demo_links
from app.models import Network, NetworkKind, User
from app.referrals.day_counts import rebuild_day_counts
from app.rewards.demo import add_demo_programmes

MIN_MEMBERS = 4  # a GP and a cardiologist, a lawyer and an accountant
BATCH_SIZE = 20_000
# From this many referrals, indexes and foreign keys are rebuilt after the load, not kept
# up row by row (PostgreSQL only): a 1,000,000-referral load takes a third of the time.
SET_INDEXES_ASIDE_FROM = 50_000
REFERRAL_TABLES = ("client", "referral", "referral_event")


class DemoDataError(Exception):
    """The demo data cannot be loaded into this database."""


@dataclass(frozen=True)
class DemoRequest:
    members: int = 40
    referrals: int = 400
    seed: int = 1
    anchor: date = field(default_factory=lambda: datetime.now(UTC).date())
    batch_size: int = BATCH_SIZE
    # None: decide by size (SET_INDEXES_ASIDE_FROM).
    set_indexes_aside: bool | None = None

    @property
    def bulk(self) -> bool:
        if self.set_indexes_aside is None:
            return self.referrals >= SET_INDEXES_ASIDE_FROM
        return self.set_indexes_aside


@dataclass
class DemoSummary:
    networks: list[str]
    members: int = 0
    users: int = 0
    clients: int = 0
    referrals: int = 0
    events: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


def database_has_network() -> bool:
    return db.session.scalar(select(Network.id).limit(1)) is not None


def refuse_duplicates() -> None:
    """DemoDataError when a demo network or login exists: the demo is never loaded twice."""
    taken = db.session.scalars(select(Network.name).where(Network.name.in_(DEMO_NETWORK_NAMES)))
    names = sorted(taken)
    if names:
        raise DemoDataError(
            f"The demo network {', '.join(names)} already exists; load the demo into an empty "
            "database, or pass --if-empty to skip when there is data."
        )
    users = db.session.scalars(select(User.email).where(User.email.in_(DEMO_EMAILS)))
    emails = sorted(users)
    if emails:
        raise DemoDataError(f"Demo login {', '.join(emails)} already exists.")


def load_demo(
    request: DemoRequest, on_progress: Callable[[int], None] | None = None
) -> DemoSummary:
    """Write the demo networks, members, users, clients and referrals; does not commit."""
    if request.members < MIN_MEMBERS:
        raise DemoDataError(f"The demo needs at least {MIN_MEMBERS} members.")
    refuse_duplicates()
    rng = random.Random(request.seed)
    anchor = anchor_datetime(request.anchor)
    summary = DemoSummary(networks=list(DEMO_NETWORK_NAMES))

    networks = [
        Network(
            name=catalogue.name,
            kind=NetworkKind(catalogue.kind),
            timezone=catalogue.timezone,
            validity_months=catalogue.validity_months,
            expire_after_days=catalogue.expire_after_days,
            created_at=anchor - timedelta(days=450),
        )
        for catalogue in NETWORKS
    ]
    db.session.add_all(networks)
    db.session.flush()

    writer = writer_for(db.session.connection())
    builder = CastBuilder(rng, anchor)
    casts: list[NetworkCast] = []
    next_member = writer.next_id("member")
    for catalogue, network, count in zip(
        NETWORKS, networks, split_members(request.members, len(NETWORKS)), strict=True
    ):
        casts.append(builder.network(catalogue, network.id, count, next_member))
        next_member += count
    for cast in casts:
        members, specialties = member_rows(cast, rng)
        summary.members += writer.write("member", MEMBER_COLUMNS, members)
        writer.write("specialty", SPECIALTY_COLUMNS, specialties)
    writer.sync_ids(["member"])

    summary.logins = create_demo_logins(casts, anchor)
    db.session.flush()
    users, links = user_rows(casts, writer.next_id("user_account"))
    summary.users = writer.write("user_account", USER_COLUMNS, users) + len(summary.logins)
    writer.write("user_member", USER_MEMBER_COLUMNS, links)
    writer.sync_ids(["user_account"])
    add_demo_links(casts)
    add_demo_programmes(casts)

    ids = NextIds(
        client=writer.next_id("client"),
        referral=writer.next_id("referral"),
        event=writer.next_id("referral_event"),
    )
    batches = in_background(_referral_batches(rng, anchor, casts, request, ids))
    aside = writer.indexes_set_aside(REFERRAL_TABLES) if request.bulk else nullcontext()
    with aside:
        for batch in batches:
            summary.clients += writer.write("client", CLIENT_COLUMNS, batch.clients)
            summary.referrals += writer.write("referral", REFERRAL_COLUMNS, batch.referrals)
            summary.events += writer.write("referral_event", EVENT_COLUMNS, batch.events)
            if on_progress is not None:
                on_progress(len(batch.referrals))
    writer.sync_ids(["client", "referral", "referral_event"])
    # The referrals went in around the ORM (COPY or executemany): count them once, here.
    rebuild_day_counts()
    return summary


def _referral_batches(
    rng: random.Random,
    anchor: datetime,
    casts: list[NetworkCast],
    request: DemoRequest,
    ids: NextIds,
) -> Iterator[Batch]:
    for cast, count in zip(casts, _split_referrals(request, casts), strict=True):
        yield from ReferralGenerator(rng, anchor, cast, ids).batches(count, request.batch_size)


def _split_referrals(request: DemoRequest, casts: list[NetworkCast]) -> list[int]:
    """Referrals in proportion to each network's members."""
    first = round(request.referrals * len(casts[0].members) / request.members)
    return [first, request.referrals - first]
