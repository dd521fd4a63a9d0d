"""Who sends and who receives: members found by the identifiers of the Bundle's participants.

A requester or performer names a PractitionerRole, Practitioner or Organization (or carries
a logical `identifier`). refnet's own member ids (systems.py MEMBER) and the identifiers kept
in member_identifier (an NPI…) match; the most specific level that matches wins: the
reference's identifier, the resource's own identifiers, then a role's practitioner, then its
organization (two roles of one clinic share the organization).
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.fhir import systems
from app.fhir.importing.bundle import BundleIndex, Entry
from app.fhir.importing.outcome import refuse
from app.models import Member, MemberIdentifier

MAX_IDENTIFIERS = 20  # of one participant, each looked up
PARTICIPANT_TYPES = ("PractitionerRole", "Practitioner", "Organization", "HealthcareService")


def _identifiers(value) -> list[tuple[str, str]]:
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        system, code = item.get("system"), item.get("value")
        if isinstance(system, str) and isinstance(code, str) and system and code:
            found.append((system.strip(), code.strip()))
    return found[:MAX_IDENTIFIERS]


def _levels(index: BundleIndex, reference: dict, source: Entry) -> tuple[list, Entry | None]:
    levels = [_identifiers(reference.get("identifier"))]
    entry = index.resolve(reference.get("reference"), source)
    if entry is not None:
        levels.append(_identifiers(entry.resource.get("identifier")))
        if entry.type == "PractitionerRole":
            for part in ("practitioner", "organization"):
                linked = entry.resource.get(part)
                if isinstance(linked, dict):
                    levels.append(_identifiers(linked.get("identifier")))
                    target = index.resolve(linked.get("reference"), entry)
                    if target is not None:
                        levels[-1] += _identifiers(target.resource.get("identifier"))
        elif entry.type == "HealthcareService":
            linked = entry.resource.get("providedBy")
            if isinstance(linked, dict):
                target = index.resolve(linked.get("reference"), entry)
                levels.append(_identifiers(linked.get("identifier")))
                if target is not None:
                    levels[-1] += _identifiers(target.resource.get("identifier"))
    return [level for level in levels if level], entry


def _members_of(identifiers: list[tuple[str, str]], network_id: int | None) -> set[int]:
    own = systems.system(systems.MEMBER)
    ids = {int(v) for s, v in identifiers if s == own and v.isdigit() and len(v) < 10}
    others = [(s, v) for s, v in identifiers if s != own]
    if others:
        for system, value in others:
            ids |= set(
                db.session.scalars(
                    select(MemberIdentifier.member_id).where(
                        MemberIdentifier.system == system, MemberIdentifier.value == value
                    )
                )
            )
    if not ids:
        return set()
    query = select(Member.id).where(Member.id.in_(ids))
    if network_id is not None:
        query = query.where(Member.network_id == network_id)
    return set(db.session.scalars(query))


def member_for(
    index: BundleIndex,
    references: list[tuple[dict, Entry, str]],
    role: str,
    network_id: int | None = None,
) -> Member:
    """The member that the first usable reference names. `references` are (Reference,
    the entry it is written in, its FHIRPath), most authoritative first."""
    tried: list[str] = []
    where = None
    for reference, source, expression in references:
        if not isinstance(reference, dict):
            continue
        where = where or expression
        levels, entry = _levels(index, reference, source)
        if reference.get("reference") and entry is None and not levels:
            raise refuse(
                f"The {role} reference “{str(reference['reference'])[:120]}” names no "
                "resource of the Bundle and carries no identifier.",
                "not-found",
                expression,
            )
        if entry is not None and entry.type not in PARTICIPANT_TYPES:
            raise refuse(
                f"The {role} must be a PractitionerRole, Practitioner or Organization, "
                f"not a {entry.type}.",
                "invalid",
                expression,
            )
        for identifiers in levels:
            found = _members_of(identifiers, network_id)
            if len(found) == 1:
                return db.session.get(Member, found.pop())
            if len(found) > 1:
                raise refuse(
                    f"The identifiers of the {role} name {len(found)} different members.",
                    "multiple-matches",
                    expression,
                )
            tried += [f"{s}|{v}" for s, v in identifiers]
    if where is None:
        raise refuse(f"The Bundle names no {role}.", "required", f"ServiceRequest.{role}")
    named = ", ".join(dict.fromkeys(tried)) or "none"
    raise refuse(
        f"No member of refnet has an identifier of the {role} (identifiers given: "
        f"{named[:300]}). Set it with `flask members identify`, or name the member by "
        f"{systems.system(systems.MEMBER)}|<member id>.",
        "not-found",
        where,
    )
