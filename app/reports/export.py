"""Tables as CSV or JSON, the same for downloads, the API and the CLI.

Shares are written as decimals with 4 places, hours with 2, money as written; None is an
empty CSV cell and a JSON null.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def as_csv(rows: list[dict], columns: list[str] | tuple[str, ...] | None = None) -> str:
    columns = list(columns or (rows[0].keys() if rows else []))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    # Ten thousand rows for the CLI: names bound once, _safe only for text that could be a
    # formula (the same cells as calling it on each).
    cell, safe, risky = _cell, _safe, RISKY
    writerow = writer.writerow
    for row in rows:
        texts = [cell(row.get(c)) for c in columns]
        writerow([safe(t) if t[:1] in risky else t for t in texts])
    return out.getvalue()


RISKY = frozenset(("=", "+", "-", "@", "\t", "\r"))


def _safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @ before a name) is quoted with
    a leading apostrophe; numbers (negative balances) stay numbers."""
    if text[:1] in RISKY and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def plain(value):
    """A value JSON can carry: Decimal money as a string, like the API's amounts."""
    if isinstance(value, Decimal):
        return str(value)
    return value


def as_json(rows) -> str:
    return json.dumps(rows, default=plain, indent=2)
