"""The verbs on members: find, show, add, edit, deactivate. Each asks the policy first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.audit.service import record
from app.auth.policy import (
    ensure_manages_network,
    managed_network_ids,
    manages_network,
    sees_network,
    visible_members,
)
from app.extensions import db
from app.fields import refused_character
from app.models import Member, MemberKind, Network, Role, Specialty, User, user_member, utcnow
from app.refusals import Invalid, NotFound
from app.reports.partners import totals

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
    "latitude",
    "longitude",
)
# The one member text of several lines; every other one is a single line (names go into
# e-mail headers and onto every list).
MULTILINE_FIELDS = frozenset({"bio"})
LABELS = {"organization": "Practice or firm", "bio": "About", "email": "E-mail"}


class MemberError(Invalid):
    """A member value that cannot be saved; `field` names the culprit."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, {field: message} if field else None)
        self.field = field


@dataclass(frozen=True)
class MemberProfile:
    member: Member
    given: int
    received: int
    # The member's logins, shown to those who manage its network; empty for others.
    users: list[User]
    can_manage: bool


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    specialty: str = ""
    location: str = ""
    # True: only members accepting new referrals; False: only those who are not.
    accepting: bool | None = None
    include_inactive: bool = False
    network_id: int | None = None


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(text: str, *columns) -> ColumnElement[bool]:
    """Any of the columns contains the text, case-insensitively (wildcards taken literally)."""
    pattern = _like(text)
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))


def directory_query(user: User, query: DirectoryQuery) -> Select:
    """Members this user may see that match the search, by name."""
    stmt = visible_members(user)
    # Members who left are listed for those who manage networks, never for practitioners.
    if not query.include_inactive or user.role == Role.PRACTITIONER:
        stmt = stmt.where(Member.active.is_(True))
    if query.accepting is not None:
        stmt = stmt.where(Member.accepting.is_(query.accepting))
    if query.network_id is not None:
        stmt = stmt.where(Member.network_id == query.network_id)
    if query.q.strip():
        stmt = stmt.where(_contains(query.q, Member.name, Member.organization))
    if query.specialty.strip():
        matching = select(Specialty.member_id).where(
            Specialty.key.like(_like(query.specialty), escape="\\")
        )
        stmt = stmt.where(Member.id.in_(matching))
    if query.location.strip():
        stmt = stmt.where(_contains(query.location, Member.city, Member.postcode, Member.address))
    return stmt.order_by(Member.name, Member.id)


def directory(user: User, query: DirectoryQuery, *, limit: int) -> list[Member]:
    """The first `limit` members of the directory search, with their specialties."""
    stmt = directory_query(user, query).options(selectinload(Member.specialty_list))
    return list(db.session.scalars(stmt.limit(limit)))


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
    if member.id is None and not (fields.get("name") and fields.get("kind")):
        field = "kind" if fields.get("name") else "name"
        raise MemberError("Give the member's name and kind.", field)
    for key, value in fields.items():
        if isinstance(value, str) and refused_character(value, multiline=key in MULTILINE_FIELDS):
            label = LABELS.get(key, key.capitalize())
            raise MemberError(f"{label} contains characters that are not allowed.", key)
    if specialties is not None and any(refused_character(s) for s in specialties):
        raise MemberError("Specialties contain characters that are not allowed.", "specialties")
    capacity = fields.get("capacity")
    if capacity is not None and capacity < 0:
        raise MemberError("Capacity cannot be negative.", "capacity")
    _check_coordinates(fields)
    for key, value in fields.items():
        if isinstance(value, str):
            value = value.strip() or None
        setattr(member, key, value)
    if "kind" in fields:
        try:
            member.kind = MemberKind(fields["kind"])
        except ValueError as exc:
            raise MemberError("Choose practitioner or organisation.", "kind") from exc
    if specialties is not None:
        member.specialties = specialties


def _check_coordinates(fields: dict) -> None:
    """Latitude and longitude come together (both or neither), in degrees."""
    if "latitude" not in fields and "longitude" not in fields:
        return
    lat, lon = fields.get("latitude"), fields.get("longitude")
    if (lat is None) != (lon is None):
        missing = "longitude" if lon is None else "latitude"
        raise MemberError("Give both the latitude and the longitude, or neither.", missing)
    if lat is not None and not -90 <= lat <= 90:
        raise MemberError("Latitude must be from -90 to 90 degrees.", "latitude")
    if lon is not None and not -180 <= lon <= 180:
        raise MemberError("Longitude must be from -180 to 180 degrees.", "longitude")


def member_for(actor: User | None, member_id: int) -> Member:
    """A member this actor may see; NotFound for ids it may not know exist."""
    member = db.session.get(Member, member_id)
    if member is None or not sees_network(actor, member.network_id):
        raise NotFound("There is no such member, or you may not see it.")
    return member


def member_profile(actor: User | None, member_id: int) -> MemberProfile:
    """The member page: who it is, how many referrals it gave and received, its logins."""
    member = member_for(actor, member_id)
    given, received = totals(member.id)
    can_manage = manages_network(actor, member.network_id)
    users = []
    if can_manage:
        users = list(
            db.session.scalars(
                select(User)
                .join(user_member, user_member.c.user_id == User.id)
                .where(user_member.c.member_id == member.id)
                .order_by(User.name)
            )
        )
    return MemberProfile(member, given, received, users, can_manage)


def networks_managed_by(actor: User | None) -> list[Network]:
    """The networks this actor may add members to, by name."""
    ids = managed_network_ids(actor)
    stmt = select(Network).order_by(Network.name)
    if ids is not None:
        stmt = stmt.where(Network.id.in_(ids))
    return list(db.session.scalars(stmt))


def create_member(
    actor: User | None, network_id: int, fields: dict, specialties: list[str]
) -> Member:
    """Add a member to a network the actor manages."""
    network = db.session.get(Network, network_id)
    if network is None or not manages_network(actor, network.id):
        raise MemberError("Choose one of your networks.", "network_id")
    member = Member(network=network, network_id=network.id)
    _apply(member, {"accepting": True, **fields}, specialties)
    db.session.add(member)
    db.session.flush()
    record("create", "member", member.id, user=actor)
    return member


def update_member(
    actor: User | None, member: Member, fields: dict, specialties: list[str]
) -> Member:
    """Change a member's details; it stays in its network."""
    ensure_manages_network(actor, member.network_id)
    _apply(member, fields, specialties)
    db.session.flush()
    record("update", "member", member.id, user=actor)
    return member


def deactivate_member(actor: User | None, member: Member) -> None:
    """The member leaves the network: no new referrals, its history stays."""
    ensure_manages_network(actor, member.network_id)
    member.active = False
    member.accepting = False
    member.deactivated_at = utcnow()
    record("deactivate", "member", member.id, user=actor)


def reactivate_member(actor: User | None, member: Member) -> None:
    ensure_manages_network(actor, member.network_id)
    member.active = True
    member.deactivated_at = None
    record("reactivate", "member", member.id, user=actor)


def parse_specialties(typed: str | list[str] | None) -> list[str]:
    """Specialties typed as a comma- or line-separated list (a form posted without the
    field keeps the member's own list)."""
    parts = typed if isinstance(typed, list) else str(typed or "").replace("\n", ",").split(",")
    return [p.strip() for p in parts if isinstance(p, str) and p.strip()]
