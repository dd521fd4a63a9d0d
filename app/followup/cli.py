"""`flask reminders tick` (one pass, for cron and tests) and `flask reminders run` (the worker)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.followup.engine import TickSummary, tick
from app.mail import outbox
from app.models import utcnow

reminders_cli = AppGroup("reminders", help="Follow-up: reminders, escalation, expiry, delivery.")

TICK_SECONDS = 60
DELIVERY_SECONDS = 5


def deliver_everything(now: datetime | None = None) -> int:
    """Send every pending outbox message that is due at `now` (the deliverer claims its
    rows, so several ticks and workers at once send each message once)."""
    return outbox.deliver_all(now)


def run_tick(now: datetime | None = None) -> TickSummary:
    """One pass: queue what is due, expire, escalate; then deliver the outbox."""
    try:
        summary = tick(now or utcnow())
    except Exception:
        db.session.rollback()
        raise
    summary.delivered = deliver_everything(now)
    return summary


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date and time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@reminders_cli.command("tick")
@click.option("--now", "now", help="Act as if it were this moment (ISO 8601; UTC if no offset).")
def tick_command(now):
    """Run one pass now: expire, remind, escalate, then deliver every pending e-mail."""
    summary = run_tick(_moment(now))
    click.echo(f"Tick: {summary.line()}.")


def _scheduled(job):
    app = current_app._get_current_object()

    def run():
        with app.app_context():
            try:
                job()
            except Exception:
                db.session.rollback()
                app.logger.exception("reminder worker: %s failed", job.__name__)
            finally:
                db.session.remove()

    run.__name__ = job.__name__
    return run


@reminders_cli.command("run")
def run_command():
    """Run the follow-up worker: a tick every minute, delivery every few seconds."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    def reminder_tick():
        summary = tick(utcnow())
        if summary.reminders or summary.escalations or summary.expired:
            current_app.logger.info("reminder tick: %s", summary.line())

    scheduler = BlockingScheduler(
        timezone="UTC", job_defaults={"max_instances": 1, "coalesce": True}
    )
    # Shorter periods for tests and demos (REMINDER_TICK_SECONDS, DELIVERY_SECONDS).
    tick_seconds = current_app.config.get("REMINDER_TICK_SECONDS") or TICK_SECONDS
    delivery_seconds = current_app.config.get("DELIVERY_SECONDS") or DELIVERY_SECONDS
    scheduler.add_job(_scheduled(reminder_tick), "interval", seconds=tick_seconds, id="tick")
    scheduler.add_job(
        _scheduled(deliver_everything), "interval", seconds=delivery_seconds, id="deliver"
    )
    # FHIR Bulk Data exports asked for at GET /fhir/$export (app/fhir/jobs.py).
    from app.fhir.jobs import run_pending_exports

    scheduler.add_job(
        _scheduled(run_pending_exports), "interval", seconds=DELIVERY_SECONDS, id="fhir-exports"
    )
    click.echo(
        f"refnet reminder worker: a tick every {tick_seconds} s, delivery every "
        f"{delivery_seconds} s. Ctrl-C stops it."
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
