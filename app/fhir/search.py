"""Search of ServiceRequest and Task: by patient, status, _lastUpdated, with _count and a
cursor for paging (keyset on the referral id: pages stay fast and stable as rows change)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.audit.service import record
from app.extensions import db
from app.fhir import codes
from app.fhir.ids import parse_id
from app.fhir.mapping_referral import REFERRAL_COLUMNS, service_request, task
from app.fhir.outcome import FhirError
from app.fhir.reads import referral_table, visible_clinical

SEARCHABLE = {"ServiceRequest": service_request, "Task": task}
STATUS_MAPS = {"ServiceRequest": codes.SERVICE_REQUEST_STATUS, "Task": codes.TASK_STATUS}
PARAMETERS = ("patient", "status", "_lastUpdated", "_count", "_cursor")
IGNORED = ("_format", "_pretty")
DEFAULT_COUNT, MAX_COUNT = 50, 500
PREFIXES = ("eq", "gt", "ge", "lt", "le")


@dataclass
class Page:
    resources: list[dict]
    next_cursor: int | None


def _bad(diagnostics: str, parameter: str) -> FhirError:
    return FhirError(400, diagnostics, expression=parameter)


def _patient(value: str) -> int:
    logical = value.removeprefix("Patient/")
    parsed = parse_id("Patient", logical)
    if parsed is None:
        raise _bad(f"patient must be Patient/pat-<id> or pat-<id>, not {value!r}.", "patient")
    return parsed[1]


def _statuses(resource_type: str, value: str) -> list[str]:
    mapping = STATUS_MAPS[resource_type]
    wanted = {code.strip() for code in value.split(",") if code.strip()}
    unknown = wanted - set(mapping.values())
    if unknown or not wanted:
        known = ", ".join(sorted(set(mapping.values())))
        raise _bad(f"status of a {resource_type} is one of {known}.", "status")
    return [status.value for status, code in mapping.items() if code in wanted]


def _moment(text: str) -> tuple[datetime, datetime]:
    """The instant or the span a FHIR date(Time) names: [start, end)."""
    try:
        if len(text) == 4:
            start = datetime(int(text), 1, 1, tzinfo=UTC)
            return start, start.replace(year=start.year + 1)
        if len(text) == 10:
            start = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return start, start + timedelta(days=1)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _bad(
            f"_lastUpdated needs a FHIR date or dateTime, not {text!r}.", "_lastUpdated"
        ) from exc
    if value.tzinfo is None:
        raise _bad("_lastUpdated with a time needs a time zone (e.g. Z).", "_lastUpdated")
    value = value.astimezone(UTC)
    return value, value + timedelta(microseconds=1)


def _range(column, prefix: str, start: datetime, end: datetime):
    """The condition of one _lastUpdated value: the instant or span [start, end)."""
    if prefix == "gt":
        return column >= end
    if prefix == "ge":
        return column >= start
    if prefix == "lt":
        return column < start
    if prefix == "le":
        return column < end
    return (column >= start) & (column < end)


def _last_updated(values: list[str]) -> list:
    conditions = []
    for value in values:
        prefix, text = "eq", value
        if value[:2].isalpha():
            prefix, text = value[:2], value[2:]
            if prefix not in PREFIXES:
                raise _bad(
                    f"_lastUpdated takes the prefixes {', '.join(PREFIXES)}.", "_lastUpdated"
                )
        start, end = _moment(text)
        conditions.append(_range(referral_table.c.updated_at, prefix, start, end))
    return conditions


def _positive_int(value: str, parameter: str, most: int | None = None) -> int:
    if not value.isdigit() or int(value) < 1 or len(value) > 18:
        raise _bad(f"{parameter} must be a whole number of at least 1.", parameter)
    return min(int(value), most) if most else int(value)


def search(user, resource_type: str, args) -> Page:
    """One page of the caller's ServiceRequests or Tasks matching `args` (a MultiDict)."""
    build = SEARCHABLE[resource_type]
    for name in args:
        if name not in PARAMETERS and name not in IGNORED:
            supported = ", ".join(PARAMETERS)
            raise _bad(
                f"refnet does not support the search parameter {name!r} ({supported}).", name
            )
    c = referral_table.c
    conditions = visible_clinical(user)
    for value in args.getlist("patient"):
        conditions.append(c.client_id == _patient(value))
    for value in args.getlist("status"):
        conditions.append(c.status.in_(_statuses(resource_type, value)))
    conditions.extend(_last_updated(args.getlist("_lastUpdated")))
    count = DEFAULT_COUNT
    if "_count" in args:
        count = _positive_int(args["_count"], "_count", MAX_COUNT)
    if "_cursor" in args:
        conditions.append(c.id > _positive_int(args["_cursor"], "_cursor"))
    statement = (
        select(*(c[name] for name in REFERRAL_COLUMNS))
        .where(*conditions)
        .order_by(c.id)
        .limit(count + 1)
    )
    rows = db.session.execute(statement).all()
    more = len(rows) > count
    rows = rows[:count]
    if rows:
        ids = ",".join(str(row.id) for row in rows)
        record("search", "referral", None, user=user, detail=f"fhir {resource_type}: {ids}")
    return Page([build(row) for row in rows], rows[-1].id if more else None)
