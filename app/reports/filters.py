"""Reading a report's filters from a query string (pages, downloads and API alike).

period: a preset (this_month, last_quarter, last_12_months) or custom with from/to days;
kind: all, clinical, professional; specialty: a member specialty; sort/dir: a column of the
member table (whitelisted). Each problem is named by its parameter; the caller answers 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app import fields as f
from app.models import ReferralKind
from app.reports.health import ORDER
from app.reports.scope import KINDS, PRESETS, Scope, days_scope, preset_days

# The member table's sortable columns: query value → what a row is ordered by.
SORTS = (
    "name",
    "health",
    "given",
    "received",
    "balance",
    "give_share",
    "accepted_rate",
    "visited_rate",
    "closed_rate",
    "closed_loop_rate",
    "median_hours_to_answer",
    "median_hours_to_visit",
    "median_hours_to_close",
    "value_given",
)


@dataclass
class Filters:
    period: str
    first: date
    last: date
    kind: str = "all"
    specialty: str = ""
    sort: str = "name"
    descending: bool = False

    def scope(self, network_id: int) -> Scope:
        kind = None if self.kind == "all" else ReferralKind(self.kind)
        return days_scope(
            network_id, self.first, self.last, kind=kind, specialty=self.specialty or None
        )

    def query(self, **changes) -> dict[str, str]:
        """The query string that reproduces these filters (links, downloads, sorting)."""
        args = {"period": self.period, "kind": self.kind, "sort": self.sort}
        if self.period == "custom":
            args.update({"from": self.first.isoformat(), "to": self.last.isoformat()})
        if self.specialty:
            args["specialty"] = self.specialty
        if self.descending:
            args["dir"] = "desc"
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}


def _day(problems: f.FieldProblems, name: str, value: str | None) -> date | None:
    moment = f.query_moment(problems, name, value)
    if moment is not None and len((value or "").strip()) != 10:
        problems[name] = f"{name} must be a date like 2026-01-31."
        return None
    return None if moment is None else moment.date()


def read_filters(args, today: date) -> tuple[Filters, f.FieldProblems]:
    problems = f.FieldProblems()
    period = (args.get("period") or "").strip()
    if not period:
        period = "custom" if args.get("from") or args.get("to") else "last_12_months"
    if period not in PRESETS:
        problems["period"] = f"period must be one of {', '.join(PRESETS)}."
        period = "last_12_months"
    if period == "custom":
        first = _day(problems, "from", args.get("from"))
        last = _day(problems, "to", args.get("to"))
        if first is None and "from" not in problems:
            problems["from"] = "Give the first day of the period (from)."
        if last is None and "to" not in problems:
            problems["to"] = "Give the last day of the period (to)."
        if first and last and last < first:
            problems["to"] = "The last day (to) is before the first (from)."
        if "from" in problems or "to" in problems:
            first, last = preset_days("last_12_months", today)
    else:
        first, last = preset_days(period, today)
    kind = (args.get("kind") or "all").strip()
    if kind not in KINDS:
        problems["kind"] = f"kind must be one of {', '.join(KINDS)}."
        kind = "all"
    specialty = f.search_text(problems, "specialty", args.get("specialty"), max_len=80)
    sort = (args.get("sort") or "name").strip()
    if sort not in SORTS:
        problems["sort"] = f"sort must be one of {', '.join(SORTS)}."
        sort = "name"
    direction = (args.get("dir") or "asc").strip()
    if direction not in ("asc", "desc"):
        problems["dir"] = "dir must be asc or desc."
        direction = "asc"
    found = Filters(period, first, last, kind, specialty, sort, direction == "desc")
    return found, problems


def sorted_rows(rows, health: dict, sort: str, descending: bool):
    """The member rows ordered by a whitelisted column; rows without a value last."""

    def value(row):
        if sort == "name":
            return row.member_name.lower()
        if sort == "health":
            found = health.get(row.member_id)
            return ORDER[found.light] if found else None
        return getattr(row, sort)

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    present.sort(key=lambda r: (value(r), r.member_id), reverse=descending)
    return present + missing
