"""Probes for the proxy and the orchestrator.

- /healthz: the process is up and answering; touches nothing else (a failing database must
  not get every node restarted).
- /readyz: this node can serve: the database answers, Redis answers when the throttle uses
  it, the documents' storage is writable. 200 when all hold, else 503 naming what failed.
  The proxy sends traffic only to ready nodes.

Other parts add their own checks with `readiness_check(name)` (the S3 document storage does).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

bp = Blueprint("health", __name__)
CHECKS = "refnet.readiness_checks"


def readiness_check(app: Flask, name: str, check: Callable[[], None]) -> None:
    """Register a check: it raises (anything) when its part is not reachable."""
    app.extensions.setdefault(CHECKS, {})[name] = check


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz():
    return _no_store(jsonify(status="ok"))


@bp.route("/readyz")
def readyz():
    failed, results = [], {}
    for name, check in current_app.extensions.get(CHECKS, {}).items():
        try:
            check()
        except Exception as exc:  # any failure of the part means: not ready
            current_app.logger.warning("readiness: %s failed: %s", name, exc)
            failed.append(name)
            results[name] = f"failed: {type(exc).__name__}"
        else:
            results[name] = "ok"
    status = 503 if failed else 200
    body = jsonify(status="unavailable" if failed else "ok", checks=results, failed=failed)
    return _no_store(body), status


def _database() -> None:
    from app.extensions import db

    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.rollback()


def _redis() -> None:
    from app.auth.throttle import login_throttle

    if not login_throttle().storage_reachable():
        raise ConnectionError("the throttle's storage does not answer")


def _documents() -> None:
    """The documents' storage answers: the local directory is writable, or the bucket is
    reachable (app/storage)."""
    from app.storage import storage

    storage().check()


def init_health(app: Flask) -> None:
    app.register_blueprint(bp)
    readiness_check(app, "database", _database)
    if not str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        readiness_check(app, "redis", _redis)
    if app.config.get("DOCUMENTS_DIR") or app.config.get("DOCUMENTS_S3_BUCKET"):
        readiness_check(app, "storage", _documents)
