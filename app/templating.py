"""Template filters and globals: dates in the network's words, status labels."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask, g, url_for
from flask_login import current_user
from werkzeug.datastructures import iter_multi_items

from app.followup.rules import STAGE_LABELS
from app.members.forms import MEMBER_KIND_LABELS
from app.models import (
    OPEN_STATUSES,
    REASON_CODE_LABELS,
    AdviceStatus,
    Member,
    MemberKind,
    Priority,
    ReasonCode,
    ReferralEvent,
    Role,
    Status,
    utcnow,
)
from app.models.advice import ADVICE_STATUS_LABELS
from app.referrals.states import TRANSITIONS, Party
from app.referrals.status_rules import FORWARDED_LABEL, SENDER_SIDE_LABELS, STATUS_LABELS
from app.referrals.vocabulary import PRIORITY_LABELS, Vocabulary, words, words_of_network
from app.threads.places import SIDE_LABELS

# Steps refnet takes itself (expiry); only these say "by refnet" when no person acted.
SYSTEM_STEPS = frozenset(t.action.value for t in TRANSITIONS.values() if Party.SYSTEM in t.parties)


def format_datetime(value: datetime | None, tz: str = "UTC") -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(tz)).strftime("%d %b %Y, %H:%M")


def format_date(value: date | datetime | None, tz: str = "UTC") -> str:
    """A day; a moment is first put in the network's timezone, so it keeps its local day."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(tz))
    return value.strftime("%d %b %Y")


def viewer_words() -> Vocabulary | None:
    """The words of the viewer's networks when they all carry one kind (a lawyer's lists
    and charts say "Met", not "Visited"); None when they mix kinds, or for admins."""
    if "viewer_words" not in g:
        user = current_user
        if not user or not user.is_authenticated or user.role == Role.ADMIN:
            networks = []
        elif user.role == Role.PRACTITIONER:
            networks = [m.network for m in user.members]
        else:
            networks = list(user.networks)
        found = {words_of_network(n.kind) for n in networks}
        g.viewer_words = found.pop() if len(found) == 1 else None
    return g.viewer_words


def status_label(status, kind=None) -> str:
    """A status in the words of the referral's kind (or of the viewer's networks)."""
    vocabulary = words(kind) if kind is not None else viewer_words()
    return vocabulary.status(status) if vocabulary else STATUS_LABELS[Status(status)]


def referral_status_label(referral) -> str:
    """The referral's status as its reader sees it: "Forwarded" for a forwarded decline,
    otherwise in the words of its kind."""
    if referral.display_status == "forwarded":
        return FORWARDED_LABEL
    if referral.status in SENDER_SIDE_LABELS and _acts_for(referral.sender_id):
        return SENDER_SIDE_LABELS[referral.status]  # the referral waits on this reader
    return status_label(referral.status, referral.kind)


# The characters werkzeug's url_for leaves as they are in a query string.
_QUERY_SAFE = "!$'()*,/:;?@"


def list_url(*parts: Mapping[str, Any]) -> str:
    """The referral list's address with the query values of `parts` (in order), written as
    url_for writes it, with url_for called once per request (a list has a dozen tabs)."""
    prefix = g.get("list_url_prefix")
    if prefix is None:
        prefix = g.list_url_prefix = url_for("referrals.index")
    items = [(k, v) for part in parts for k, v in iter_multi_items(part) if v is not None]
    return f"{prefix}?{urlencode(items, safe=_QUERY_SAFE)}" if items else prefix


def referral_url(referral_id: int) -> str:
    """The referral page's address, for list rows: url_for once per request, then the id."""
    prefix = g.get("referral_url_prefix")
    if prefix is None:
        one = url_for("referrals.detail", referral_id=1)
        prefix = g.referral_url_prefix = one.removesuffix("1")
    return f"{prefix}{int(referral_id)}"


def stage_label(stage: str) -> str:
    """What a referral waits for at a follow-up stage: an answer, the visit, the outcome."""
    return STAGE_LABELS.get(stage, stage)


