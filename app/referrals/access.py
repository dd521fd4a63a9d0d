"""Who stands where to a referral, and which referrals a user may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select

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


def visibility(user: User | Acting) -> ColumnElement[bool] | None:
    """The condition on `referral` of the referrals this user may see; None for all."""
    if user.role == Role.ADMIN:
        return None
    columns = Referral.__table__.c  # Core: the lists' statements stay free of the ORM
    if user.role == Role.COORDINATOR:
        return columns.network_id.in_(user.coordinated_network_ids)
    ids = user.member_ids
    return or_(columns.sender_id.in_(ids), columns.receiver_id.in_(ids))


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
