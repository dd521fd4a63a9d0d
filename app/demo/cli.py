"""`flask demo-data`: a believable network to try refnet with, or a large one to measure."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import click

from app.extensions import db

if TYPE_CHECKING:
    from rich.console import Console

    from app.demo.loader import DemoRequest, DemoSummary

# The generator and rich are imported when the command runs, not when any `flask` command
# starts (the reports CLI and the worker start faster without them).


def run_demo_data(request: DemoRequest, console: Console) -> DemoSummary:
    """Load and commit with a progress bar; shared by the command and bench/generate.py."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from app.demo.loader import DemoDataError, load_demo, refuse_duplicates

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        refuse_duplicates()  # before the progress bar appears
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("Referrals", total=request.referrals)
            summary = load_demo(request, lambda n: progress.advance(task, n))
            progress.update(task, description="Committing")
            db.session.commit()
    except DemoDataError:
        db.session.rollback()
        raise
    return summary


@click.command("demo-data")
@click.option("--members", default=40, show_default=True, type=click.IntRange(min=4))
@click.option("--referrals", default=400, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--anchor",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Day whose midnight (UTC) all times are relative to; today by default. "
    "The same seed and anchor give the same data.",
)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has a network.")
def demo_data_command(
    members: int, referrals: int, seed: int, anchor: datetime | None, if_empty: bool
) -> None:
    """Load the demo networks, members, clients, referrals and one login per role."""
    from rich.console import Console

    from app.demo.loader import DemoDataError, DemoRequest, database_has_network
    from app.demo.logins import DEMO_PASSWORD

    if if_empty and database_has_network():
        click.echo("Demo data skipped: the database already has a network.")
        return
    day: date = anchor.date() if anchor else datetime.now(UTC).date()
    request = DemoRequest(members=members, referrals=referrals, seed=seed, anchor=day)
    started = time.perf_counter()
    try:
        summary = run_demo_data(request, Console(stderr=True))
    except DemoDataError as exc:
        raise click.ClickException(str(exc)) from exc
    seconds = time.perf_counter() - started
    click.echo(
        f"Loaded {', '.join(summary.networks)}: {summary.members} members, {summary.users} users, "
        f"{summary.clients} clients, {summary.referrals} referrals, {summary.events} events "
        f"in {seconds:.1f} s (seed {seed}, anchor {day.isoformat()})."
    )
    click.echo(f"Demo logins (password {DEMO_PASSWORD}):")
    for login in summary.logins:
        click.echo(f"  {login.email:36} {login.role:13} {login.who}")
