"""`flask rewards payouts --network ID --format csv [--out FILE]`: pay a network's approved
rewards in one batch and write its CSV (a reward is paid once: a second run pays nothing
new); `flask rewards expire`: unused credit past its expiry."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app.extensions import db
from app.refusals import Refusal
from app.reports.export import as_json
from app.rewards.payouts import pay_out
from app.rewards.review import expire_unused

rewards_cli = AppGroup("rewards", help="Reward payouts and expiry.")


@rewards_cli.command("payouts")
@click.option("--network", "network_id", type=click.IntRange(1, 2**31 - 1), required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the file here instead of stdout.",
)
def payouts_command(network_id, fmt, out):
    """Mark the network's approved fixed, credit and points rewards paid in one new batch
    and print its rows (a header alone when nothing waits)."""
    try:
        payout = pay_out(None, network_id)
    except Refusal as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    body = payout.csv if fmt == "csv" else as_json(payout.rows)
    if out is not None:
        # Written before the commit: a file that cannot be written pays nothing.
        try:
            out.write_text(body, encoding="utf-8")
        except OSError as exc:
            db.session.rollback()
            raise click.ClickException(f"Cannot write {out}: {exc.strerror}") from exc
    db.session.commit()
    if out is None:
        click.echo(body, nl=False)
    message = (
        f"batch {payout.batch}: {len(payout.rows)} reward(s) paid"
        if payout.batch
        else ("no approved reward waits to be paid")
    )
    click.echo(message, err=True)


@rewards_cli.command("expire")
@click.option("--network", "network_id", type=click.IntRange(1, 2**31 - 1), default=None)
def expire_command(network_id):
    """Approved credit, discounts, points or services left unused past their expiry."""
    count = expire_unused(network_id)
    db.session.commit()
    click.echo(json.dumps({"expired": count}))
