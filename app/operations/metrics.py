"""Prometheus metrics at /metrics, off unless METRICS_ENABLED=1 (prometheus_client).

- refnet_http_requests_total{endpoint, method, status} and
  refnet_http_request_duration_seconds{endpoint} (a histogram), counted in each process;
- refnet_outbox_backlog (e-mails neither sent nor given up), refnet_outbox_failed,
  refnet_reminders_due{stage} and refnet_followup_lag_seconds (how far behind the worker's
  ticks are): read from the database when scraped, so any node answers for all.

With METRICS_TOKEN set the endpoint wants `Authorization: Bearer <token>`. Under gunicorn
with several workers, set PROMETHEUS_MULTIPROC_DIR to an empty directory (emptied at each
start) so that a scrape adds up every worker's counters (docs/operations.md).
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

REQUESTS = Counter(
    "refnet_http_requests",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "refnet_http_request_duration_seconds",
    "Time to answer a request, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

bp = Blueprint("metrics", __name__)


class BacklogCollector:
    """Figures read from the database at scrape time."""

    def collect(self):
        from app.extensions import db
        from app.followup.engine import reminders_due
        from app.models import OutboxMessage, utcnow

        now = utcnow()
        pending = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        )
        failed = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_not(None))
        )
        due, scanned_until = reminders_due(now)
        db.session.rollback()
        yield GaugeMetricFamily(
            "refnet_outbox_backlog", "E-mails waiting to be sent (not sent, not given up).", pending
        )
        yield GaugeMetricFamily(
            "refnet_outbox_failed", "E-mails given up (an admin may retry them).", failed
        )
        reminders = GaugeMetricFamily(
            "refnet_reminders_due",
            "Referrals with a reminder or escalation due that no tick has queued yet.",
            labels=["stage"],
        )
        for stage, count in due.items():
            reminders.add_metric([stage], count)
        yield reminders
        lag = (now - scanned_until).total_seconds() if scanned_until else float("nan")
        yield GaugeMetricFamily(
            "refnet_followup_lag_seconds", "Time since the reminder ticks last looked.", lag
        )


def _registry() -> CollectorRegistry:
    """Every worker's counters under gunicorn's multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@bp.route("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            abort(401)
    registry = _registry()
    backlog = CollectorRegistry()
    backlog.register(BacklogCollector())
    body = generate_latest(registry) + generate_latest(backlog)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _start() -> None:
    g.refnet_metrics_started = time.perf_counter()


def _count(response):
    started = g.pop("refnet_metrics_started", None)
    endpoint = request.endpoint or "none"  # unmatched URLs share one label
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def init_metrics(app: Flask) -> None:
    if not app.config.get("METRICS_ENABLED"):
        return
    app.register_blueprint(bp)
    app.before_request(_start)
    app.after_request(_count)
