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
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import joinedload, lazyload
from werkzeug.datastructures import MultiDict

from app import fields as f
from app.auth.acting import Acting
from app.auth.policy import managed_network_ids
from app.extensions import db
from app.models import Member, Priority, Referral, Role, Status, User
from app.referrals.access import visible_condition, visible_values
from app.referrals.counts import StatusCounts
from app.referrals.day_counts import status_counts_in
from app.referrals.errors import InvalidReferral
from app.referrals.list_rows import SUMMARY, ListRow, RowShape

BOXES = ("inbox", "outbox", "all")
FORWARDED = "forwarded"  # a status as shown: declined, with a forwarded copy
_copy = Referral.__table__.alias("forward_copy")
# Lists are Core statements on the table's columns: the ORM adds nothing to plain rows.
_r = Referral.__table__.c
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
# The query parameters a `next` link carries over (never arbitrary names into url_for).
FILTER_PARAMS = ("box", "status", "priority", "member_id", "sent_from", "sent_to", "limit", "sort")


# The dashboard's waiting list (ORM referrals) loads what it renders in its one SELECT
# (joins of many-to-one relationships), so it costs the same number of statements at 10
# rows as at 100. Members come without their specialties, which no list shows. The list
# pages and the API select plain rows instead (app/referrals/list_rows.py).
ROWS_WITH_PARTIES = (
    joinedload(Referral.client),
    # The row shows the time in the sender's network's zone.
    joinedload(Referral.sender).options(
        joinedload(Member.network), lazyload(Member.specialty_list)
    ),
    joinedload(Referral.receiver).options(
        joinedload(Member.network), lazyload(Member.specialty_list)
    ),
)


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
    # status=forwarded: declined referrals that were forwarded. With it, or without
    # `declined`, a list shows forwarded and plainly declined referrals apart, as they read.
    forwarded: bool = False

    @property
    def shown_status(self) -> str | None:
        """The one status (as shown: forwarded included) this list is filtered to, if one."""
        chosen = self.shown_statuses
        return chosen[0] if len(chosen) == 1 else None

    @property
    def shown_statuses(self) -> list[str]:
        """Every status (as shown) this list is filtered to, for the filter form to keep."""
        return [s.value for s in self.statuses] + (["forwarded"] if self.forwarded else [])


def encode_cursor(referral: Referral | ListRow) -> str:
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
    if moment.tzinfo is None or not 0 < number <= f.MAX_ID or not 2000 <= moment.year <= 2200:
        return None
    return moment.astimezone(UTC), number


def _values(args: MultiDict, name: str) -> list[str]:
    """Repeated (?status=a&status=b) and comma-separated (?status=a,b) alike."""
    return [part.strip() for value in args.getlist(name) for part in value.split(",") if part]


def _enums(
    args: MultiDict, name: str, cls: type[StrEnum], problems: dict, also: tuple[str, ...] = ()
) -> tuple:
    """The values as members of `cls`; `also` are further words the filter understands."""
    found = []
    for value in _values(args, name):
        try:
            found.append(cls(value))
        except ValueError:
            known = ", ".join([*(e.value for e in cls), *also])
            problems[name] = f"Unknown {name} “{value[:40]}”: use {known}."
    return tuple(dict.fromkeys(found))


def parse_filter(
    user: User | Acting, args: MultiDict, default_limit: int = DEFAULT_LIMIT
) -> ReferralFilter:
    """Read the query string; anything unknown or out of range is a 422 naming the field."""
    problems: dict[str, str] = {}
    practitioner = user.role == Role.PRACTITIONER
    box = args.get("box") or ("inbox" if practitioner else "all")
    if box not in BOXES:
        problems["box"] = "box must be inbox, outbox or all."
    elif box != "all" and not practitioner:
        problems["box"] = "Only practitioners have an inbox and an outbox: use box=all."
    member_id = f.query_integer(problems, "member_id", args.get("member_id"), low=1, high=f.MAX_ID)
    if member_id is not None and box in ("inbox", "outbox") and member_id not in user.member_ids:
        problems["member_id"] = "You do not act for this member."
    limit = f.query_integer(problems, "limit", args.get("limit"), low=1, high=MAX_LIMIT)
    sort = args.get("sort") or "newest"
    if sort not in ("newest", "oldest"):
        problems["sort"] = "sort must be newest or oldest."
    after = None
    if args.get("cursor"):
        after = decode_cursor(args["cursor"])
        if after is None:
            problems["cursor"] = "The cursor is not one this API gave out."
    forwarded = FORWARDED in _values(args, "status")
    statuses = MultiDict([("status", v) for v in _values(args, "status") if v != FORWARDED])
    flt = ReferralFilter(
        box=box,
        statuses=_enums(statuses, "status", Status, problems, also=(FORWARDED,)),
        forwarded=forwarded,
        priorities=_enums(args, "priority", Priority, problems),
        member_id=member_id,
        sent_from=f.query_moment(problems, "sent_from", args.get("sent_from")),
        sent_before=f.query_moment(problems, "sent_to", args.get("sent_to"), end_of_day=True),
        limit=limit or default_limit,
        after=after,
        newest_first=sort != "oldest",
    )
    if problems:
        raise InvalidReferral("The list could not be filtered. Check the parameters.", problems)
    return flt


