"""Time the due-reminder scan on the 1,000,000-referral benchmark network.

    python -m bench.reminders [--database-url postgresql://…/refnet_bench_remind]

Builds the network once (10,000 members, 1,000,000 referrals, seed 7, as bench/http.py
does) or reuses it. Times, as medians of --repeats warm runs in the same process:

- the scan: for each stage (answer, visit, outcome), the SELECT a reminder tick runs to find
  the referrals that may have a reminder due (app/followup/engine.py `due_scan` with the
  window of a tick that comes a minute after the last one), and the hourly sweep;
- the dashboards' overdue counts (app/followup/overdue.py `count_overdue`, every network);
- the baseline: a plain indexed lookup, 25 referrals by primary key.

"Cold" is the network as generated (no reminder ever recorded: the first tick's catch-up);
"steady" is the network as it stands with the worker running (see `_steady_state`), written
into a copy of the database (`<name>_steady`, vacuumed, dropped at the end).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

import psycopg
from rich.console import Console
from sqlalchemy import select, text

from app import create_app
from app.extensions import db
from app.followup.engine import OVERLAP, due_scan
from app.followup.overdue import count_overdue, rules_for
from app.followup.rules import STAGES
from app.models import Referral, utcnow

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/refnet_bench_remind"
GOAL_MS = 50.0
COLD_REPEATS = 5


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    call()  # warm the caches once; the medians are of warm runs
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the network")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def _figures(now, repeats: int) -> dict[str, float]:
    rules = rules_for(None)
    ids = list(db.session.scalars(select(Referral.id).order_by(Referral.id.desc()).limit(25)))
    figures = {
        "baseline: 25 referrals by primary key": _median_ms(
            lambda: db.session.scalars(select(Referral).where(Referral.id.in_(ids))).all(),
            repeats,
        )
    }
    window = now - timedelta(minutes=1) - OVERLAP  # what a tick a minute after the last reads
    for stage in STAGES:
        figures[f"scan {stage} (a tick: due in the last minute)"] = _median_ms(
            lambda stage=stage: due_scan(stage, now, rules, since=window), repeats
        )
    figures["sweep, 3 stages (every overdue one; hourly)"] = _median_ms(
        lambda: [due_scan(stage, now, rules) for stage in STAGES], repeats
    )
    figures["count overdue (dashboards, 3 stages)"] = _median_ms(
        lambda: count_overdue(None, now), repeats
    )
    db.session.expunge_all()
    return figures


def _app(url: str):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1)}
    )


def _copy_url(url: str) -> str:
    base, _, name = url.rpartition("/")
    return f"{base}/{name}_steady"


def _admin(url: str, *statements: str) -> None:
    base, _, _name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def main() -> int:
    args = _arguments()
    console = Console(width=120)
    from bench.http import build_or_reuse

    build_or_reuse(args, console)
    now = utcnow()
    with _app(args.database_url).app_context():
        rows = {s: len(due_scan(s, now, rules_for(None))) for s in STAGES}
        console.log(f"Referrals the cold scan finds: {rows}")
        cold = _figures(now, COLD_REPEATS)  # tens of thousands of rows: fewer runs
        db.session.remove()
        db.engine.dispose()
    # The steady state is written into a copy, vacuumed as a running database would be.
    copy = _copy_url(args.database_url)
    name, source = copy.rpartition("/")[2], args.database_url.rpartition("/")[2]
    started = time.perf_counter()
    _admin(
        args.database_url,
        f"DROP DATABASE IF EXISTS {name}",
        f"CREATE DATABASE {name} TEMPLATE {source}",
    )
    try:
        with _app(copy).app_context():
            _steady_state(now)
            db.session.commit()
            with psycopg.connect(copy, autocommit=True) as connection:
                connection.execute("VACUUM ANALYZE")
            console.log(f"Steady state made in {time.perf_counter() - started:.1f} s")
            rows = {s: len(due_scan(s, now, rules_for(None))) for s in STAGES}
            console.log(f"Referrals the steady scan finds: {rows}")
            steady = _figures(now, args.repeats)
            db.session.remove()
            db.engine.dispose()
    finally:
        _admin(args.database_url, f"DROP DATABASE IF EXISTS {name}")
    baseline = cold["baseline: 25 referrals by primary key"]
    console.print(
        f"\nDue-reminder scan, medians of {COLD_REPEATS} (cold) and {args.repeats} (steady) "
        "warm runs (ms):"
    )
    console.print(f"{'':44} {'cold':>9} {'steady':>9} {'steady/baseline':>16}")
    for key in cold:
        console.print(
            f"{key:44} {cold[key]:9.2f} {steady[key]:9.2f} {steady[key] / baseline:16.1f}"
        )
    worst = max(v for k, v in steady.items() if k.startswith("scan"))  # the per-minute scan
    verdict = "meets" if worst < GOAL_MS else "MISSES"
    console.print(
        f"\nSteady scan, slowest stage: {worst:.1f} ms: {verdict} the {GOAL_MS:.0f} ms goal."
    )
    return 0 if worst < GOAL_MS else 1


def _steady_state(now) -> None:
    """The network as it stands when the worker has been running: referrals unanswered past
    their network's limit expired, and every stage whose deadline passed more than a day
    ago done (its final reminder recorded); what fell due in the last day is still to send.
    Written in bulk SQL, in the copy of the database."""
    rules = rules_for(None)
    for network_id, rule in rules.items():
        db.session.execute(
            text(
                "UPDATE referral SET status = 'expired', expired_at = :now, "
                "status_reason = 'No answer in time' WHERE network_id = :network "
                "AND status = 'sent' AND sent_at <= :limit"
            ),
            {
                "now": now,
                "network": network_id,
                "limit": now - timedelta(days=rule.expire_after_days),
            },
        )
    yesterday = now - timedelta(days=1)
    for stage in STAGES:
        ids = [r.id for r in due_scan(stage, yesterday, rules)]
        db.session.expunge_all()
        db.session.execute(
            text(
                "INSERT INTO reminder (referral_id, stage, step, due_at, created_at, final) "
                "SELECT id, :stage, 2, :at, :at, true FROM referral WHERE id = ANY(:ids)"
            ),
            {"stage": stage, "at": yesterday, "ids": ids},
        )


if __name__ == "__main__":
    raise SystemExit(main())
