"""Who may do what: the one policy that every service asks before it changes or reveals data.

Predicates answer yes or no; `ensure_*` raise a refusal (app/refusals.py) that pages, API and
CLI each translate. An actor of None is refnet itself or the operator at the shell (CLI,
demo data, the scheduler), who may do everything.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from app.extensions import db
from app.models import Member, Role, User
from app.refusals import Forbidden

NO_ACCESS = "There is no such record, or you do not have access to it."


def manages_network(user: User | None, network_id: int) -> bool:
    """Admins manage every network; coordinators the networks they coordinate."""
    if user is None or user.role == Role.ADMIN:
        return True
    return user.role == Role.COORDINATOR and network_id in {n.id for n in user.networks}


def sees_network(user: User | None, network_id: int) -> bool:
    return user is None or user.role == Role.ADMIN or network_id in user.network_ids


def visible_members(user: User) -> Select:
    """Members this user may find in the directory: those of its networks."""
    query = select(Member)
    if user.role != Role.ADMIN:
        query = query.where(Member.network_id.in_(user.network_ids))
    return query


def managed_network_ids(user: User | None) -> list[int] | None:
    """Networks whose members and users this user administers; None means all."""
    if user is None or user.role == Role.ADMIN:
        return None
    if user.role == Role.COORDINATOR:
        return [n.id for n in user.networks]
    return []


def can_manage_user(actor: User | None, target: User) -> bool:
    """Admins manage everyone; a coordinator manages practitioners of its networks."""
    if actor is None or actor.role == Role.ADMIN:
        return True
    if actor.role != Role.COORDINATOR or target.role != Role.PRACTITIONER:
        return False
    own = {n.id for n in actor.networks}
    return bool(target.network_ids) and set(target.network_ids) <= own


def ensure_role(actor: User | None, *roles: Role) -> None:
    if actor is not None and actor.role not in roles:
        raise Forbidden("You do not have access to this page.")


def ensure_manages_network(actor: User | None, network_id: int) -> None:
    if not manages_network(actor, network_id):
        raise Forbidden("Only the network's coordinators and admins can do this.")


def own_record(user: User, model, record_id: int):
    """A row of `model` (API token, session…) that belongs to `user`, or None: another
    user's is as good as absent."""
    row = db.session.get(model, record_id)
    return row if row is not None and row.user_id == user.id else None


def own_records(user: User, model, *order_by) -> list:
    """The rows of `model` that belong to `user`, in this order."""
    return list(
        db.session.scalars(select(model).where(model.user_id == user.id).order_by(*order_by))
    )
