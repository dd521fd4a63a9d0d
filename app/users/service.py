"""The verbs on users: list, create, invite, set a password, update, deactivate.

Each verb takes the acting user first and asks the policy (app/auth/policy.py): admins
manage every login; coordinators manage the practitioners of their networks and may only
give them members of those networks; None is the operator at the shell (flask users create).
"""

from __future__ import annotations

import hashlib
from datetime import UTC

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, func, or_, select

from app.audit.service import record
from app.auth.passwords import hash_password, password_problem
from app.auth.policy import NO_ACCESS, can_manage_user, ensure_role, managed_network_ids
from app.auth.sessions import end_sessions_of
from app.extensions import db
from app.fields import contains_pattern, refused_character
from app.mail.links import external_url
from app.mail.outbox import queue_email
from app.models import Member, Network, Role, User, user_member, user_network, utcnow
from app.refusals import Invalid, NotFound

# The answer for an e-mail that the actor may not learn about: it neither says that a login
# exists nor where. It is the same for every login the actor does not manage.
TAKEN_ELSEWHERE = (
    "This e-mail cannot be used for a new login here. If the person already uses refnet, "
    "an admin can give them access to your network."
)


class UserError(Invalid):
    """A request about a user that cannot be carried out; `field` names the culprit."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, {field: message} if field else None)
        self.field = field


def users_managed_by(actor: User | None, search: str = "") -> Select:
    """The logins this actor administers, by name, matching part of a name or e-mail."""
    ensure_role(actor, Role.ADMIN, Role.COORDINATOR)
    stmt = select(User).order_by(User.name)
    ids = managed_network_ids(actor)
    if ids is not None:
        in_member = select(user_member.c.user_id).join(Member).where(Member.network_id.in_(ids))
        in_network = select(user_network.c.user_id).where(user_network.c.network_id.in_(ids))
        stmt = stmt.where(or_(User.id.in_(in_member), User.id.in_(in_network)))
    if search := search.strip():
        pattern = contains_pattern(search)
        stmt = stmt.where(
            or_(User.email.like(pattern, escape="\\"), User.name.ilike(pattern, escape="\\"))
        )
    return stmt


def user_for(actor: User | None, user_id: int) -> User:
    """A login this actor manages; NotFound for the others (they may not know it exists)."""
    user = db.session.get(User, user_id)
    if user is None or not can_manage_user(actor, user):
        raise NotFound(NO_ACCESS)
    return user


def assignable_roles(actor: User | None) -> list[Role]:
    """Coordinators invite practitioners only; admins and the operator any role."""
    if actor is not None and actor.role == Role.COORDINATOR:
        return [Role.PRACTITIONER]
    return list(Role)


def assignable_members(
    actor: User | None, *, ids: list[int] | None = None, search: str = "", limit: int = 25
) -> list[Member]:
    """Active members a login may be given, by name: these `ids`, or the first that match
    the search (the user form's picker)."""
    stmt = select(Member).where(Member.active.is_(True)).order_by(Member.name, Member.id)
    networks = managed_network_ids(actor)
    if networks is not None:
        stmt = stmt.where(Member.network_id.in_(networks))
    if ids is not None:
        stmt = stmt.where(Member.id.in_(ids))
    elif search.strip():
        pattern = contains_pattern(search)
        stmt = stmt.where(func.lower(Member.name).like(pattern, escape="\\")).limit(limit)
    else:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def assignable_networks(actor: User | None) -> list[Network]:
    stmt = select(Network).order_by(Network.name)
    ids = managed_network_ids(actor)
    if ids is not None:
        stmt = stmt.where(Network.id.in_(ids))
    return list(db.session.scalars(stmt))


def _check_scope(
    actor: User | None, role: Role, members: list[Member], networks: list[Network]
) -> None:
    """What the actor hands out: a role it may give, members and networks it manages."""
    if role not in assignable_roles(actor):
        raise UserError("You can only invite and edit practitioners.", "role")
    ids = managed_network_ids(actor)
    if ids is None:
        return
    if any(m.network_id not in ids for m in members):
        raise UserError("Choose members of the networks you coordinate.", "member_ids")
    if any(n.id not in ids for n in networks):
        raise UserError("Choose networks you coordinate.", "network_ids")


def _checked_name(name: str) -> str:
    """The user's name, one line of plain text (it goes into e-mail greetings and headers)."""
    name = name.strip()
    if not name:
        raise UserError("Give the user's name.", "name")
    if refused_character(name):
        raise UserError("The name contains characters that are not allowed.", "name")
    return name


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
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str | None = None,
    member_ids: list[int] = (),
    network_ids: list[int] = (),
) -> User:
    """Create a login; without a password, the user sets one through an invitation."""
    ensure_role(actor, Role.ADMIN, Role.COORDINATOR)
    email = normalise_email(email)
    role = _role(role)
    if refused_character(email):
        raise UserError("The e-mail contains characters that are not allowed.", "email")
    existing = find_by_email(email)
    if existing is not None:
        if can_manage_user(actor, existing):
            raise UserError("A user with this e-mail already exists.", "email")
        # A login the actor does not manage (another network's, an admin): not confirmed.
        raise UserError(TAKEN_ELSEWHERE, "email")
    name = _checked_name(name)
    members = _load(Member, list(member_ids), "member_ids")
    networks = _load(Network, list(network_ids), "network_ids")
    _check_scope(actor, role, members, networks)
    _check_links(role, members, networks)
    user = User(email=email, name=name, role=role, members=members, networks=networks)
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    record("create", "user", user.id, user=actor, detail=f"role={role}")
    return user