# A list's statement is built once for each structure (the role, the box, which filters are
# set) and reused: its values (the viewer's members, the dates, the cursor) travel as
# parameters. A request then neither rebuilds the expression nor has SQLAlchemy recompute
# its cache key, about a third of a list's time in Python (docs/performance.md).
_BOX = bindparam("box_members", expanding=True)
_MEMBER = bindparam("member_id")
_FROM = bindparam("sent_from")
_BEFORE = bindparam("sent_before")
_AFTER_AT = bindparam("after_sent_at")
_AFTER_ID = bindparam("after_id")
_LIMIT = bindparam("row_limit")
_TAB_COUNTS = "tab_counts"


@dataclass(frozen=True)
class _Structure:
    """What makes one list's SQL differ from another's; values are parameters."""

    role: Role
    box: str
    by_member: bool
    statuses: tuple[Status, ...]
    forwarded: bool
    priorities: tuple[Priority, ...]
    from_date: bool
    before_date: bool

    @classmethod
    def of(cls, user: User | Acting, flt: ReferralFilter) -> _Structure:
        return cls(
            role=Role(user.role),
            box=flt.box,
            by_member=flt.member_id is not None,
            statuses=flt.statuses,
            forwarded=flt.forwarded,
            priorities=flt.priorities,
            from_date=flt.sent_from is not None,
            before_date=flt.sent_before is not None,
        )


def _parameters(user: User | Acting, flt: ReferralFilter) -> dict[str, object]:
    """The values of a list's statement for this user and filter."""
    mine = [flt.member_id] if flt.member_id is not None else list(user.member_ids)
    values: dict[str, object] = {
        **visible_values(user),
        "box_members": mine or [0],
        "member_id": flt.member_id,
        "sent_from": flt.sent_from,
        "sent_before": flt.sent_before,
        "viewer_id": user.id,
        "row_limit": flt.limit + 1,
    }
    if flt.after is not None:
        values["after_sent_at"], values["after_id"] = flt.after
    return values


def _in(column, values: Iterable) -> object:
    values = list(values)
    return column == values[0] if len(values) == 1 else column.in_(values)


@lru_cache(maxsize=512)
def _conditions(structure: _Structure) -> tuple[ColumnElement[bool], ...]:
    """The WHERE of the list: what the user may see, narrowed by the filter."""
    visible = visible_condition(structure.role)
    conditions = [] if visible is None else [visible]
    if structure.box == "inbox":
        conditions.append(_r.receiver_id.in_(_BOX))
    elif structure.box == "outbox":
        conditions.append(_r.sender_id.in_(_BOX))
    elif structure.by_member:
        conditions.append(or_(_r.sender_id == _MEMBER, _r.receiver_id == _MEMBER))
    if structure.statuses or structure.forwarded:
        conditions.append(_status_condition(structure.statuses, structure.forwarded))
    if structure.priorities:
        conditions.append(_in(_r.priority, structure.priorities))
    if structure.from_date:
        conditions.append(_r.sent_at >= _FROM)
    if structure.before_date:
        conditions.append(_r.sent_at < _BEFORE)
    return tuple(conditions)


def _status_condition(statuses: tuple[Status, ...], forwarded: bool):
    """The statuses as shown: `declined` alone is declined and not forwarded."""
    has_copy = exists().where(_copy.c.forwarded_from_id == _r.id)
    conditions = []
    plain = [s for s in statuses if s != Status.DECLINED]
    if plain:
        conditions.append(_in(_r.status, plain))
    declined = Status.DECLINED in statuses
    if declined and forwarded:
        conditions.append(_r.status == Status.DECLINED)
    elif declined:
        conditions.append(and_(_r.status == Status.DECLINED, ~has_copy))
    elif forwarded:
        conditions.append(and_(_r.status == Status.DECLINED, has_copy))
    return conditions[0] if len(conditions) == 1 else or_(*conditions)


@lru_cache(maxsize=512)
def _page_statement(
    structure: _Structure, shape: RowShape, paged: bool, newest_first: bool
) -> Select:
    query = select(*shape.columns).select_from(shape.source).where(*_conditions(structure))
    if paged:
        if newest_first:
            after = or_(_r.sent_at < _AFTER_AT, and_(_r.sent_at == _AFTER_AT, _r.id < _AFTER_ID))
        else:
            after = or_(_r.sent_at > _AFTER_AT, and_(_r.sent_at == _AFTER_AT, _r.id > _AFTER_ID))
        query = query.where(after)
    if newest_first:
        query = query.order_by(_r.sent_at.desc(), _r.id.desc())
    else:
        query = query.order_by(_r.sent_at.asc(), _r.id.asc())
    return query.limit(_LIMIT)


