"""Build the benchmark network (10,000 members, 1,000,000 referrals) and time the load.

A thin wrapper round `flask demo-data`'s own loader (app.demo), so the benchmark data is
the demo data at scale, and loading it is measured exactly as users run it:

    python -m bench.generate --database-url postgresql://postgres@127.0.0.1:5432/refnet_bench \
        --fresh --runs 3

--fresh drops and recreates the database (or deletes the SQLite file) and migrates it
before each run, which --runs > 1 needs. Results are printed and written as JSON under
bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path

from rich.console import Console
from sqlalchemy import create_engine, make_url, text

RESULTS = Path(__file__).resolve().parent / "results"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--anchor", type=date.fromisoformat, default=datetime.now(UTC).date())
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--fresh", action="store_true", help="recreate the database first")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    if args.runs > 1 and not args.fresh:
        parser.error("--runs > 1 needs --fresh: the demo is never loaded twice into one database")
    return args


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def recreate_database(url: str) -> None:
    """An empty database at `url`: dropped and created (PostgreSQL) or deleted (SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).unlink(missing_ok=True)
        return
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        name = engine.dialect.identifier_preparer.quote(parsed.database)
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()


def one_run(url: str, args: argparse.Namespace, console: Console) -> dict:
    # Imported here: the app reads DATABASE_URL when it is created.
    from flask_migrate import upgrade

    from app import create_app
    from app.demo.cli import run_demo_data
    from app.demo.loader import DemoRequest
    from app.extensions import db

    if args.fresh:
        recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if args.fresh:
            upgrade()
        request = DemoRequest(
            members=args.members, referrals=args.referrals, seed=args.seed, anchor=args.anchor
        )
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        summary = run_demo_data(request, console)
        seconds = time.perf_counter() - started
        load_after = os.getloadavg()[0]
        server = db.session.scalar(text("SELECT version()")) if "postgresql" in url else "SQLite"
        db.engine.dispose()
    console.print(
        f"{summary.referrals:,} referrals, {summary.events:,} events, {summary.clients:,} "
        f"clients, {summary.members:,} members in {seconds:.1f} s"
    )
    return {
        "seconds": round(seconds, 1),
        "members": summary.members,
        "referrals": summary.referrals,
        "events": summary.events,
        "clients": summary.clients,
        "users": summary.users,
        "database": server,
        # Other work on the machine slows a run down; the 1-minute load average tells.
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
    }


def main() -> None:
    args = _arguments()
    url = _sqlalchemy_url(args.database_url)
    console = Console(stderr=True)
    runs = [one_run(url, args, console) for _ in range(args.runs)]
    seconds = [run["seconds"] for run in runs]
    result = {
        "benchmark": "demo-data load",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "members": args.members,
        "referrals": args.referrals,
        "seed": args.seed,
        "anchor": args.anchor.isoformat(),
        "runs": runs,
        "median_seconds": round(statistics.median(seconds), 1),
        "cpus": os.cpu_count(),
        "machine": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"generate-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    console.print(f"median {result['median_seconds']:.1f} s over {len(runs)} run(s); {path}")


if __name__ == "__main__":
    main()
