"""Shares and medians, defined once (None where the denominator is 0 or nothing was timed)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return float(statistics.median(values)) if values else None


def gini(values: Iterable[int]) -> float | None:
    """Gini coefficient: 0 when all are equal, towards 1 when one takes everything.

    G = Σ_i Σ_j |x_i - x_j| / (2 n² mean), computed from the sorted values."""
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if n == 0 or total == 0:
        return None
    weighted = sum((i + 1) * x for i, x in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n
