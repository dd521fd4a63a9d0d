"""Referrals: the transition table and status rules, the verbs, their pages.

The models load first, whatever module of this package is imported: app/models/referral.py
reads status_rules while the models load, so without this line importing status_rules on
its own would make it meet itself half-made (a circular import).
"""

import app.models  # noqa: F401
