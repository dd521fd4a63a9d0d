"""Figures of links: visits, leads and conversions per link, and a monthly series; SQL
aggregates over the links a user may see (never a loop over rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import ConversionKind, LinkAttribution, LinkChannel, LinkConversion, LinkVisit


def _month(column):
    """SQL: the UTC month of a moment, as 'YYYY-MM' (app/reports/sql.py does the same)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


@dataclass
class LinkFigures:
    visits: int = 0
    by_kind: dict[ConversionKind, int] = field(default_factory=dict)
    revenue: Decimal | None = None

    @property
    def leads(self) -> int:
        return self.by_kind.get(ConversionKind.LEAD, 0)

    def count(self, kind: str) -> int:
        return self.by_kind.get(ConversionKind(kind), 0)


def figures_of(link_ids: list[int]) -> dict[int, LinkFigures]:
    figures = {link_id: LinkFigures() for link_id in link_ids}
    if not link_ids:
        return figures
    visits = db.session.execute(
        select(LinkVisit.link_id, func.count())
        .where(LinkVisit.link_id.in_(link_ids))
        .group_by(LinkVisit.link_id)
    )
    for link_id, n in visits:
        figures[link_id].visits = n
    conversions = db.session.execute(
        select(
            LinkConversion.link_id,
            LinkConversion.kind,
            func.count(),
            func.sum(LinkConversion.value),
        )
        .where(LinkConversion.link_id.in_(link_ids))
        .group_by(LinkConversion.link_id, LinkConversion.kind)
    )
    for link_id, kind, n, revenue in conversions:
        figures[link_id].by_kind[ConversionKind(kind)] = n
        if kind == ConversionKind.CLOSED and revenue is not None:
            figures[link_id].revenue = Decimal(revenue)
    return figures


@dataclass
class Month:
    month: str
    visits: int = 0
    leads: int = 0
    closed: int = 0


def _last_months(now: datetime, count: int) -> list[str]:
    year, month = now.year, now.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def monthly(link_ids: list[int], now: datetime | None = None, count: int = 12) -> list[Month]:
    """Visits, leads and closed referrals per month, the last `count` months (UTC)."""
    now = now or datetime.now(UTC)
    months = {m: Month(m) for m in _last_months(now, count)}
    if not link_ids:
        return list(months.values())
    first = min(months)
    start = datetime(int(first[:4]), int(first[5:]), 1, tzinfo=UTC)
    month = _month(LinkVisit.at)
    for key, n in db.session.execute(
        select(month, func.count())
        .where(LinkVisit.link_id.in_(link_ids), LinkVisit.at >= start)
        .group_by(month)
    ):
        if key in months:
            months[key].visits = n
    month = _month(LinkConversion.at)
    for key, kind, n in db.session.execute(
        select(month, LinkConversion.kind, func.count())
        .where(
            LinkConversion.link_id.in_(link_ids),
            LinkConversion.at >= start,
            LinkConversion.kind.in_([ConversionKind.LEAD, ConversionKind.CLOSED]),
        )
        .group_by(month, LinkConversion.kind)
    ):
        if key in months:
            if ConversionKind(kind) == ConversionKind.LEAD:
                months[key].leads = n
            else:
                months[key].closed = n
    return list(months.values())


@dataclass
class ChannelFunnel:
    channel: LinkChannel
    visits: int = 0
    leads: int = 0
    accepted: int = 0
    closed: int = 0


def by_channel(link_ids: list[int]) -> list[ChannelFunnel]:
    """Visits per channel, and the conversions of the referrals whose credited visit came
    through that channel (an intake with no known visit counts as `direct`)."""
    funnels = {channel: ChannelFunnel(channel) for channel in LinkChannel}
    if not link_ids:
        return []
    for channel, n in db.session.execute(
        select(LinkVisit.channel, func.count())
        .where(LinkVisit.link_id.in_(link_ids))
        .group_by(LinkVisit.channel)
    ):
        funnels[LinkChannel(channel)].visits = n
    channel = func.coalesce(LinkVisit.channel, LinkChannel.DIRECT.value)
    for via, kind, n in db.session.execute(
        select(channel, LinkConversion.kind, func.count())
        .join(LinkAttribution, LinkAttribution.referral_id == LinkConversion.referral_id)
        .outerjoin(LinkVisit, LinkVisit.id == LinkAttribution.visit_id)
        .where(LinkConversion.link_id.in_(link_ids))
        .group_by(channel, LinkConversion.kind)
    ):
        funnel = funnels[LinkChannel(via)]
        name = ConversionKind(kind).value
        if name == "lead":
            funnel.leads = n
        elif name in ("accepted", "closed"):
            setattr(funnel, name, n)
    return [f for f in funnels.values() if f.visits or f.leads or f.accepted or f.closed]
