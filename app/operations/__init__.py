"""Running refnet in production: proxies, request ids, logs, health probes, metrics and
the settings a deployment must give (docs/operations.md)."""

from __future__ import annotations

from flask import Flask


def init_operations(app: Flask) -> None:
    """Before every other part: the request id, the clock and the logs see every request."""
    from app.operations.health import init_health
    from app.operations.json_logs import configure_logging
    from app.operations.metrics import init_metrics
    from app.operations.proxy import trust_proxies
    from app.operations.request_id import init_request_id

    trust_proxies(app)
    configure_logging(app)
    init_request_id(app)
    init_metrics(app)
    init_health(app)
