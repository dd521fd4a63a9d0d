"""Referral lists (pages and API alike): filters read strictly, keyset pages on (sent_at, id).

Keyset pages stay as fast on the thousandth page as on the first and never skip or repeat
a referral when new ones arrive meanwhile. Each filter maps onto an index of `referral`:
(receiver_id|sender_id|network_id, status, sent_at).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Select, and_, func, or_, select
from werkzeug.datastructures import MultiDict

from app.dashboard.service import StatusCounts
from app.extensions import db
from app.models import Priority, Referral, Role, Status, User
from app.referrals.access import visible_referrals
from app.referrals.errors import InvalidReferral

BOXES = ("inbox", "outbox", "all")
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
MAX_ID = 2**31 - 1
# The query parameters a `next` link carries over (never arbitrary names into url_for).
FILTER_PARAMS = ("box", "status", "priority", "member_id", "sent_from", "sent_to", "limit", "sort")


@dataclass(frozen=True)
class ReferralFilter:
    box: str
    statuses: tuple[Status, ...]
    priorities: tuple[Priority, ...]
    member_id: int | None
    sent_from: datetime | None
    sent_before: datetime | None  # exclusive
    limit: int
    after: tuple[datetime, int] | None
    newest_first: bool = True


def encode_cursor(referral: Referral) -> str:
    raw = f"{referral.sent_at.isoformat()}|{referral.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    if len(cursor) > 120:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, ident = raw.split("|")
        moment, number = datetime.fromisoformat(stamp), int(ident)
    except (ValueError, binascii.Error):
        return None
    if moment.tzinfo is None or not 0 < number <= MAX_ID or not 2000 <= moment.year <= 2200:
        return None
    return moment.astimezone(UTC), number


def _values(args: MultiDict, name: str) -> list[str]:
    """Repeated (?status=a&status=b) and comma-separated (?status=a,b) alike."""
    return [part.strip() for value in args.getlist(name) for part in value.split(",") if part]


def _enums(args: MultiDict, name: str, cls: type[StrEnum], problems: dict) -> tuple:
    found = []
    for value in _values(args, name):
        try:
            found.append(cls(value))
        except ValueError:
            problems[name] = (
                f"Unknown {name} “{value[:40]}”: use {', '.join(e.value for e in cls)}."
            )
    return tuple(dict.fromkeys(found))


def _integer(args: MultiDict, name: str, low: int, high: int, problems: dict) -> int | None:
    value = args.get(name)
    if value in (None, ""):
        return None
    if (
        not value.isascii()
        or not value.isdigit()
        or len(value) > 10
        or not low <= int(value) <= high
    ):
        problems[name] = f"{name} must be a whole number from {low} to {high}."
        return None
    return int(value)


def _moment(args: MultiDict, name: str, end_of_day: bool, problems: dict) -> datetime | None:
    """A date (midnight UTC; the end of the day for sent_to) or a date-time (UTC if no offset)."""
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            start = datetime.combine(date.fromisoformat(value), time(), UTC)
            return start + timedelta(days=1) if end_of_day else start
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems[name] = f"{name} must be a date like 2026-05-04 or a date-time with offset."
        return None
    if not 2000 <= parsed.year <= 2200:
        problems[name] = f"{name} is out of range."
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    # sent_to is inclusive; the query compares with "before", one microsecond later.
    return parsed.astimezone(UTC) + (timedelta(microseconds=1) if end_of_day else timedelta())


def parse_filter(user: User, args: MultiDict, default_limit: int = DEFAULT_LIMIT) -> ReferralFilter:
    """Read the query string; anything unknown or out of range is a 422 naming the field."""
    problems: dict[str, str] = {}
    practitioner = user.role == Role.PRACTITIONER
    box = args.get("box") or ("inbox" if practitioner else "all")
    if box not in BOXES:
        problems["box"] = "box must be inbox, outbox or all."
    elif box != "all" and not practitioner:
        problems["box"] = "Only practitioners have an inbox and an outbox: use box=all."
    member_id = _integer(args, "member_id", 1, MAX_ID, problems)
    if member_id is not None and box in ("inbox", "outbox") and member_id not in user.member_ids:
        problems["member_id"] = "You do not act for this member."
    limit = _integer(args, "limit", 1, MAX_LIMIT, problems)
    sort = args.get("sort") or "newest"
    if sort not in ("newest", "oldest"):
        problems["sort"] = "sort must be newest or oldest."
    after = None
    if args.get("cursor"):
        after = decode_cursor(args["cursor"])
        if after is None:
            problems["cursor"] = "The cursor is not one this API gave out."
    flt = ReferralFilter(
        box=box,
        statuses=_enums(args, "status", Status, problems),
        priorities=_enums(args, "priority", Priority, problems),
        member_id=member_id,
        sent_from=_moment(args, "sent_from", False, problems),
        sent_before=_moment(args, "sent_to", True, problems),
        limit=limit or default_limit,
        after=after,
        newest_first=sort != "oldest",
    )
    if problems:
        raise InvalidReferral("The list could not be filtered. Check the parameters.", problems)
    return flt


def _in(column, values: Iterable) -> object:
    values = list(values)
    return column == values[0] if len(values) == 1 else column.in_(values)


def _filtered(user: User, flt: ReferralFilter) -> Select:
    query = visible_referrals(user)
    mine = [flt.member_id] if flt.member_id is not None else user.member_ids
    if flt.box == "inbox":
        query = query.where(_in(Referral.receiver_id, mine or [0]))
    elif flt.box == "outbox":
        query = query.where(_in(Referral.sender_id, mine or [0]))
    elif flt.member_id is not None:
        query = query.where(
            or_(Referral.sender_id == flt.member_id, Referral.receiver_id == flt.member_id)
        )
    if flt.statuses:
        query = query.where(_in(Referral.status, flt.statuses))
    if flt.priorities:
        query = query.where(_in(Referral.priority, flt.priorities))
    if flt.sent_from is not None:
        query = query.where(Referral.sent_at >= flt.sent_from)
    if flt.sent_before is not None:
        query = query.where(Referral.sent_at < flt.sent_before)
    return query


def referrals_query(user: User, flt: ReferralFilter) -> Select:
    """One page (limit + 1 rows, to know whether another follows)."""
    query = _filtered(user, flt)
    if flt.after is not None:
        sent_at, ident = flt.after
        if flt.newest_first:
            after = or_(
                Referral.sent_at < sent_at, and_(Referral.sent_at == sent_at, Referral.id < ident)
            )
        else:
            after = or_(
                Referral.sent_at > sent_at, and_(Referral.sent_at == sent_at, Referral.id > ident)
            )
        query = query.where(after)
    if flt.newest_first:
        query = query.order_by(Referral.sent_at.desc(), Referral.id.desc())
    else:
        query = query.order_by(Referral.sent_at.asc(), Referral.id.asc())
    return query.limit(flt.limit + 1)


def page_of(user: User, flt: ReferralFilter) -> tuple[list[Referral], str | None]:
    """The referrals of one page and the cursor of the next (None on the last page)."""
    rows = list(db.session.scalars(referrals_query(user, flt)))
    following = encode_cursor(rows[flt.limit - 1]) if len(rows) > flt.limit else None
    return rows[: flt.limit], following


def status_counts(user: User, flt: ReferralFilter) -> StatusCounts:
    """Counts per status of the list without its status filter (for the page's tabs)."""
    inner = _filtered(user, replace(flt, statuses=())).subquery()
    rows = db.session.execute(select(inner.c.status, func.count()).group_by(inner.c.status))
    return StatusCounts({Status(s): n for s, n in rows})


def carried_args(args: MultiDict) -> dict[str, list[str]]:
    return {name: args.getlist(name) for name in FILTER_PARAMS if name in args}
