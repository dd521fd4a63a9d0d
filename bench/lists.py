"""Time the referral lists (inbox, outbox, network, admin) on a large network.

    python -m bench.lists --database-url postgresql://postgres@127.0.0.1:5432/refnet_bench

Needs a database loaded with `python -m bench.generate` (10,000 members, 1,000,000
referrals). Each list is timed through the same code the pages and the API use
(app.referrals.listing) and reported as the median of --repeats runs and as a ratio to a
baseline measured in the same run: fetching 25 referrals by primary key.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app import create_app
from app.extensions import db
from app.models import Referral, Role, User, user_member
from app.referrals.listing import page_of, parse_filter, tab_counts

RESULTS = Path(__file__).resolve().parent / "results"


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm the caches once; the medians are of warm runs
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _busiest_practitioner() -> User:
    member_id = db.session.scalar(
        select(Referral.receiver_id)
        .group_by(Referral.receiver_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    return db.session.scalar(
        select(User).join(user_member).where(user_member.c.member_id == member_id).limit(1)
    )


def _page(user: User, depth: int = 1, **args) -> Callable[[], object]:
    """Walk `depth` pages with the keyset cursor, as a person clicking "Next" would."""

    def run():
        cursor = None
        for _ in range(depth):
            query = MultiDict({**args, **({"cursor": cursor} if cursor else {})})
            rows, cursor = page_of(user, parse_filter(user, query))
        return rows

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Referral))
        practitioner = _busiest_practitioner()
        coordinator = db.session.scalar(select(User).where(User.role == Role.COORDINATOR))
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
        ids = list(db.session.scalars(select(Referral.id).order_by(Referral.id).limit(25)))

        def baseline():
            return db.session.scalars(select(Referral).where(Referral.id.in_(ids))).all()

        cases = {
            "baseline: 25 referrals by primary key": baseline,
            "practitioner inbox, page 1": _page(practitioner, box="inbox"),
            "practitioner inbox, page 5 (keyset)": _page(practitioner, 5, box="inbox"),
            "practitioner outbox, status=closed": _page(
                practitioner, box="outbox", status="closed"
            ),
            "practitioner inbox, counts per status": lambda: tab_counts(
                practitioner, parse_filter(practitioner, MultiDict({"box": "inbox"}))
            ),
            "coordinator network, page 1": _page(coordinator),
            "coordinator network, counts per status": lambda: tab_counts(
                coordinator, parse_filter(coordinator, MultiDict())
            ),
            "coordinator network, page 20 (keyset)": _page(coordinator, 20),
            "coordinator network, status=sent": _page(coordinator, status="sent"),
            "admin all referrals, page 1": _page(admin),
            "admin all referrals, oldest first": _page(admin, sort="oldest"),
        }
        results = {}
        for name, call in cases.items():
            db.session.rollback()
            results[name] = _median_ms(call, args.repeats)
            db.session.rollback()
    base = results["baseline: 25 referrals by primary key"]
    print(f"{total:,} referrals · median of {args.repeats} warm runs · ratio to the baseline")
    print(f"{'list':45} {'median ms':>10} {'ratio':>7}")
    for name, ms in results.items():
        print(f"{name:45} {ms:10.2f} {ms / base:7.1f}")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"lists-{stamp}.json").write_text(
        json.dumps({"referrals": total, "repeats": args.repeats, "median_ms": results}, indent=2)
    )


if __name__ == "__main__":
    main()