def update_user(
    actor: User | None,
    user: User,
    *,
    name: str,
    role: Role | str,
    member_ids: list[int],
    network_ids: list[int],
) -> User:
    user = user_for(actor, user.id)
    role = _role(role)
    name = _checked_name(name)
    members = _load(Member, member_ids, "member_ids")
    networks = _load(Network, network_ids, "network_ids")
    _check_scope(actor, role, members, networks)
    _check_links(role, members, networks, kept=user.members)
    if user.role == Role.ADMIN and role != Role.ADMIN and user.active:
        _keep_an_admin(
            user,
            "You are the last active admin: make another user an admin before you give up "
            "your admin rights."
            if actor is not None and actor.id == user.id
            else "This is the last active admin: refnet would be left without one.",
            "role",
        )
    if role != user.role:
        end_sessions_of(user)  # signed in again, with the new role's menus and rights
    user.name, user.role, user.members, user.networks = name, role, members, networks
    record("update", "user", user.id, user=actor)
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, name=user.name, email=user.email)
    if problem:
        raise UserError(problem, "password")
    user.password_hash = hash_password(password)
    if user.id is not None:
        end_sessions_of(user)  # whoever knew the old password is signed out


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        raise UserError("Choose one of the roles.", "role") from exc


def deactivate_user(actor: User | None, user: User) -> None:
    user = user_for(actor, user.id)
    if actor is not None and actor.id == user.id:
        raise UserError("You cannot deactivate your own account.")
    if user.role == Role.ADMIN and user.active:
        _keep_an_admin(user, "The last active admin cannot be deactivated.")
    user.active = False
    user.deactivated_at = utcnow()
    end_sessions_of(user)
    record("deactivate", "user", user.id, user=actor)


def _keep_an_admin(user: User, message: str, field: str | None = None) -> None:
    """Refuse to leave refnet without an active admin once `user` stops being one.

    The active admins' rows are locked (PostgreSQL) so that two admins demoting each other
    at once cannot both pass."""
    others = db.session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        .with_for_update()
    ).all()
    if not others:
        raise UserError(message, field)


def reactivate_user(actor: User | None, user: User) -> None:
    user = user_for(actor, user.id)
    user.active = True
    user.deactivated_at = None
    record("reactivate", "user", user.id, user=actor)


# Invitations: a signed, expiring token bound to the user's current password hash and to the
# moment of the last invitation, so it stops working as soon as a password is set (works
# once), when a newer invitation is sent, or after INVITE_MAX_AGE.


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="refnet-invite")


def _fingerprint(user: User) -> str:
    invited = user.invited_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f") if user.invited_at else ""
    bound = f"{user.password_hash or 'none'}|{invited}"
    return hashlib.sha256(bound.encode()).hexdigest()[:16]


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


def send_invitation(actor: User | None, user: User) -> str:
    """Queue the invitation e-mail; returns the link (shown to the inviter as well)."""
    user = user_for(actor, user.id)
    if user.has_password:
        raise UserError(f"{user.name} has already set a password.")
    user.invited_at = utcnow()  # the links of earlier invitations stop working
    link = external_url("auth.accept_invite", token=invite_token(user))
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
