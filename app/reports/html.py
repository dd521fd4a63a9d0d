"""The network report's member table rows as HTML, built in Python.

Rendered by Jinja, the 6,000 rows of a large network took most of the page's template time
(about 60 µs a row: an attribute lookup, a filter call and an escape per cell). Here each
row is one f-string, every text escaped as the template escaped it (Markup.format, which
escapes for itself, was slower than the template); the HTML is the same,
byte for byte, as the loop it replaces in templates/reports/network.html (a test compares
them). The rest of the page stays in the template.
"""

from __future__ import annotations

from flask import url_for
from markupsafe import Markup, escape

from app.reports.health import Health
from app.reports.members import MemberFigures
from app.templating import hours_figure, percent


def member_urls():
    """url_for("members.profile", member_id=…) for many members: the URL is built once and
    each id put in its place (building each costs about 15 µs). Same text as url_for."""
    marker = 987654321
    head, tail = url_for("members.profile", member_id=marker).split(str(marker))
    return lambda member_id: f"{head}{int(member_id)}{tail}"


def _health_cell(found: Health | None) -> str:
    if found is None:
        return ""
    light = escape(found.light)
    cell = f'<span class="badge health-{light}">{light}</span>'
    if found.reasons:
        cell += f'<small class="reasons">{escape("; ".join(found.reasons))}</small>'
    return cell


def _row(r: MemberFigures, found: Health | None, url: str) -> str:
    """One row as the template wrote it (whitespace included), every text escaped."""
    inactive, deactivated = ("", "") if r.active else _INACTIVE
    value = "—" if r.value_given is None else escape(r.value_given)
    return (
        f"      <tr{inactive}>\n"
        f'        <th scope="row"><a href="{escape(url)}">{escape(r.member_name)}</a>'
        f"{deactivated}</th>\n"
        f"        <td>{_health_cell(found)}</td>\n"
        f'        <td class="num">{r.given}</td><td class="num">{r.received}</td>'
        f'<td class="num">{r.balance}</td>\n'
        f'        <td class="num">{percent(r.give_share)}</td>'
        f'<td class="num">{percent(r.accepted_rate)}</td>'
        f'<td class="num">{percent(r.visited_rate)}</td>\n'
        f'        <td class="num">{percent(r.closed_rate)}</td>'
        f'<td class="num">{percent(r.closed_loop_rate)}</td>\n'
        f'        <td class="num">{hours_figure(r.median_hours_to_answer)}</td>'
        f'<td class="num">{hours_figure(r.median_hours_to_visit)}</td>'
        f'<td class="num">{hours_figure(r.median_hours_to_close)}</td>\n'
        f'        <td class="num">{value}</td>\n'
        f"      </tr>\n"
    )


_INACTIVE = (' class="inactive"', " <small>(deactivated)</small>")


def member_rows_html(rows: list[MemberFigures], health: dict[int, Health]) -> Markup:
    """Every row of the member table (name, health, figures), in the order given."""
    profile_url = member_urls()
    html = "".join(_row(r, health.get(r.member_id), profile_url(r.member_id)) for r in rows)
    # Safe: _row escapes every text it puts in (names, reasons, the URL, the value); the
    # numbers and the shares' and hours' figures are formatted here.
    return Markup(html)  # noqa: S704
