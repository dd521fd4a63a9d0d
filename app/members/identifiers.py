"""A member's identifiers in other systems (NPI…), by which FHIR imports find it."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.audit.service import record
from app.auth.policy import ensure_manages_network
from app.extensions import db
from app.fhir import systems
from app.models import Member, MemberIdentifier
from app.refusals import Invalid

SYSTEM = re.compile(r"^(https?://|urn:(oid|uuid):)\S{1,190}$")
VALUE = re.compile(r"^[^\s\x00-\x1f\x7f]([^\x00-\x1f\x7f]{0,98}[^\s\x00-\x1f\x7f])?$")


def identifiers_of(member: Member) -> list[MemberIdentifier]:
    return list(
        db.session.scalars(
            select(MemberIdentifier)
            .where(MemberIdentifier.member_id == member.id)
            .order_by(MemberIdentifier.system, MemberIdentifier.value)
        )
    )


def identify_member(actor, member: Member, system: str, value: str) -> MemberIdentifier:
    """Record that `system|value` names this member (admins and the network's coordinators)."""
    ensure_manages_network(actor, member.network_id)
    system, value = (system or "").strip(), (value or "").strip()
    if not SYSTEM.match(system):
        raise Invalid("The system must be a URI (http…, urn:oid:…).", {"system": "Not a URI."})
    if system == systems.system(systems.MEMBER):
        raise Invalid(
            "refnet's own member ids need no entry: they always name their member.",
            {"system": "refnet's own system."},
        )
    if not VALUE.match(value):
        raise Invalid("Give the identifier's value (1-100 characters).", {"value": "Invalid."})
    taken = db.session.scalar(
        select(MemberIdentifier).where(
            MemberIdentifier.system == system, MemberIdentifier.value == value
        )
    )
    if taken is not None:
        if taken.member_id == member.id:
            return taken
        raise Invalid(
            f"{system}|{value} already names member {taken.member_id}.",
            {"value": "Already names another member."},
        )
    row = MemberIdentifier(member_id=member.id, system=system, value=value)
    db.session.add(row)
    db.session.flush()
    record("identify", "member", member.id, user=actor, detail=f"{system}|{value}")
    return row


def forget_identifier(actor, member: Member, system: str, value: str) -> bool:
    ensure_manages_network(actor, member.network_id)
    row = db.session.scalar(
        select(MemberIdentifier).where(
            MemberIdentifier.member_id == member.id,
            MemberIdentifier.system == system.strip(),
            MemberIdentifier.value == value.strip(),
        )
    )
    if row is None:
        return False
    db.session.delete(row)
    record("unidentify", "member", member.id, user=actor, detail=f"{system}|{value}")
    return True
