"""Which link a referral is credited to: the touches a first-party cookie carries.

The cookie `refnet_touch` (signed with SECRET_KEY, HttpOnly, SameSite=Lax) lists the last
MAX_TOUCHES visits of this browser: (link id, visit id, moment). When an intake is sent,
the link whose page was filled in decides: its window (days) bounds the touches that count,
and its touch model picks the first or the last of those that lead to the same target
member. No touch in the window: the link itself is credited, with no visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app.extensions import db
from app.fields import MAX_ID
from app.models import LinkAttribution, LinkVisit, ReferralLink, Touch

COOKIE = "refnet_touch"
SALT = "refnet.link-touch"
MAX_TOUCHES = 10
# The cookie outlives the longest window a link may have.
COOKIE_DAYS = 365


@dataclass(frozen=True)
class TouchMark:
    link_id: int
    visit_id: int
    at: datetime


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def read_touches(cookie_value: str | None) -> list[TouchMark]:
    """The touches of a cookie, oldest first; a forged or malformed cookie has none."""
    if not cookie_value or len(cookie_value) > 4000:
        return []
    try:
        payload = _serializer().loads(cookie_value)
    except BadSignature:
        return []
    if not isinstance(payload, list):
        return []
    touches = []
    for entry in payload[-MAX_TOUCHES:]:
        if not (isinstance(entry, list) and len(entry) == 3):
            continue
        link_id, visit_id, at = entry
        if not all(isinstance(v, int) and 0 < v <= MAX_ID for v in (link_id, visit_id)):
            continue
        if not isinstance(at, int) or at < 0:
            continue
        touches.append(TouchMark(link_id, visit_id, datetime.fromtimestamp(at, UTC)))
    return touches


def with_touch(touches: list[TouchMark], visit: LinkVisit) -> str:
    """The cookie's new value: the touches so far and this visit, newest last."""
    kept = [*touches, TouchMark(visit.link_id, visit.id, visit.at)][-MAX_TOUCHES:]
    return _serializer().dumps([[t.link_id, t.visit_id, int(t.at.timestamp())] for t in kept])


def set_touch_cookie(response, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(timedelta(days=COOKIE_DAYS).total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        path="/r",
    )


def credit(link: ReferralLink, touches: list[TouchMark], now: datetime) -> LinkAttribution:
    """The attribution of an intake through `link` (not yet bound to a referral)."""
    since = now - timedelta(days=link.window_days)
    recent = [t for t in touches if since <= t.at <= now]
    same_target = set()
    if recent:
        same_target = set(
            db.session.scalars(
                select(ReferralLink.id).where(
                    ReferralLink.id.in_({t.link_id for t in recent}),
                    ReferralLink.target_member_id == link.target_member_id,
                )
            )
        )
    # A visit id from a cookie is trusted only when it is that link's visit.
    candidates = [t for t in recent if t.link_id in same_target]
    if candidates:
        rows = db.session.execute(
            select(LinkVisit.id, LinkVisit.link_id).where(
                LinkVisit.id.in_({t.visit_id for t in candidates})
            )
        )
        known = {(visit_id, link_id) for visit_id, link_id in rows}
        candidates = [t for t in candidates if (t.visit_id, t.link_id) in known]
    if not candidates:
        return LinkAttribution(link_id=link.id, touch=link.touch, visit_id=None, at=now)
    chosen = candidates[0] if link.touch == Touch.FIRST else candidates[-1]
    return LinkAttribution(
        link_id=chosen.link_id, touch=link.touch, visit_id=chosen.visit_id, at=chosen.at
    )
