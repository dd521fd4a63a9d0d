"""The member directory as Open Referral HSDS 3.0 JSON, for regional directories and 211s.

Each active member is an organization that provides one service (referrals to it): its
specialties are attributes linked to taxonomy terms of refnet's own taxonomy, and whether it
accepts new referrals (and its weekly capacity) are attributes too. Its address is a
physical location where the service is delivered, its e-mail and phone a contact. Ids are
UUIDs derived from the deployment's FHIR system base and the member id: stable from one
export to the next, different between deployments.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.fhir import systems
from app.models import Member, MemberIdentifier, MemberKind, utcnow

HSDS_VERSION = "3.0"
SPECIALTY_TAXONOMY = "refnet member specialties"
REFNET_TAXONOMY = "refnet referral attributes"
KIND_LABELS = {MemberKind.PRACTITIONER: "Practitioner", MemberKind.ORGANIZATION: "Organisation"}


def _namespace() -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, systems.system_base())


def _id(*parts: object) -> str:
    return str(uuid.uuid5(_namespace(), "/".join(str(p) for p in parts)))


def _term(key: str, name: str, description: str, taxonomy: str) -> dict:
    return {
        "id": _id("taxonomy_term", key),
        "code": key,
        "name": name,
        "description": description,
        "taxonomy": taxonomy,
        "language": "en",
    }


ACCEPTING = (
    "accepting-new-referrals",
    "Accepting new referrals",
    "Whether the member takes new referrals now: value true or false.",
)
CAPACITY = (
    "weekly-capacity",
    "New referrals a week",
    "How many new referrals the member can take a week: value a whole number.",
)


def _specialty_term(name: str) -> dict:
    key = "specialty:" + name.lower()
    return _term(key, name, f"Members whose specialty or service is {name}.", SPECIALTY_TAXONOMY)


def _attribute(link_id: str, link_entity: str, term: dict, value: str | None = None) -> dict:
    attribute = {
        "id": _id("attribute", link_id, term["code"]),
        "link_id": link_id,
        "link_type": "service_description" if value is None else "service_detail",
        "link_entity": link_entity,
        "taxonomy_term_id": term["id"],
        "taxonomy_term": term,
        "label": term["name"],
    }
    if value is not None:
        attribute["value"] = value
    return attribute


def _phone(owner: str, owner_id: str, number: str) -> dict:
    return {
        "id": _id("phone", owner, owner_id),
        f"{owner}_id": owner_id,
        "number": number,
        "type": "voice",
    }


def _description(member: Member) -> str:
    kind = KIND_LABELS.get(member.kind, "Member")
    text = f"{kind} in the {member.network.name} referral network"
    if member.specialties:
        text += ": " + ", ".join(member.specialties)
    text += "."
    return f"{text}\n\n{member.bio}" if member.bio else text


def _location(member: Member, organization_id: str, country: str) -> dict | None:
    if not (member.address or member.city or member.postcode):
        return None
    location_id = _id("member", member.id, "location")
    location = {
        "id": location_id,
        "location_type": "physical",
        "organization_id": organization_id,
        "name": member.organization or member.name,
        "description": ", ".join(p for p in (member.address, member.city, member.postcode) if p),
    }
    if member.address and member.city:
        # HSDS asks for every part of an address; refnet keeps no state, and the country only
        # as the network's holiday calendar: empty where unknown rather than invented.
        location["addresses"] = [
            {
                "id": _id("member", member.id, "address"),
                "location_id": location_id,
                "address_1": member.address,
                "city": member.city,
                "state_province": "",
                "postal_code": member.postcode or "",
                "country": country,
                "address_type": "physical",
            }
        ]
    return location


def member_records(member: Member, identifiers: list[MemberIdentifier]) -> dict:
    """The organization, service and location (if any) of one member."""
    organization_id = _id("member", member.id, "organization")
    service_id = _id("member", member.id, "service")
    country = ((member.network.deadlines or {}).get("holiday_country") or "").upper()
    location = _location(member, organization_id, country)
    organization = {
        "id": organization_id,
        "name": member.name,
        "description": _description(member),
        "uri": f"{systems.system(systems.MEMBER)}/{member.id}",
        "organization_identifiers": [
            {
                "id": _id("member", member.id, "identifier", i.system, i.value),
                "organization_id": organization_id,
                "identifier_scheme": i.system,
                "identifier_type": i.system,
                "identifier": i.value,
            }
            for i in identifiers
        ],
    }
    if member.organization and member.organization != member.name:
        organization["alternate_name"] = member.organization
    if member.email:
        organization["email"] = member.email
    if member.phone:
        organization["phones"] = [_phone("organization", organization_id, member.phone)]
    accepting = _term(*ACCEPTING, REFNET_TAXONOMY)
    attributes = [_attribute(service_id, "service", _specialty_term(s)) for s in member.specialties]
    attributes.append(
        _attribute(
            service_id, "service", accepting, "true" if member.receives_referrals else "false"
        )
    )
    if member.capacity is not None:
        attributes.append(
            _attribute(
                service_id, "service", _term(*CAPACITY, REFNET_TAXONOMY), str(member.capacity)
            )
        )
    service = {
        "id": service_id,
        "organization_id": organization_id,
        "name": f"Referrals to {member.name}",
        "description": _description(member),
        "status": "active" if member.active else "inactive",
        "application_process": "By referral from another member of the network, through refnet.",
        "attributes": attributes,
    }
    if member.email:
        service["email"] = member.email
    if member.email or member.phone:
        contact_id = _id("member", member.id, "contact")
        contact = {
            "id": contact_id,
            "organization_id": organization_id,
            "service_id": service_id,
            "name": member.name,
        }
        if member.email:
            contact["email"] = member.email
        if member.phone:
            contact["phones"] = [_phone("contact", contact_id, member.phone)]
        service["contacts"] = [contact]
    if location is not None:
        service["service_at_locations"] = [
            {
                "id": _id("member", member.id, "service_at_location"),
                "service_id": service_id,
                "location_id": location["id"],
            }
        ]
    return {"organization": organization, "service": service, "location": location}


def directory_members(network_id: int | None = None, scope: Select | None = None) -> Select:
    """Active members by name, within `scope` (a policy's visible members) and a network."""
    query = scope if scope is not None else select(Member)
    query = query.where(Member.active.is_(True))
    if network_id is not None:
        query = query.where(Member.network_id == network_id)
    return query.options(selectinload(Member.specialty_list)).order_by(Member.name, Member.id)


def _identifiers_by_member(member_ids: list[int]) -> dict[int, list[MemberIdentifier]]:
    found: dict[int, list[MemberIdentifier]] = defaultdict(list)
    for start in range(0, len(member_ids), 500):
        for row in db.session.scalars(
            select(MemberIdentifier)
            .where(MemberIdentifier.member_id.in_(member_ids[start : start + 500]))
            .order_by(MemberIdentifier.system, MemberIdentifier.value)
        ):
            found[row.member_id].append(row)
    return found


def hsds_document(members: Iterable[Member], *, now: datetime | None = None) -> dict:
    """The HSDS 3.0 JSON of these members: organizations, services, locations and the
    taxonomy terms their attributes use."""
    members = list(members)
    identifiers = _identifiers_by_member([m.id for m in members])
    organizations, services, locations, terms = [], [], [], {}
    for member in members:
        records = member_records(member, identifiers.get(member.id, []))
        organizations.append(records["organization"])
        services.append(records["service"])
        if records["location"] is not None:
            locations.append(records["location"])
        for attribute in records["service"]["attributes"]:
            terms[attribute["taxonomy_term_id"]] = attribute["taxonomy_term"]
    return {
        "hsds_version": HSDS_VERSION,
        "generated_at": (now or utcnow()).isoformat(),
        "publisher": {"name": "refnet", "uri": systems.system_base()},
        "organizations": organizations,
        "services": services,
        "locations": locations,
        "taxonomy_terms": sorted(terms.values(), key=lambda t: t["code"]),
    }
