"""Logs: one JSON object per line, each carrying the request it belongs to: on stdout for
the app nodes, on stderr for `flask` commands (the worker too), whose own output (CSV,
JSON, a new token) must stay clean.

Fields: time, level, logger, message, and inside a request request_id, method, path,
remote_addr; the access line adds status and duration_ms; an exception adds `exception`
(the traceback). LOG_FORMAT=text prints the same as plain lines.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

import click
from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

from app.operations.proxy import client_address
from app.operations.request_id import request_id

ACCESS = logging.getLogger("refnet.access")
# Fields a log call may add with extra={...}.
EXTRA_FIELDS = ("status", "duration_ms")


class RequestFields(logging.Filter):
    """Adds the request's fields to each record logged while it is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = request_id()
            record.method = request.method
            record.path = request.path
            record.remote_addr = client_address()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "method", "path", *EXTRA_FIELDS, "remote_addr"):
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        if getattr(record, "request_id", None):
            line = f"{line} [request {record.request_id}]"
        return line


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout (or sys.stderr) is now: pytest's capture swaps them."""

    def __init__(self, name: str = "stdout") -> None:
        self.stream_name = name
        super().__init__(getattr(sys, name))

    @property
    def stream(self):
        return getattr(sys, self.stream_name)

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(app: Flask) -> None:
    """One handler on the root logger, whatever logged before (idempotent: tests build
    several apps)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, StdoutHandler)]:
        root.removeHandler(handler)
    handler = StdoutHandler("stderr" if click.get_current_context(silent=True) else "stdout")
    handler.addFilter(RequestFields())
    if app.config.get("LOG_FORMAT") == "text":
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL") or "INFO")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # noise at start
    app.logger.removeHandler(default_handler)  # Flask's own stderr handler: ours is enough
    if app.config.get("ACCESS_LOG", True):
        app.before_request(_start_clock)
        app.after_request(_access_line)


def _start_clock() -> None:
    g.refnet_started = time.perf_counter()


def _access_line(response):
    started = g.get("refnet_started")
    duration = None if started is None else round((time.perf_counter() - started) * 1000, 1)
    ACCESS.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={"status": response.status_code, "duration_ms": duration},
    )
    return response