def _acts_for(member_id: int) -> bool:
    """Whether the viewer acts for this member (read once per request)."""
    acting = g.get("acting_member_ids")
    if acting is None:
        user = current_user._get_current_object()
        practitioner = user and user.is_authenticated and user.role == Role.PRACTITIONER
        acting = g.acting_member_ids = frozenset(user.member_ids if practitioner else ())
    return member_id in acting


def present_rows(rows: list) -> list:
    """The text of a list's rows (app/referrals/list_rows.py WITH_PARTIES), from the helpers
    above, set on each row in one pass: the rows template then reads attributes rather
    than calling a helper per cell, most of a list page's rendering (docs/performance.md)."""
    for row in rows:
        row.url = referral_url(row.id)
        row.forwarded_url = referral_url(row.forwarded_to_id) if row.forwarded_to_id else None
        row.priority_text = priority_label(row.priority)
        row.status_text = referral_status_label(row)
        row.sent_text = format_datetime(row.sent_at, row.timezone)
    return rows


def priority_label(priority) -> str:
    return PRIORITY_LABELS[Priority(priority)]


def member_kind_label(kind) -> str:
    return MEMBER_KIND_LABELS[MemberKind(kind)]


def step_label(event: ReferralEvent, kind) -> str:
    """ "Sent by Dr Okafor"; "Expired" for refnet's own steps ("by refnet"); a step recorded
    with no person (imported or demo history) names nobody rather than refnet."""
    step = words(kind).step(event.action)
    if event.actor is not None:
        return f"{step} by {event.actor.name}"
    return f"{step} by refnet" if event.action in SYSTEM_STEPS else step


def can_send_to(member: Member) -> bool:
    """Whether the viewer may send a referral to this member (a link, not the rule: the
    service decides on sending)."""
    user = current_user
    if not user.is_authenticated or user.role != Role.PRACTITIONER:
        return False
    own = [m for m in user.members if m.active]
    return (
        member.active
        and member.accepting
        and member.id not in {m.id for m in own}
        and member.network_id in {m.network_id for m in own}
    )


def open_statuses() -> str:
    """The open statuses as a list filter (?status=sent,accepted,…), in the enum's order."""
    return ",".join(s.value for s in Status if s in OPEN_STATUSES)


def moment_ago(days: int) -> str:
    """A moment `days` ago, as a list filter takes it (2026-11-26T10:00:00Z)."""
    return (utcnow() - timedelta(days=days)).isoformat(timespec="seconds").replace("+00:00", "Z")


def side_label(side: str) -> str:
    return SIDE_LABELS.get(side, side)


def advice_status_label(status) -> str:
    return ADVICE_STATUS_LABELS[AdviceStatus(status)]


def percent(value: float | None) -> str:
    """A share as the reports show it: 45.3%, or — when there is none. A function, not a
    macro: the network report calls it tens of thousands of times (6,000 members)."""
    return "—" if value is None else f"{round(100 * value, 1)}%"


def hours_figure(value: float | None) -> str:
    """Hours to one decimal (12.5), or — when nothing was timed."""
    return "—" if value is None else str(round(value, 1))


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    # Filters rather than globals: a filter is called directly, a global through the
    # template context (the network report formats 48,000 figures).
    app.jinja_env.filters["pct"] = percent
    app.jinja_env.filters["hours"] = hours_figure
    app.jinja_env.globals.update(
        status_label=status_label,
        referral_status_label=referral_status_label,
        referral_url=referral_url,
        list_url=list_url,
        words=words,
        priority_label=priority_label,
        stage_label=stage_label,
        member_kind_label=member_kind_label,
        step_label=step_label,
        reason_code_label=lambda code: REASON_CODE_LABELS[ReasonCode(code)],
        can_send_to=can_send_to,
        open_statuses=open_statuses,
        moment_ago=moment_ago,
        Status=Status,
        side_label=side_label,
        advice_status_label=advice_status_label,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
