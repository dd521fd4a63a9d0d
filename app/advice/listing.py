"""The lists of advice requests: asked by my members, asked of them, their specialty pools,
or (coordinators and admins) the whole network; open requests counted per list."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from app import fields as f
from app.advice.access import in_pool_of, visible_advice
from app.extensions import db
from app.models import OPEN_ADVICE, AdviceRequest, Role, User
from app.refusals import Invalid
from app.threads.unread import unread_advice_column

PRACTITIONER_BOXES = ("asked", "received", "pool")
BOX_LABELS = {
    "asked": "Asked by me",
    "received": "Asked of me",
    "pool": "My specialty pools",
    "all": "All in the network",
}
PER_PAGE = 25


def boxes_of(user: User) -> tuple[str, ...]:
    return PRACTITIONER_BOXES if user.role == Role.PRACTITIONER else ("all",)


def _in_box(user: User, box: str) -> Select:
    query = visible_advice(user)
    ids = user.member_ids or [0]
    if box == "asked":
        return query.where(AdviceRequest.asker_id.in_(ids))
    if box == "received":
        return query.where(AdviceRequest.asked_member_id.in_(ids))
    if box == "pool":
        return query.where(in_pool_of(ids))
    return query


def read_box(user: User, value) -> str:
    boxes = boxes_of(user)
    box = value or boxes[0]
    if box not in boxes:
        raise Invalid("There is no such list.", {"box": f"box must be one of: {', '.join(boxes)}."})
    return box


def open_counts(user: User) -> dict[str, int]:
    """How many open requests each of the user's lists holds (one COUNT per list)."""
    counts = {}
    for box in boxes_of(user):
        subquery = _in_box(user, box).where(AdviceRequest.status.in_(OPEN_ADVICE)).subquery()
        counts[box] = db.session.scalar(select(func.count()).select_from(subquery))
    return counts


def advice_page(user: User, box: str, args) -> tuple[list[tuple[AdviceRequest, int]], int, bool]:
    """One page of a list, newest first, each request with its unread messages; the page
    number and whether another page follows."""
    problems = f.FieldProblems()
    page = f.query_integer(problems, "page", args.get("page"), low=1, high=f.MAX_PAGE) or 1
    if problems:
        raise Invalid("There is no such page of this list.", problems)
    query = (
        _in_box(user, box)
        .add_columns(unread_advice_column(user))
        .order_by(AdviceRequest.asked_at.desc(), AdviceRequest.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    )
    rows = [(row[0], row[1]) for row in db.session.execute(query)]
    return rows[:PER_PAGE], page, len(rows) > PER_PAGE
