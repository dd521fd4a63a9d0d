"""Inbox, outbox and network lists: filters, counts per status, keyset pages."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time

from sqlalchemy import Select, func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from app.dashboard.service import StatusCounts
from app.extensions import db
from app.models import Priority, Referral, Role, Status, User
from app.referrals.access import visible_referrals

BOXES = ("inbox", "outbox", "all")


@dataclass(frozen=True)
class ListFilter:
    box: str = "inbox"
    status: Status | None = None
    priority: Priority | None = None
    member_id: int | None = None
    sent_from: date | None = None
    sent_to: date | None = None
    newest_first: bool = True
    cursor: str | None = None
    problems: dict[str, str] = field(default_factory=dict, compare=False)


def parse_filter(user: User, args) -> ListFilter:
    """Read the list's query string; unknown values are reported, not guessed."""
    problems: dict[str, str] = {}
    default_box = "inbox" if user.role == Role.PRACTITIONER else "all"
    box = args.get("box") or default_box
    if box not in BOXES:
        problems["box"] = "Choose inbox, outbox or all."
        box = default_box

    def enum(name, cls):
        value = args.get(name)
        if not value:
            return None
        try:
            return cls(value)
        except ValueError:
            problems[name] = f"Unknown {name}: choose one of {', '.join(e.value for e in cls)}."
            return None

    def day(name):
        value = args.get(name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems[name] = "Give a date like 2026-05-04."
            return None

    member_id = None
    if args.get("member_id"):
        try:
            member_id = int(args["member_id"])
        except ValueError:
            problems["member_id"] = "Choose a member."
    sort = args.get("sort", "newest")
    if sort not in ("newest", "oldest"):
        problems["sort"] = "Sort by newest or oldest."
    return ListFilter(
        box=box,
        status=enum("status", Status),
        priority=enum("priority", Priority),
        member_id=member_id,
        sent_from=day("sent_from"),
        sent_to=day("sent_to"),
        newest_first=sort != "oldest",
        cursor=args.get("cursor") or None,
        problems=problems,
    )


def _scoped(user: User, flt: ListFilter) -> Select:
    query = visible_referrals(user)
    ids = user.member_ids if user.role == Role.PRACTITIONER else []
    if flt.box == "inbox":
        query = query.where(Referral.receiver_id.in_(ids))
    elif flt.box == "outbox":
        query = query.where(Referral.sender_id.in_(ids))
    if flt.member_id is not None:
        query = query.where(
            or_(Referral.sender_id == flt.member_id, Referral.receiver_id == flt.member_id)
        )
    if flt.priority is not None:
        query = query.where(Referral.priority == flt.priority)
    if flt.sent_from is not None:
        query = query.where(Referral.sent_at >= datetime.combine(flt.sent_from, time(), UTC))
    if flt.sent_to is not None:
        query = query.where(Referral.sent_at < datetime.combine(flt.sent_to, time.max, UTC))
    return query


def status_counts_for(user: User, flt: ListFilter) -> StatusCounts:
    """Counts per status of the list without its status filter (for the tabs)."""
    inner = _scoped(user, replace(flt, status=None)).subquery()
    rows = db.session.execute(select(inner.c.status, func.count()).group_by(inner.c.status))
    return StatusCounts({Status(s): n for s, n in rows})


def encode_cursor(referral: Referral) -> str:
    raw = f"{referral.sent_at.isoformat()}|{referral.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, ident = raw.split("|")
        moment = datetime.fromisoformat(stamp)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), int(ident)
    except (ValueError, UnicodeDecodeError):
        return None


def page_of(user: User, flt: ListFilter, limit: int = 25) -> tuple[list[Referral], str | None]:
    """One page, keyset-paginated on (sent_at, id): as fast on page 1,000 as on page 1."""
    query = _scoped(user, flt)
    if flt.status is not None:
        query = query.where(Referral.status == flt.status)
    if flt.cursor:
        position = decode_cursor(flt.cursor)
        if position is not None:
            key = tuple_(Referral.sent_at, Referral.id)
            query = query.where(key < position if flt.newest_first else key > position)
    if flt.newest_first:
        query = query.order_by(Referral.sent_at.desc(), Referral.id.desc())
    else:
        query = query.order_by(Referral.sent_at.asc(), Referral.id.asc())
    query = query.options(
        selectinload(Referral.client),
        selectinload(Referral.sender),
        selectinload(Referral.receiver),
    )
    rows = list(db.session.scalars(query.limit(limit + 1)))
    following = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], following
