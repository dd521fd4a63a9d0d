"""The network report's tables as rows: what the CSV and JSON downloads carry."""

from __future__ import annotations

from app.reports.health import Health
from app.reports.network import NETWORK_COLUMNS
from app.reports.service import NetworkReport

TABLES = (
    "members",
    "network",
    "months",
    "pairs",
    "matrix",
    "never_give",
    "lapsed",
    "reasons",
    "advice",
    "leaderboard",  # empty unless the network shows it (network.show_leaderboard)
)


def member_rows(report: NetworkReport | None, health: dict[int, Health], rows=None) -> list[dict]:
    """The member table's rows (these `rows`, or the report's), each with its health."""
    out = []
    for figures in rows if rows is not None else report.members:
        row = figures.as_row()
        light = health.get(figures.member_id)
        row["health"] = light.light if light else None
        row["health_reasons"] = "; ".join(light.reasons) if light else ""
        out.append(row)
    return out


def table_rows(report: NetworkReport, health: dict[int, Health], table: str) -> list[dict]:
    if table == "members":
        return member_rows(report, health)
    if table == "network":
        return [{k: report.figures.as_dict()[k] for k in NETWORK_COLUMNS}]
    if table == "months":
        return [m.as_row() for m in report.figures.months]
    if table == "pairs":
        return [p.as_row() for p in report.pairs]
    if table == "matrix":
        return report.matrix.as_rows()
    if table == "never_give":
        return [
            {"member_id": r.member_id, "member_name": r.member_name, "received": r.received}
            for r in report.receive_never_give
        ]
    if table == "lapsed":
        return report.lapsed
    if table == "reasons":
        return [r.as_row() for r in report.reasons]
    if table == "advice":
        return [report.advice.as_row()]
    if table == "leaderboard":
        board = report.recognition.leaderboard if report.recognition else None
        return [r.as_row() for r in board or []]
    raise KeyError(table)
