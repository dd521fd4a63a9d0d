"""The verbs on users: create, invite, set a password, update, deactivate."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.audit.service import record
from app.auth.passwords import hash_password, password_problem
from app.extensions import db
from app.mail.outbox import queue_email
from app.models import Member, Network, Role, User, utcnow


class UserError(ValueError):
    """A request about a user that cannot be carried out; `field` names the culprit."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _check_links(
    role: Role, members: list[Member], networks: list[Network], kept: list[Member] = ()
) -> None:
    if role == Role.PRACTITIONER and not members:
        raise UserError("A practitioner acts for at least one member.", "member_ids")
    if role == Role.COORDINATOR and not networks:
        raise UserError("A coordinator looks after at least one network.", "network_ids")
    # Links to members deactivated since are kept; new links to them are refused.
    if any(not m.active and m not in kept for m in members):
        raise UserError("A deactivated member cannot be given new users.", "member_ids")


def _load(model, ids: list[int], field: str):
    ids = sorted(set(ids))
    if not ids:
        return []
    rows = db.session.scalars(select(model).where(model.id.in_(ids))).all()
    if len(rows) != len(ids):
        raise UserError(f"Unknown {field.removesuffix('_ids')} id.", field)
    return list(rows)


def create_user(
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str | None = None,
    member_ids: list[int] = (),
    network_ids: list[int] = (),
    actor: User | None = None,
) -> User:
    """Create a login; without a password, the user sets one through an invitation."""
    email = normalise_email(email)
    role = Role(role)
    if find_by_email(email) is not None:
        raise UserError("A user with this e-mail already exists.", "email")
    if not name.strip():
        raise UserError("Give the user's name.", "name")
    members = _load(Member, list(member_ids), "member_ids")
    networks = _load(Network, list(network_ids), "network_ids")
    _check_links(role, members, networks)
    user = User(email=email, name=name.strip(), role=role, members=members, networks=networks)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record("create", "user", user.id, user=actor, detail=f"role={role}")
    return user


def update_user(
    user: User,
    *,
    name: str,
    role: Role | str,
    member_ids: list[int],
    network_ids: list[int],
    actor: User | None = None,
) -> User:
    role = Role(role)
    if not name.strip():
        raise UserError("Give the user's name.", "name")
    members = _load(Member, member_ids, "member_ids")
    networks = _load(Network, network_ids, "network_ids")
    _check_links(role, members, networks, kept=user.members)
    user.name, user.role, user.members, user.networks = name.strip(), role, members, networks
    record("update", "user", user.id, user=actor)
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise UserError(problem, "password")
    user.password_hash = hash_password(password)


def deactivate_user(user: User, actor: User | None = None) -> None:
    if actor is not None and actor.id == user.id:
        raise UserError("You cannot deactivate your own account.")
    if user.role == Role.ADMIN and user.active:
        remaining = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        if not remaining:
            raise UserError("The last active admin cannot be deactivated.")
    user.active = False
    user.deactivated_at = utcnow()
    record("deactivate", "user", user.id, user=actor)


def reactivate_user(user: User, actor: User | None = None) -> None:
    user.active = True
    user.deactivated_at = None
    record("reactivate", "user", user.id, user=actor)


# Invitations: a signed, expiring token bound to the user's current password hash, so it
# stops working as soon as a password is set (works once) or after INVITE_MAX_AGE.


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="refnet-invite")


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def invite_token(user: User) -> str:
    return _serializer().dumps({"user": user.id, "fp": _fingerprint(user)})


def user_from_invite(token: str) -> User:
    """The user an invitation is for; UserError when expired, used or forged."""
    max_age = current_app.config["INVITE_MAX_AGE"].total_seconds()
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise UserError("This invitation has expired. Ask your coordinator for a new one.") from exc
    except BadSignature as exc:
        raise UserError("This invitation link is not valid.") from exc
    user = db.session.get(User, payload.get("user"))
    if user is None or not user.active or payload.get("fp") != _fingerprint(user):
        raise UserError("This invitation has already been used or is no longer valid.")
    return user


def send_invitation(user: User, actor: User | None = None) -> str:
    """Queue the invitation e-mail; returns the link (shown to the inviter as well)."""
    link = url_for("auth.accept_invite", token=invite_token(user), _external=True)
    hours = int(current_app.config["INVITE_MAX_AGE"].total_seconds() // 3600)
    inviter = actor.name if actor is not None else "Your network coordinator"
    body = (
        f"Hello {user.name},\n\n{inviter} has invited you to refnet, where your referral network "
        f"sends, tracks and closes referrals.\n\nSet your password here (the link works once and "
        f"expires in {hours} hours):\n{link}\n\nIf you did not expect this, ignore this e-mail."
    )
    queue_email(user.email, "You are invited to refnet", body)
    record("invite", "user", user.id, user=actor)
    return link
