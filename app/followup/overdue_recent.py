"""Overdue counts for the dashboards, recounted at most every OVERDUE_COUNTS_MAX_AGE seconds.

A count of the overdue referrals of every network reads each waiting referral's index entry
(100,000 at a million referrals: tens of milliseconds). The dashboards show the figure with
the moment it was counted, so a process keeps it for a short while instead of recounting on
every view; the worklist and the reminder engine always count afresh (app/followup/overdue.py).
"""

from __future__ import annotations

import threading
from datetime import datetime

from flask import current_app

from app.extensions import db
from app.followup.overdue import count_overdue

_lock = threading.Lock()
_kept: dict[tuple, tuple[datetime, dict[str, int]]] = {}
_MAX_KEYS = 512


def recent_overdue_counts(
    network_ids: list[int] | None, now: datetime
) -> tuple[dict[str, int], datetime]:
    """(overdue per stage, when counted) for these networks, at most max-age seconds old."""
    max_age = float(current_app.config.get("OVERDUE_COUNTS_MAX_AGE", 0))
    key = (str(db.engine.url), None if network_ids is None else tuple(sorted(network_ids)))
    with _lock:
        kept = _kept.get(key)
    if max_age > 0 and kept is not None and 0 <= (now - kept[0]).total_seconds() < max_age:
        return kept[1], kept[0]
    counts = count_overdue(network_ids, now)
    if max_age > 0:
        with _lock:
            if len(_kept) >= _MAX_KEYS:
                _kept.clear()
            _kept[key] = (now, counts)
    return counts, now