def page_of(
    user: User | Acting, flt: ReferralFilter, shape: RowShape = SUMMARY
) -> tuple[list[ListRow], str | None]:
    """The rows of one page and the cursor of the next (None on the last page).

    `shape` says which columns the caller renders (app/referrals/list_rows.py): WITH_PARTIES
    for the pages, SUMMARY for the API.
    """
    statement = _page_statement(
        _Structure.of(user, flt), shape, flt.after is not None, flt.newest_first
    )
    return _rows_of(statement, user, flt)


def _rows_of(
    statement: Select, user: User | Acting, flt: ReferralFilter
) -> tuple[list[ListRow], str | None]:
    result = db.session.connection().execute(statement, _parameters(user, flt))
    keys = list(result.keys())
    rows = [ListRow(dict(zip(keys, row, strict=True))) for row in result]
    following = encode_cursor(rows[flt.limit - 1]) if len(rows) > flt.limit else None
    return rows[: flt.limit], following


@lru_cache(maxsize=512)
def _counts_statement(structure: _Structure) -> Select:
    # A declined referral was forwarded when a copy links back to it; CASE asks the copies'
    # index only for the declined ones.
    forwarded = case(
        (_r.status != Status.DECLINED, None),
        (exists().where(_copy.c.forwarded_from_id == _r.id), 1),
    )
    return (
        select(_r.status, func.count().label("n"), func.count(forwarded).label("forwarded"))
        .where(*_conditions(structure))
        .group_by(_r.status)
    )


@lru_cache(maxsize=512)
def _page_with_counts_statement(
    structure: _Structure, shape: RowShape, paged: bool, newest_first: bool
) -> Select:
    """The page's statement with the tabs' counts as one more column ("sent:12:0,declined:3:1"):
    an uncorrelated subquery, which the database computes once for the statement
    (PostgreSQL's InitPlan; SQLite keeps its result), so a list page is one statement and
    one round trip, not two."""
    counts = _counts_statement(replace(structure, statuses=(), forwarded=False)).subquery()
    each = (
        cast(counts.c.status, String)
        + ":"
        + cast(counts.c.n, String)
        + ":"
        + cast(counts.c.forwarded, String)
    )
    summary = select(func.aggregate_strings(each, ",")).scalar_subquery().label(_TAB_COUNTS)
    return _page_statement(structure, shape, paged, newest_first).add_columns(summary)


def _counts_of(summary: str) -> StatusCounts:
    counts = StatusCounts()
    for part in summary.split(","):
        status, n, forwarded = part.split(":")
        counts.by_status[Status(status)] = int(n)
        counts.forwarded += int(forwarded)
    return counts


def page_and_counts(
    user: User, flt: ReferralFilter, shape: RowShape
) -> tuple[list[ListRow], str | None, StatusCounts]:
    """A list page's rows, the cursor of the next page and the tabs' counts (tab_counts), in
    one statement where the counts come from the list's own referrals."""
    if _whole_networks(user, flt):
        rows, following = page_of(user, flt, shape)
        return rows, following, tab_counts(user, flt)
    statement = _page_with_counts_statement(
        _Structure.of(user, flt), shape, flt.after is not None, flt.newest_first
    )
    rows, following = _rows_of(statement, user, flt)
    if not rows:  # no row to carry the counts (a filter that matches nothing, say)
        return rows, following, tab_counts(user, flt)
    return rows, following, _counts_of(rows[0].__dict__.pop(_TAB_COUNTS))


def _whole_networks(user: User, flt: ReferralFilter) -> bool:
    """Whether the list is every referral of the networks the user looks after."""
    whole_networks = user.role in (Role.COORDINATOR, Role.ADMIN) and flt.box == "all"
    unfiltered = not (flt.priorities or flt.member_id or flt.sent_from or flt.sent_before)
    return whole_networks and unfiltered


def tab_counts(user: User, flt: ReferralFilter) -> StatusCounts:
    """Counts per status of the list without its status filter (for the page's tabs), and
    how many of the declined ones were forwarded.

    A coordinator's or admin's whole list comes from the day counts and the forwarded
    copies' index, not from counting every referral of the networks; a narrower list is
    counted through its indexes, in one statement.
    """
    if _whole_networks(user, flt):
        networks = managed_network_ids(user)
        counts = status_counts_in(networks)
        # Each forward made exactly one copy, in the same network as the declined original.
        copies = select(func.count()).where(_r.forwarded_from_id.is_not(None))
        if networks is not None:
            copies = copies.where(_r.network_id.in_(networks))
        counts.forwarded = db.session.scalar(copies) if counts.by_status.get(Status.DECLINED) else 0
        return counts
    unfiltered_status = replace(flt, statuses=(), forwarded=False)
    rows = db.session.connection().execute(
        _counts_statement(_Structure.of(user, unfiltered_status)),
        _parameters(user, unfiltered_status),
    )
    counts = StatusCounts()
    for status, n, copies in rows:
        counts.by_status[Status(status)] = n
        counts.forwarded += copies
    return counts


def carried_args(args: MultiDict) -> dict[str, list[str]]:
    return {name: args.getlist(name) for name in FILTER_PARAMS if name in args}
