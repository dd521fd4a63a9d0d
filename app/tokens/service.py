"""The verbs on personal API tokens: create, revoke, verify.

A token is shown to its owner once; only its SHA-256 is stored, so a copy of the database
does not hand out access.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from app.audit.service import record
from app.auth.acting import Acting
from app.auth.policy import NO_ACCESS, own_record, own_records
from app.extensions import db
from app.fields import refused_character
from app.models import ApiToken, Member, User, utcnow
from app.models.user import acting_user_options, user_member, user_network
from app.refusals import Forbidden, NotFound

# A recognisable prefix lets secret scanners and people tell a refnet token at a glance.
TOKEN_PREFIX = "rn_"  # noqa: S105 - a public marker, not a secret
PREFIX_LENGTH = 11  # "rn_" and 8 characters: enough to tell a user's tokens apart
MAX_TOKEN_LENGTH = 200
# last_used_at is written at most this often: one UPDATE per minute, not per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """A token could not be created or revoked; the message is for the person."""


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str, *, actor: User | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`, made by that user (or by the operator at the shell); returns
    the row and the secret (which is not stored)."""
    if actor is not None and actor.id != user.id:
        raise Forbidden("A token is made by the user it belongs to.")
    name = " ".join((name or "").split())
    if not name:
        raise TokenError("Give the token a name, e.g. the script that will use it.")
    if refused_character(name):
        raise TokenError("The name contains characters that are not allowed.")
    if len(name) > 80:
        raise TokenError("The name can have at most 80 characters.")
    if not user.active:
        raise TokenError(f"{user.email} is deactivated and cannot get a token.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, token_hash=hash_token(secret), prefix=secret[:PREFIX_LENGTH]
    )
    db.session.add(token)
    db.session.flush()
    record("create", "api_token", token.id, user=actor or user, detail=f"user={user.id}")
    return token, secret


def revoke_token(token: ApiToken, *, actor: User | None = None) -> None:
    """Refuse the token from now on; revoking twice changes nothing. Only its owner (or the
    operator at the shell, actor None) revokes it."""
    if actor is not None and actor.id != token.user_id:
        raise NotFound(NO_ACCESS)
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    record("revoke", "api_token", token.id, user=actor or token.user)


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, the newest first."""
    return own_records(user, ApiToken, ApiToken.created_at.desc(), ApiToken.id.desc())


def token_of(user: User, token_id: int) -> ApiToken:
    """One of this user's tokens; NotFound for other users' (they may not know it exists)."""
    token = own_record(user, ApiToken, token_id)
    if token is None:
        raise NotFound(NO_ACCESS)
    return token


def verify_token(secret: str, *, now: datetime | None = None) -> User | None:
    """The active user a live token belongs to, or None. Notes when it was last used.

    The caller commits (the API commits the note at once, whatever the request does next).
    """
    if not secret or len(secret) > MAX_TOKEN_LENGTH or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == hash_token(secret))
            .options(joinedload(ApiToken.user).options(*acting_user_options()))
        )
        .unique()
        .one_or_none()
    )
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = now or utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    return token.user


# Built once: a token's check runs on every API request.
_ACTING = (
    select(
        ApiToken.id,
        ApiToken.last_used_at,
        ApiToken.revoked_at,
        User.id.label("user_id"),
        User.role,
        User.active,
        user_member.c.member_id,
        Member.network_id.label("member_network_id"),
        user_network.c.network_id,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(user_member, user_member.c.user_id == User.id)
    .outerjoin(Member, Member.id == user_member.c.member_id)
    .outerjoin(user_network, user_network.c.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def acting_for_token(secret: str, *, now: datetime | None = None) -> tuple[Acting, bool] | None:
    """Who a live token of an active user acts as (ids only), and whether its use was noted
    now; None for any other token. Like `verify_token`, last_used_at is written with an
    UPDATE at most once a minute (the caller commits it). One small SELECT: the token, its
    user, the user's members and networks.
    """
    if not secret or len(secret) > MAX_TOKEN_LENGTH or not secret.startswith(TOKEN_PREFIX):
        return None
    rows = db.session.connection().execute(_ACTING, {"token_hash": hash_token(secret)}).all()
    if not rows or rows[0].revoked_at is not None or not rows[0].active:
        return None
    first = rows[0]
    now = now or utcnow()
    noted = first.last_used_at is None or now - first.last_used_at >= LAST_USED_RESOLUTION
    if noted:
        db.session.execute(update(ApiToken).where(ApiToken.id == first.id).values(last_used_at=now))
    acting = Acting(
        id=first.user_id,
        role=first.role,
        member_ids=sorted({r.member_id for r in rows if r.member_id is not None}),
        coordinated_network_ids=sorted({r.network_id for r in rows if r.network_id is not None}),
        member_network_ids=sorted(
            {r.member_network_id for r in rows if r.member_network_id is not None}
        ),
    )
    return acting, noted
