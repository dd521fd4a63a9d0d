"""Reciprocity and network reports: the one home of the figures (DESIGN.md, Reciprocity).

Pages, the JSON API, the CLI and the CSV/JSON downloads all call `app.reports.service`;
the figures are SQL aggregates in `members.py`, `network.py`, `pairs.py` and `partners.py`,
each over a `Scope` (`scope.py`): one network, a period of `sent_at`, a kind.
"""
