"""The verbs on members: find, add, edit, deactivate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from app.audit.service import record
from app.auth.policy import visible_members
from app.extensions import db
from app.models import Member, MemberKind, Network, Specialty, User, utcnow

EDITABLE_FIELDS = (
    "name",
    "kind",
    "organization",
    "address",
    "city",
    "postcode",
    "email",
    "phone",
    "bio",
    "accepting",
    "capacity",
)


class MemberError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    specialty: str = ""
    location: str = ""
    accepting_only: bool = False
    include_inactive: bool = False
    network_id: int | None = None


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def directory_query(user: User, query: DirectoryQuery) -> Select:
    """Members this user may see that match the search, by name."""
    stmt = visible_members(user)
    if not query.include_inactive:
        stmt = stmt.where(Member.active.is_(True))
    if query.accepting_only:
        stmt = stmt.where(Member.accepting.is_(True))
    if query.network_id is not None:
        stmt = stmt.where(Member.network_id == query.network_id)
    if query.q.strip():
        pattern = _like(query.q)
        stmt = stmt.where(
            or_(
                func.lower(Member.name).like(pattern, escape="\\"),
                func.lower(Member.organization).like(pattern, escape="\\"),
            )
        )
    if query.specialty.strip():
        matching = select(Specialty.member_id).where(
            Specialty.key.like(_like(query.specialty), escape="\\")
        )
        stmt = stmt.where(Member.id.in_(matching))
    if query.location.strip():
        pattern = _like(query.location)
        stmt = stmt.where(
            or_(
                func.lower(Member.city).like(pattern, escape="\\"),
                func.lower(Member.postcode).like(pattern, escape="\\"),
                func.lower(Member.address).like(pattern, escape="\\"),
            )
        )
    return stmt.order_by(Member.name, Member.id)


def known_specialties(user: User) -> list[str]:
    """Specialty names in the user's networks, for the directory's suggestions."""
    visible = visible_members(user).with_only_columns(Member.id)
    return list(
        db.session.scalars(
            select(Specialty.name)
            .where(Specialty.member_id.in_(visible))
            .distinct()
            .order_by(Specialty.name)
        )
    )


def _apply(member: Member, fields: dict, specialties: list[str] | None) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise MemberError(f"Unknown field: {', '.join(sorted(unknown))}.")
    if "name" in fields and not (fields["name"] or "").strip():
        raise MemberError("Give the member's name.", "name")
    capacity = fields.get("capacity")
    if capacity is not None and capacity < 0:
        raise MemberError("Capacity cannot be negative.", "capacity")
    for key, value in fields.items():
        if isinstance(value, str):
            value = value.strip() or None
        setattr(member, key, value)
    if "kind" in fields:
        member.kind = MemberKind(fields["kind"])
    if specialties is not None:
        member.specialties = specialties


def create_member(
    network: Network, fields: dict, specialties: list[str], actor: User | None = None
) -> Member:
    member = Member(network=network, network_id=network.id)
    _apply(member, {"accepting": True, **fields}, specialties)
    db.session.add(member)
    db.session.flush()
    record("create", "member", member.id, user=actor)
    return member


def update_member(
    member: Member, fields: dict, specialties: list[str], actor: User | None = None
) -> Member:
    _apply(member, fields, specialties)
    db.session.flush()
    record("update", "member", member.id, user=actor)
    return member


def deactivate_member(member: Member, actor: User | None = None) -> None:
    """The member leaves the network: no new referrals, its history stays."""
    member.active = False
    member.accepting = False
    member.deactivated_at = utcnow()
    record("deactivate", "member", member.id, user=actor)


def reactivate_member(member: Member, actor: User | None = None) -> None:
    member.active = True
    member.deactivated_at = None
    record("reactivate", "member", member.id, user=actor)


def parse_specialties(text: str) -> list[str]:
    """Specialties typed as a comma- or line-separated list."""
    parts = text.replace("\n", ",").split(",")
    return [p.strip() for p in parts if p.strip()]
