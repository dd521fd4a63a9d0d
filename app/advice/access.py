"""Who stands where to an advice request, and which requests a user may see.

The asker's side: practitioners acting for the asking member. The adviser's side: those
acting for the member asked, or, for a specialty's pool, for any active member of the
network with that specialty (other than the asker). The network's coordinators (and admins)
see every request of their networks. Anyone else is told that there is no such request.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Select, and_, exists, or_, select

from app.audit.service import record
from app.auth.policy import manages_network
from app.extensions import db
from app.models import AdviceRequest, Member, Role, Specialty, User
from app.refusals import NotFound

NO_SUCH_ADVICE = "There is no such advice request, or you do not have access to it."


class AdviceParty(StrEnum):
    ASKER = "asker"
    ADVISER = "adviser"
    COORDINATOR = "coordinator"


def pool_members(user: User, advice: AdviceRequest) -> list[Member]:
    """The user's active members that belong to the request's specialty pool."""
    if advice.specialty_key is None or user.role != Role.PRACTITIONER:
        return []
    ids = [m.id for m in user.members if m.active and m.network_id == advice.network_id]
    ids = [i for i in ids if i != advice.asker_id]
    if not ids:
        return []
    found = set(
        db.session.scalars(
            select(Specialty.member_id).where(
                Specialty.member_id.in_(ids), Specialty.key == advice.specialty_key
            )
        )
    )
    return [m for m in user.members if m.id in found]


def advice_parties(user: User, advice: AdviceRequest) -> set[AdviceParty]:
    parties: set[AdviceParty] = set()
    if user.role == Role.PRACTITIONER:
        ids = set(user.member_ids)
        if advice.asker_id in ids:
            parties.add(AdviceParty.ASKER)
        if advice.asked_member_id in ids or pool_members(user, advice):
            parties.add(AdviceParty.ADVISER)
    if manages_network(user, advice.network_id):
        parties.add(AdviceParty.COORDINATOR)
    return parties


def adviser_member(user: User, advice: AdviceRequest) -> Member | None:
    """The member the user answers for: the one asked, or its first member in the pool (the
    member that already took the request, when the user acts for it)."""
    if advice.asked_member_id is not None:
        return next((m for m in user.members if m.id == advice.asked_member_id), None)
    pool = pool_members(user, advice)
    taken = next((m for m in pool if m.id == advice.answered_by_id), None)
    return taken or (pool[0] if pool else None)


def in_pool_of(member_ids: list[int]):
    """A condition: the request is asked of a pool that one of these members belongs to."""
    return and_(
        AdviceRequest.specialty_key.is_not(None),
        AdviceRequest.asker_id.not_in(member_ids or [0]),
        exists().where(
            Specialty.member_id.in_(member_ids or [0]),
            Specialty.key == AdviceRequest.specialty_key,
            Specialty.member_id == Member.id,
            Member.active.is_(True),
            Member.network_id == AdviceRequest.network_id,
        ),
    )


def visible_advice(user: User) -> Select:
    """A SELECT of the advice requests this user may see."""
    query = select(AdviceRequest)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COORDINATOR:
        return query.where(AdviceRequest.network_id.in_([n.id for n in user.networks] or [0]))
    ids = user.member_ids or [0]
    return query.where(
        or_(
            AdviceRequest.asker_id.in_(ids),
            AdviceRequest.asked_member_id.in_(ids),
            in_pool_of(ids),
        )
    )


def advice_for(user: User, advice_id: int) -> AdviceRequest:
    """The request if this user may see it; NotFound otherwise (also for other networks')."""
    advice = db.session.get(AdviceRequest, advice_id)
    if advice is None or not advice_parties(user, advice):
        raise NotFound(NO_SUCH_ADVICE)
    return advice


def read_advice(user: User, advice_id: int) -> AdviceRequest:
    """The whole request, client data included; the read is audited."""
    advice = advice_for(user, advice_id)
    record("view", "advice_request", advice.id, user=user, detail=f"client={advice.client_id}")
    return advice


def pool_of(network_id: int, specialty_key: str, exclude: int | None = None) -> list[Member]:
    """The active members of the network with this specialty: who may answer a pool's request."""
    query = (
        select(Member)
        .join(Specialty, Specialty.member_id == Member.id)
        .where(
            Member.network_id == network_id,
            Member.active.is_(True),
            Specialty.key == specialty_key,
        )
        .order_by(Member.id)
    )
    if exclude is not None:
        query = query.where(Member.id != exclude)
    return list(db.session.scalars(query))
