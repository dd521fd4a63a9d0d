"""The reciprocity reports at 10,000 members and 1,000,000 referrals, beside a bare count(*).

    python -m bench.reports \
        --database-url postgresql://postgres@127.0.0.1:5432/refnet_bench_reports [--runs 5]

Builds the benchmark network (`flask demo-data`, 10,000 members, 1,000,000 referrals, seed
7, then VACUUM ANALYZE) when the database is empty or with --fresh, and reuses it otherwise
(bench/http.py's build_or_reuse). Then, --runs times each, in one process and one run:

- `SELECT count(*) FROM referral` (the bare baseline),
- the whole-network report page of the largest network (the view, rendered: member table,
  network figures, months, pairs, heat map, never-give, lapsed and the health of every
  member), over all time and over the last 12 months,
- one member's page (the view, rendered, with its partners and balance over time),
- the top pairs of the largest network, all time,
- `flask reports reciprocity --from 2000-01-01 --to 2100-01-01 --format csv` over every
  network, as a user runs it (a new process: interpreter and app start included), and the
  same report in-process.

SQLite too: `--database-url sqlite:////tmp/bench-reports.db` (built with `flask demo-data`
when the file is missing).

Prints medians in ms and each as a multiple of the count(*) of the same run; writes the
figures as JSON under bench/results/. Goals (issue 12): network report 1.5 s, member page
50 ms, top pairs 1 s, the CLI 2.5 s with its start.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from flask_login import login_user
from rich.console import Console
from sqlalchemy import func, select, text

from bench.http import _flask, build_or_reuse
from bench.servers import ROOT

RESULTS = Path(__file__).resolve().parent / "results"
CLI_PERIOD = ("--from", "2000-01-01", "--to", "2100-01-01", "--format", "csv")
GOALS_MS = {"network_all": 1500, "member_page": 50, "pairs": 1000, "cli": 2500}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_REPORTS_DATABASE_URL"))
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set BENCH_REPORTS_DATABASE_URL")
    return args


def _sqlite_build_or_reuse(args: argparse.Namespace, console: Console) -> None:
    """SQLite (`sqlite:////path/bench.db`): the file is built once with `flask demo-data`
    (then ANALYZE) when missing or with --fresh, and reused otherwise."""
    path = Path(args.database_url.removeprefix("sqlite:///"))
    if path.exists() and not args.fresh:
        console.log(f"Reusing {path}")
        _flask(args.database_url, "db", "upgrade", capture=True)
        return
    path.unlink(missing_ok=True)
    console.log(f"Building {path}: {args.members:,} members, {args.referrals:,} referrals")
    _flask(args.database_url, "db", "upgrade", capture=True)
    _flask(
        args.database_url,
        "demo-data",
        f"--members={args.members}",
        f"--referrals={args.referrals}",
        f"--seed={args.seed}",
    )
    with sqlite3.connect(path) as connection:
        connection.execute("ANALYZE")


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def _cli(url: str) -> None:
    environment = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "reports", "reciprocity", *CLI_PERIOD],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    if done.returncode or not done.stdout.startswith("member_id,member_name,given,received"):
        raise SystemExit(f"flask reports reciprocity failed: {done.stderr[-800:]}")


def measure(url: str, runs: int) -> dict:
    os.environ["DATABASE_URL"] = url
    from app import create_app
    from app.extensions import db
    from app.models import Member, Referral, Role, User
    from app.reports import pairs
    from app.reports.scope import days_scope
    from app.reports.service import reciprocity_rows

    app = create_app()
    samples: dict[str, list[float]] = {}
    with app.app_context():
        network_id, _n = db.session.execute(
            select(Referral.network_id, func.count())
            .group_by(Referral.network_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        coordinator = db.session.scalars(
            select(User).where(User.role == Role.COORDINATOR).order_by(User.id)
        ).first()
        admin = db.session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        viewer = (
            coordinator if network_id in (coordinator.network_ids if coordinator else []) else admin
        )
        member_id = db.session.scalar(
            select(Referral.receiver_id)
            .where(Referral.network_id == network_id)
            .group_by(Referral.receiver_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        facts = {
            "network_id": network_id,
            "member_id": member_id,
            "member_referrals": db.session.scalar(
                select(func.count())
                .select_from(Referral)
                .where((Referral.sender_id == member_id) | (Referral.receiver_id == member_id))
            ),
            "network_referrals": _n,
            "members": db.session.scalar(select(func.count()).select_from(Member)),
            "referrals": db.session.scalar(select(func.count()).select_from(Referral)),
            "dialect": db.engine.dialect.name,
            "viewer": viewer.email,
        }
        all_time = days_scope(network_id, date(2000, 1, 1), date(2100, 1, 1))
        everything = days_scope(None, date(2000, 1, 1), date(2100, 1, 1))

        def page(endpoint: str, path: str, **kw):
            def run():
                with app.test_request_context(path):
                    login_user(viewer)
                    answer = app.view_functions[endpoint](**kw)
                    body = answer[0] if isinstance(answer, tuple) else answer
                    assert isinstance(body, str) and len(body) > 1000
                db.session.rollback()

            return run

        work = {
            "count": lambda: db.session.execute(text("SELECT count(*) FROM referral")).scalar(),
            "network_all": page(
                "reports.network",
                f"/reports/networks/{network_id}?period=custom&from=2000-01-01&to=2100-01-01",
                network_id=network_id,
            ),
            "network_12_months": page(
                "reports.network", f"/reports/networks/{network_id}", network_id=network_id
            ),
            "member_page": page("members.profile", f"/members/{member_id}", member_id=member_id),
            "pairs": lambda: pairs.top_pairs(all_time),
            "cli_in_process": lambda: reciprocity_rows(None, everything),
            "cli": lambda: _cli(url),
        }
        for name in work:  # one warm-up each: caches of the database and of Jinja
            work[name]()
            db.session.rollback()
        for _ in range(runs):
            for name, run in work.items():
                samples.setdefault(name, []).append(_timed(run))
                db.session.rollback()
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {"facts": facts, "samples_ms": samples, "median_ms": medians}


def main() -> int:
    args = _arguments()
    console = Console()
    if args.database_url.startswith("sqlite:"):
        _sqlite_build_or_reuse(args, console)
    else:
        build_or_reuse(args, console)
    results = measure(args.database_url, args.runs)
    medians = results["median_ms"]
    base = medians["count"]
    console.print(f"network {results['facts']}")
    console.print(f"{'measure':22} {'median ms':>10} {'x count(*)':>11} {'goal ms':>8}")
    for name, value in medians.items():
        goal = GOALS_MS.get(name)
        verdict = "" if goal is None else ("met" if value <= goal else "MISSED")
        console.print(f"{name:22} {value:10.1f} {value / base:11.1f} {goal or '':>8} {verdict}")
    results.update(
        machine={"python": platform.python_version(), "cpus": os.cpu_count()},
        at=datetime.now(UTC).isoformat(),
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"reports-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    console.print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
