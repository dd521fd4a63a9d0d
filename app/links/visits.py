"""Visits of a link: when, through which channel, from which (hashed) address and browser.

No raw address is stored: `address_hash` is HMAC-SHA256 of the address under a key derived
from SECRET_KEY, so equal addresses can be counted (fraud signals) while the hash cannot be
reversed by trying the 2**32 IPv4 addresses without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from flask import current_app

from app.extensions import db
from app.models import LinkChannel, LinkVisit, ReferralLink

# Longest first where one names another in its user agent (Edge says Chrome and Safari).
_BROWSERS = (
    ("bot", re.compile(r"bot|crawl|spider|slurp|preview|curl|wget|python", re.I)),
    ("edge", re.compile(r"Edg(e|A|iOS)?/")),
    ("opera", re.compile(r"OPR/|Opera")),
    ("samsung", re.compile(r"SamsungBrowser/")),
    ("firefox", re.compile(r"Firefox/|FxiOS/")),
    ("chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("safari", re.compile(r"Safari/")),
)


def _address_key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else secret.encode()
    return hmac.new(secret, b"refnet.link-visit-address", hashlib.sha256).digest()


def address_hash(address: str) -> str:
    return hmac.new(_address_key(), address.encode(), hashlib.sha256).hexdigest()


def browser_family(user_agent: str | None) -> str:
    agent = (user_agent or "")[:512]
    if not agent:
        return "unknown"
    for family, pattern in _BROWSERS:
        if pattern.search(agent):
            return family
    return "other"


def channel_of(tag) -> LinkChannel:
    """`?c=` of a share button; anything else is an untagged visit."""
    try:
        channel = LinkChannel(tag)
    except ValueError:
        return LinkChannel.DIRECT
    return channel


def record_visit(
    link: ReferralLink, channel: LinkChannel, address: str, user_agent: str | None, now: datetime
) -> LinkVisit:
    visit = LinkVisit(
        link_id=link.id,
        at=now,
        channel=channel,
        address_hash=address_hash(address),
        browser_family=browser_family(user_agent),
    )
    db.session.add(visit)
    db.session.flush()
    return visit
