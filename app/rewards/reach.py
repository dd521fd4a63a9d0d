"""Which referrals a programme could have converted, and by which channel they came.

Until links record their own attribution this is the referrals the programme rewarded;
app/links replaces it with the referrals attributed to links in the programme's scope.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from app.models import Programme, Reward


def reached_referrals(programme: Programme) -> Select:
    """SELECT id: the referrals attributed to a link of the programme's scope."""
    return select(Reward.referral_id.label("id")).where(Reward.programme_id == programme.id)


def channel_counts(programme: Programme) -> list[dict]:
    return []
