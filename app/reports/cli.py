"""`flask reports reciprocity`: the reciprocity table on stdout (DESIGN.md operator contract)."""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import AppGroup

from app.extensions import db
from app.refusals import Refusal
from app.reports.export import as_csv, as_json
from app.reports.health import rule_of
from app.reports.scope import days_scope
from app.reports.service import (
    RECIPROCITY_COLUMNS,
    network_for_report,
    reciprocity_rows,
    set_health_rule,
)

reports_cli = AppGroup("reports", help="Reciprocity and network reports.")


def _day(_ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-01-31.") from exc


@reports_cli.command("reciprocity")
@click.option(
    "--network",
    "network_id",
    type=click.IntRange(1, 2**31 - 1),
    default=None,
    help="One network's members; every network when left out.",
)
@click.option(
    "--from",
    "first",
    callback=_day,
    default="2000-01-01",
    help="First day of the period (UTC, inclusive).",
)
@click.option(
    "--to",
    "last",
    callback=_day,
    default=None,
    help="Last day of the period (UTC, inclusive); today when left out.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
def reciprocity_command(network_id, first, last, fmt):
    """Given, received, balance and give-share of every member, by the day referrals were sent."""
    last = last or date.today()
    if last < first:
        raise click.BadParameter("--to is before --from.", param_hint="--to")
    try:
        rows = reciprocity_rows(None, days_scope(network_id, first, last))
    except Refusal as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(as_csv(rows, RECIPROCITY_COLUMNS) if fmt == "csv" else as_json(rows), nl=False)


@reports_cli.command("health-rule")
@click.option("--network", "network_id", type=click.IntRange(1, 2**31 - 1), required=True)
@click.option("--set", "new_rule", default=None, help="The rule as JSON (missing parts: defaults).")
def health_rule_command(network_id, new_rule):
    """Show, or set with --set, a network's member traffic-light thresholds (docs/reports.md)."""
    try:
        if new_rule is not None:
            try:
                given = json.loads(new_rule)
            except ValueError as exc:
                raise click.BadParameter("give the rule as JSON.", param_hint="--set") from exc
            found = set_health_rule(None, network_id, given)
            db.session.commit()
        else:
            found = network_for_report(None, network_id)
    except Refusal as exc:
        db.session.rollback()
        details = "".join(f"\n  {k}: {v}" for k, v in exc.fields.items())
        raise click.ClickException(exc.message + details) from exc
    click.echo(json.dumps(rule_of(found), indent=2))
