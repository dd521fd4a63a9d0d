"""Template filters and globals: dates in the network's words, status labels."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from app.models import Status

STATUS_LABELS = {
    Status.SENT: "Waiting for answer",
    Status.ACCEPTED: "Accepted",
    Status.DECLINED: "Declined",
    Status.SCHEDULED: "Visit scheduled",
    Status.VISITED: "Visited",
    Status.CLOSED: "Closed",
    Status.CANCELLED: "Cancelled",
    Status.EXPIRED: "Expired",
}


def format_datetime(value: datetime | None, tz: str = "UTC") -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz)).strftime("%d %b %Y, %H:%M")


def format_date(value: date | datetime | None, tz: str = "UTC") -> str:
    """A day; a moment is first put in the network's timezone, so it keeps its local day."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz))
    return value.strftime("%d %b %Y")


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.globals["status_label"] = lambda s: STATUS_LABELS[Status(s)]
    app.jinja_env.globals["Status"] = Status
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
