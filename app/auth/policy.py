"""Who may do what: the one role policy every route uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from app.models import Member, Role, User


def roles_required(*roles: Role) -> Callable:
    """Route decorator: signed in, and one of these roles (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def is_admin(user: User) -> bool:
    return user.role == Role.ADMIN


def manages_network(user: User, network_id: int) -> bool:
    """Admins manage every network; coordinators the networks they coordinate."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.COORDINATOR and network_id in {n.id for n in user.networks}


def sees_network(user: User, network_id: int) -> bool:
    return user.role == Role.ADMIN or network_id in user.network_ids


def visible_members(user: User) -> Select:
    """Members this user may find in the directory: those of its networks."""
    query = select(Member)
    if user.role != Role.ADMIN:
        query = query.where(Member.network_id.in_(user.network_ids))
    return query


def managed_network_ids(user: User) -> list[int] | None:
    """Networks whose members and users this user administers; None means all (admin)."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.COORDINATOR:
        return [n.id for n in user.networks]
    return []


def can_manage_user(actor: User, target: User) -> bool:
    """Admins manage everyone; a coordinator manages practitioners of its networks."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role != Role.COORDINATOR or target.role != Role.PRACTITIONER:
        return False
    own = {n.id for n in actor.networks}
    return bool(target.network_ids) and set(target.network_ids) <= own


def member_or_404(user: User, member_id: int) -> Member:
    """A member this user may see; 404 for ids it may not know exist."""
    from app.extensions import db

    member = db.session.get(Member, member_id)
    if member is None or not sees_network(user, member.network_id):
        abort(404)
    return member
