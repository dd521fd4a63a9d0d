"""The coordinators' worklist: every overdue referral of the networks a user manages, by what
it waits for, with filters, sorting, numbered pages and a CSV of the same rows.

Rows come from app/followup/overdue.py (the same rule as the dashboards' counts); names of
members and networks are read for the rows shown only. No client data is read here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app import fields as f
from app.auth.policy import managed_network_ids, manages_network
from app.extensions import db
from app.followup.overdue import Overdue, overdue_referrals, rules_for
from app.followup.rules import STAGES
from app.models import Member, Network, Priority, Role, User
from app.models.referral import FROM_OWN_LINK
from app.refusals import Forbidden, Invalid

PER_PAGE = 50
# The CSV holds at most this many rows (narrow the filters for more).
CSV_LIMIT = 10_000
# Sort keys of the worklist, each with its label; the first is the default.
SORTS = {
    "late": "Most late first",
    "recent": "Least late first",
    "priority": "Most urgent first",
    "id": "Referral number",
}
PRIORITY_ORDER = {p: n for n, p in enumerate((Priority.STAT, Priority.ASAP, Priority.URGENT))}


@dataclass(frozen=True)
class WorklistQuery:
    """What the worklist shows: empty filters do not filter."""

    network_id: int | None = None
    stages: tuple[str, ...] = STAGES
    priorities: tuple[Priority, ...] = ()
    receiver: str = ""
    sort: str = "late"
    page: int = 1


@dataclass(frozen=True)
class WorklistRow:
    overdue: Overdue
    network: str
    sender: str
    receiver: str
    business_days_late: int
    days_waiting: int
    tz: str  # the network's timezone: deadlines are shown in it

    @property
    def referral_id(self) -> int:
        return self.overdue.referral_id


@dataclass
class Worklist:
    rows: list[WorklistRow]
    total: int
    counts: dict[str, int]
    page: int
    pages: int
    networks: list[Network] = field(default_factory=list)

    def by_stage(self) -> list[tuple[str, list[WorklistRow]]]:
        """The page's rows, grouped by what they wait for (answer, visit, outcome)."""
        return [
            (stage, [r for r in self.rows if r.overdue.stage == stage])
            for stage in STAGES
            if any(r.overdue.stage == stage for r in self.rows)
        ]


def _values(args, name: str) -> list[str]:
    return [part.strip() for value in args.getlist(name) for part in value.split(",") if part]


def parse_worklist_query(args) -> WorklistQuery:
    """Read the query string through app/fields.py; anything wrong is a 422 naming it."""
    problems = f.FieldProblems()
    network_id = f.query_integer(problems, "network", args.get("network"), low=1, high=f.MAX_ID)
    stages = tuple(dict.fromkeys(_values(args, "stage")))
    if any(stage not in STAGES for stage in stages):
        problems["stage"] = "stage must be answer, visit or outcome."
    priorities = []
    for value in _values(args, "priority"):
        try:
            priorities.append(Priority(value))
        except ValueError:
            known = ", ".join(p.value for p in Priority)
            problems["priority"] = f"Unknown priority “{value[:40]}”: use {known}."
    receiver = f.search_text(problems, "receiver", args.get("receiver"), max_len=100).strip()
    sort = args.get("sort") or "late"
    if sort not in SORTS:
        problems["sort"] = "sort must be " + ", ".join(SORTS) + "."
    page = f.query_integer(problems, "page", args.get("page"), low=1, high=f.MAX_PAGE)
    if problems:
        raise Invalid("The worklist could not be filtered. Check the parameters.", problems)
    return WorklistQuery(
        network_id=network_id,
        stages=stages or STAGES,
        priorities=tuple(dict.fromkeys(priorities)),
        receiver=receiver,
        sort=sort,
        page=page or 1,
    )


def _scope(actor: User | None, query: WorklistQuery) -> list[int] | None:
    """The networks whose rows the actor sees: admins all, coordinators their own."""
    if actor is not None and actor.role not in (Role.ADMIN, Role.COORDINATOR):
        raise Forbidden("The worklist is for the networks' coordinators and admins.")
    if query.network_id is not None:
        if not manages_network(actor, query.network_id):
            raise Invalid(
                "The worklist could not be filtered.", {"network": "You do not manage it."}
            )
        return [query.network_id]
    return managed_network_ids(actor)


