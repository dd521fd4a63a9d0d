"""Who stands where to a referral, and which referrals a user may see."""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, or_, select

from app.audit.service import record
from app.auth.acting import Acting
from app.auth.policy import manages_network
from app.extensions import db
from app.models import Referral, Role, User
from app.referrals.errors import ReferralNotFound
from app.referrals.states import Party


def parties_of(user: User, referral: Referral) -> set[Party]:
    """The parts this user plays on this referral; empty means it may not see it."""
    parties: set[Party] = set()
    member_ids = set(user.member_ids) if user.role == Role.PRACTITIONER else set()
    if referral.sender_id in member_ids:
        parties.add(Party.SENDER)
    if referral.receiver_id in member_ids:
        parties.add(Party.RECEIVER)
    if manages_network(user, referral.network_id):
        parties.add(Party.COORDINATOR)
    return parties


def _rule(role: Role, members, networks) -> ColumnElement[bool] | None:
    """The referrals a user of this role may see, given its members' and networks' ids (lists
    or parameters); None for all (an admin)."""
    columns = Referral.__table__.c  # Core: the lists' statements stay free of the ORM
    if role == Role.ADMIN:
        return None
    if role == Role.COORDINATOR:
        return columns.network_id.in_(networks)
    return or_(columns.sender_id.in_(members), columns.receiver_id.in_(members))


@cache
def visible_condition(role: Role) -> ColumnElement[bool] | None:
    """The visibility rule with the user's ids as the parameters `visible_values` gives: a
    list's statement is then built once and reused (app/referrals/listing.py)."""
    return _rule(
        role,
        bindparam("visible_members", expanding=True),
        bindparam("visible_networks", expanding=True),
    )


def visible_values(user: User | Acting) -> dict[str, list[int]]:
    """The parameters of `visible_condition` for this user."""
    if user.role == Role.COORDINATOR:
        return {"visible_networks": list(user.coordinated_network_ids)}
    return {"visible_members": list(user.member_ids)} if user.role == Role.PRACTITIONER else {}


def visibility(user: User | Acting) -> ColumnElement[bool] | None:
    """The condition on `referral` of the referrals this user may see; None for all."""
    return _rule(user.role, user.member_ids, user.coordinated_network_ids)


def visible_referrals(user: User) -> Select:
    """A SELECT of the referrals this user may see."""
    condition = visibility(user)
    query = select(Referral)
    return query if condition is None else query.where(condition)


def referral_for(user: User, referral_id: int) -> Referral:
    """The referral if this user may see it; ReferralNotFound otherwise (also for others')."""
    referral = db.session.get(Referral, referral_id)
    if referral is None or not parties_of(user, referral):
        raise ReferralNotFound("There is no such referral, or you do not have access to it.")
    return referral


def read_referral(user: User, referral_id: int) -> Referral:
    """The whole referral, client data included, for a user who may see it; the read is
    audited (HIPAA asks who read which client's data, and when)."""
    referral = referral_for(user, referral_id)
    record("view", "referral", referral.id, user=user, detail=f"client={referral.client_id}")
    return referral
