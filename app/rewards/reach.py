"""Which referrals a programme could have converted, and by which channel they came: those
credited to a link of its scope (the network's links, or those to the member that runs it)
since the programme started."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import LinkAttribution, LinkConversion, LinkVisit, Programme, ReferralLink


def _in_scope(query: Select, programme: Programme) -> Select:
    query = query.join(ReferralLink, ReferralLink.id == LinkAttribution.link_id).where(
        ReferralLink.network_id == programme.network_id,
        LinkAttribution.at >= programme.created_at,
    )
    if programme.owner_member_id is not None:
        query = query.where(ReferralLink.target_member_id == programme.owner_member_id)
    return query


def reached_referrals(programme: Programme) -> Select:
    """SELECT id: the referrals credited to a link of the programme's scope."""
    return _in_scope(select(LinkAttribution.referral_id.label("id")), programme)


def channel_counts(programme: Programme) -> list[dict]:
    """Referrals and conversions (at the programme's stage) by the channel of the credited
    visit; `code` or `direct` when there was no tagged visit."""
    channel = func.coalesce(LinkVisit.channel, "direct")
    converted = func.count(LinkConversion.id)
    query = (
        select(channel, func.count(LinkAttribution.referral_id), converted)
        .select_from(LinkAttribution)
        .outerjoin(LinkVisit, LinkVisit.id == LinkAttribution.visit_id)
        .outerjoin(
            LinkConversion,
            (LinkConversion.referral_id == LinkAttribution.referral_id)
            & (LinkConversion.kind == programme.stage),
        )
    )
    query = _in_scope(query, programme).group_by(channel).order_by(channel)
    return [
        {"channel": str(c), "referrals": n, "converted": k} for c, n, k in db.session.execute(query)
    ]
