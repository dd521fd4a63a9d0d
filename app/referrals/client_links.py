"""The client's link: a signed, expiring address of their own page, bound to one referral.

A link is `/c/<token>`, the token signed with SECRET_KEY (itsdangerous, salt
"refnet.client-link") and carrying the referral's id, the nonce of its `client_link` row and
the moment it expires. It opens the page only while all three hold: the signature, the
nonce (a new nonce revokes every link sent before: `revoke_client_links`) and the expiry.
A link expires LINK_DAYS after the later of the moment it was made and the appointment it
was made for. It exists only when the client agreed to be contacted.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app.audit.service import record
from app.extensions import db
from app.fields import MAX_ID
from app.mail.links import external_url
from app.models import ClientLink, Referral, User, utcnow
from app.referrals.access import referral_for
from app.refusals import Forbidden, NotFound

SALT = "refnet.client-link"
LINK_DAYS = 60
NOTHING_HERE = "This link does not open anything."


class NoClientContact(Forbidden):
    """The client did not agree to be contacted (or gave no e-mail): no link, no e-mail."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def may_contact(referral: Referral) -> bool:
    """The client agreed to be contacted about their referrals and gave an e-mail address."""
    client = referral.client
    return bool(client.contact_consent and client.email)


def link_row(referral: Referral, *, lock: bool = False) -> ClientLink | None:
    query = select(ClientLink).where(ClientLink.referral_id == referral.id)
    if lock:  # a reply posted twice at once: the second waits, then finds the first
        query = query.with_for_update()
    return db.session.scalar(query)


def _row_for(referral: Referral) -> ClientLink:
    row = link_row(referral)
    if row is None:
        row = ClientLink(referral_id=referral.id, nonce=secrets.token_urlsafe(16))
        db.session.add(row)
        db.session.flush()
    return row


def link_expiry(referral: Referral, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    start = max(now, referral.appointment_at) if referral.appointment_at else now
    return start + timedelta(days=LINK_DAYS)


def client_token(referral: Referral, now: datetime | None = None) -> str:
    """A new token for the client's page of this referral (NoClientContact without consent)."""
    if not may_contact(referral):
        raise NoClientContact("The client has not agreed to be contacted by e-mail.")
    row = _row_for(referral)
    expires = int(link_expiry(referral, now).timestamp())
    return _serializer().dumps({"r": referral.id, "n": row.nonce, "e": expires})


def client_link(referral: Referral) -> str:
    """The absolute address (BASE_URL) of the client's page of this referral."""
    return external_url("client_page.page", token=client_token(referral))


def referral_of_token(token: str) -> tuple[Referral, ClientLink, datetime]:
    """The referral a token opens, its link row and when the token expires; NotFound when it
    is forged, tampered with, expired, revoked, or the client no longer agrees. Every one of
    these answers the same, so that a guess learns nothing."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise NotFound(NOTHING_HERE) from None
    if not isinstance(payload, dict):
        raise NotFound(NOTHING_HERE)
    referral_id, nonce, expires = payload.get("r"), payload.get("n"), payload.get("e")
    if not (isinstance(referral_id, int) and isinstance(nonce, str) and isinstance(expires, int)):
        raise NotFound(NOTHING_HERE)
    if not 0 < referral_id <= MAX_ID:
        raise NotFound(NOTHING_HERE)
    if expires <= utcnow().timestamp():
        raise NotFound(NOTHING_HERE)
    referral = db.session.get(Referral, referral_id)
    row = link_row(referral) if referral is not None else None
    if row is None or not hmac.compare_digest(row.nonce, nonce) or not may_contact(referral):
        raise NotFound(NOTHING_HERE)
    return referral, row, datetime.fromtimestamp(expires, tz=utcnow().tzinfo)


def revoke_client_links(referral: Referral) -> bool:
    """Every link sent so far stops opening the page; a later e-mail carries a new one.
    False when no link was ever made."""
    row = link_row(referral)
    if row is None:
        return False
    row.nonce = secrets.token_urlsafe(16)
    row.revoked_at = utcnow()
    return True


def client_token_for(actor: User, referral_id: int) -> str:
    """A token of the client's page, for a party of the referral who opens the page as the
    client sees it or gives its link by phone (NotFound for others; NoClientContact
    without consent)."""
    referral = referral_for(actor, referral_id)
    token = client_token(referral)
    record("client-link", "referral", referral.id, user=actor)
    return token


def stop_client_links(actor: User | None, referral_id: int) -> tuple[Referral, bool]:
    """A party of the referral (or the operator: actor None) stops the client's links, say
    when the client forwarded an e-mail by mistake. NotFound for anyone else."""
    if actor is None:
        referral = db.session.get(Referral, referral_id)
        if referral is None:
            raise NotFound("There is no such referral.")
    else:
        referral = referral_for(actor, referral_id)
    stopped = revoke_client_links(referral)
    record("revoke-client-link", "referral", referral.id, user=actor)
    return referral, stopped