def _receiver_ids(network_ids: list[int] | None, term: str) -> list[int] | None:
    if not term:
        return None
    query = select(Member.id).where(
        func.lower(Member.name).like(f.contains_pattern(term), escape="\\")
    )
    if network_ids is not None:
        query = query.where(Member.network_id.in_(network_ids))
    return list(db.session.scalars(query))


def _sorted(found: list[Overdue], sort: str) -> list[Overdue]:
    if sort == "recent":
        key = lambda o: (-o.deadline.timestamp(), o.referral_id)  # noqa: E731
    elif sort == "priority":
        key = lambda o: (PRIORITY_ORDER.get(o.priority, 9), o.deadline, o.referral_id)  # noqa: E731
    elif sort == "id":
        key = lambda o: o.referral_id  # noqa: E731
    else:
        key = lambda o: (o.deadline, o.referral_id)  # noqa: E731
    # Grouped by what each waits for, in the stages' order; sorted within each group.
    return sorted(found, key=lambda o: (STAGES.index(o.stage), key(o)))


def _overdue(actor: User | None, query: WorklistQuery, now: datetime):
    network_ids = _scope(actor, query)
    rules = rules_for(network_ids)
    receiver_ids = _receiver_ids(network_ids, query.receiver)
    if receiver_ids == []:
        return [], rules
    found = overdue_referrals(
        network_ids, now, stages=query.stages, receiver_ids=receiver_ids, rules=rules
    )
    if query.priorities:
        found = [o for o in found if o.priority in query.priorities]
    return _sorted(found, query.sort), rules


def _names(model, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        i: n for i, n in db.session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    }


def _rows(found: list[Overdue], rules, now: datetime) -> list[WorklistRow]:
    names = _names(Member, {o.sender_id for o in found} | {o.receiver_id for o in found})
    networks = _names(Network, {o.network_id for o in found})
    return [
        WorklistRow(
            overdue=o,
            network=networks.get(o.network_id, ""),
            sender=names.get(o.sender_id, FROM_OWN_LINK),
            receiver=names.get(o.receiver_id, ""),
            business_days_late=rules[o.network_id].business_days_between(o.deadline, now),
            days_waiting=(now - o.started_at).days,
            tz=rules[o.network_id].timezone.key,
        )
        for o in found
    ]


def worklist(actor: User | None, query: WorklistQuery, now: datetime) -> Worklist:
    """One page of the worklist of the networks `actor` manages (practitioners: Forbidden)."""
    found, rules = _overdue(actor, query, now)
    counts = {stage: sum(1 for o in found if o.stage == stage) for stage in STAGES}
    pages = max(1, -(-len(found) // PER_PAGE))
    start = (query.page - 1) * PER_PAGE
    ids = managed_network_ids(actor)
    networks = db.session.scalars(
        select(Network)
        .where(Network.id.in_(ids) if ids is not None else True)
        .order_by(Network.name)
    )
    return Worklist(
        rows=_rows(found[start : start + PER_PAGE], rules, now),
        total=len(found),
        counts=counts,
        page=query.page,
        pages=pages,
        networks=list(networks),
    )


CSV_COLUMNS = (
    "referral_id",
    "network",
    "stage",
    "priority",
    "sender",
    "receiver",
    "deadline",
    "business_days_late",
)


def worklist_csv(actor: User | None, query: WorklistQuery, now: datetime) -> str:
    """The worklist's rows (every page, at most CSV_LIMIT) as CSV: the minimum necessary, no
    client name and no reason. Cells that a spreadsheet would run as a formula are quoted."""
    found, rules = _overdue(actor, query, now)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in _rows(found[:CSV_LIMIT], rules, now):
        o = row.overdue
        writer.writerow(
            [
                o.referral_id,
                _cell(row.network),
                o.stage,
                o.priority.value,
                _cell(row.sender),
                _cell(row.receiver),
                o.deadline.isoformat(timespec="minutes"),
                row.business_days_late,
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    """A name as a CSV cell that no spreadsheet runs (CSV injection: =, +, -, @ first)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
