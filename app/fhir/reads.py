"""Reads of single resources and one referral's Bundle, for a caller: the record must be
one the caller may see in the app, else 404 (whether it exists is not told). Reads of
client data are audited, as the referral page's are."""

from __future__ import annotations

from sqlalchemy import exists, select

from app.audit.service import record
from app.extensions import db
from app.fhir import mapping_messages, mapping_people, mapping_referral
from app.fhir.access import directory_networks, referral_visibility
from app.fhir.ids import PREFIX, parse_id
from app.fhir.outcome import FhirError
from app.models import Client, Member, Message, Referral, ReferralKind
from app.models.member import Specialty

NOT_FOUND = "There is no {} with id {}, or you do not have access to it."
READABLE = tuple(PREFIX)  # every type the export writes can be read
REFERRAL_TYPES = {"ServiceRequest", "Task", "Appointment", "Encounter"}
MEMBER_TYPES = {"Organization", "Practitioner", "PractitionerRole", "HealthcareService"}

referral_table = Referral.__table__
member_table = Member.__table__
client_table = Client.__table__
message_table = Message.__table__


def _not_found(resource_type: str, logical_id: str) -> FhirError:
    return FhirError(404, NOT_FOUND.format(resource_type, logical_id))


def visible_clinical(user):
    """Conditions on `referral`: clinical, and visible to the caller."""
    conditions = [referral_table.c.kind == ReferralKind.CLINICAL]
    seen = referral_visibility(user)
    if seen is not None:
        conditions.append(seen)
    return conditions


def referral_row(user, referral_id: int):
    c = referral_table.c
    columns = [c[name] for name in mapping_referral.REFERRAL_COLUMNS]
    statement = select(*columns).where(c.id == referral_id, *visible_clinical(user))
    return db.session.execute(statement).first()


def member_row(user, member_id: int):
    c = member_table.c
    statement = select(*(c[n] for n in mapping_people.MEMBER_COLUMNS)).where(c.id == member_id)
    networks = directory_networks(user)
    if networks is not None:
        statement = statement.where(c.network_id.in_(networks))
    return db.session.execute(statement).first()


def specialties_of(member_id: int) -> list[str]:
    statement = select(Specialty.name).where(Specialty.member_id == member_id)
    return list(db.session.scalars(statement.order_by(Specialty.name)))


def client_row(user, client_id: int):
    c = client_table.c
    seen = exists().where(referral_table.c.client_id == c.id, *visible_clinical(user))
    statement = select(*(c[n] for n in mapping_people.CLIENT_COLUMNS)).where(
        c.id == client_id, seen
    )
    return db.session.execute(statement).first()


def message_row(user, message_id: int):
    m, r = message_table.c, referral_table.c
    statement = (
        select(
            *(m[n] for n in mapping_messages.MESSAGE_COLUMNS),
            r.sender_id.label("referral_sender_id"),
            r.receiver_id.label("referral_receiver_id"),
            r.client_id.label("referral_client_id"),
        )
        .join(referral_table, r.id == m.referral_id)
        .where(m.id == message_id, *visible_clinical(user))
    )
    return db.session.execute(statement).first()


def _referral_resource(resource_type: str, row) -> dict | None:
    build = {
        "ServiceRequest": mapping_referral.service_request,
        "Task": mapping_referral.task,
        "Appointment": mapping_referral.appointment,
        "Encounter": mapping_referral.encounter,
    }[resource_type]
    return build(row)


def _member_resource(resource_type: str, row) -> dict | None:
    specialties = specialties_of(row.id)
    build = {
        "Organization": lambda m: mapping_people.organization(m),
        "Practitioner": lambda m: mapping_people.practitioner(m),
        "PractitionerRole": lambda m: mapping_people.practitioner_role(m, specialties),
        "HealthcareService": lambda m: mapping_people.healthcare_service(m, specialties),
    }[resource_type]
    return build(row)


def read_resource(user, resource_type: str, logical_id: str) -> dict:
    """The resource of this type and id, if the caller may see it; FhirError 404 otherwise."""
    if resource_type not in READABLE:
        raise FhirError(404, f"refnet does not serve the resource type {resource_type}.")
    parsed = parse_id(resource_type, logical_id)
    if parsed is None:
        raise _not_found(resource_type, logical_id)
    kind, record_id = parsed
    resource = None
    if resource_type in REFERRAL_TYPES or kind:
        row = referral_row(user, record_id)
        if row is not None:
            if kind:
                resource = mapping_referral.question(row)
            else:
                resource = _referral_resource(resource_type, row)
            _audit(user, "referral", record_id, f"fhir {resource_type}")
    elif resource_type in MEMBER_TYPES:
        row = member_row(user, record_id)
        resource = _member_resource(resource_type, row) if row is not None else None
    elif resource_type == "Patient":
        row = client_row(user, record_id)
        if row is not None:
            resource = mapping_people.patient(row)
            _audit(user, "client", record_id, "fhir Patient")
    elif resource_type == "Communication":
        row = message_row(user, record_id)
        if row is not None:
            resource = mapping_messages.communication(row)
            _audit(user, "referral", row.referral_id, f"fhir Communication {record_id}")
    if resource is None:
        raise _not_found(resource_type, logical_id)
    return resource


def _audit(user, entity: str, entity_id: int, detail: str) -> None:
    record("view", entity, entity_id, user=user, detail=detail)


def referral_bundle_resources(user, logical_id: str) -> list[dict]:
    """One referral and everything it references: its ServiceRequest first."""
    parsed = parse_id("ServiceRequest", logical_id)
    row = referral_row(user, parsed[1]) if parsed and not parsed[0] else None
    if row is None:
        raise _not_found("ServiceRequest", logical_id)
    resources = mapping_referral.referral_resources(row)
    client = db.session.execute(
        select(*(client_table.c[n] for n in mapping_people.CLIENT_COLUMNS)).where(
            client_table.c.id == row.client_id
        )
    ).first()
    resources.append(mapping_people.patient(client))
    c = member_table.c
    members = db.session.execute(
        select(*(c[n] for n in mapping_people.MEMBER_COLUMNS))
        .where(c.id.in_({row.sender_id, row.receiver_id}))
        .order_by(c.id)
    ).all()
    for member in members:
        resources.extend(mapping_people.member_resources(member, specialties_of(member.id)))
    m, r = message_table.c, referral_table.c
    messages = db.session.execute(
        select(
            *(m[n] for n in mapping_messages.MESSAGE_COLUMNS),
            r.sender_id.label("referral_sender_id"),
            r.receiver_id.label("referral_receiver_id"),
            r.client_id.label("referral_client_id"),
        )
        .join(referral_table, r.id == m.referral_id)
        .where(m.referral_id == row.id)
        .order_by(m.id)
    ).all()
    resources.extend(mapping_messages.communication(message) for message in messages)
    _audit(user, "referral", row.id, "fhir Bundle")
    return resources
