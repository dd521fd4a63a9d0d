"""import_bundle: one eReferral Bundle becomes one referral in `sent`, through `send_referral`.

Nothing is written when anything is refused: the service only flushes, and the caller (the
POST /fhir view, `flask fhir import`) commits once or rolls back. A ServiceRequest posted
again with an identifier its sender already used gives back the referral made the first time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import or_, select

from app.audit.service import record
from app.extensions import db
from app.fhir import systems
from app.fhir.importing.bundle import BundleIndex, Entry
from app.fhir.importing.outcome import ImportRefused, refuse
from app.fhir.importing.participants import member_for
from app.fhir.importing.reading import (
    checked,
    client_of,
    consent_of,
    patient_of,
    referral_words,
    service_request,
    tasks_of,
)
from app.fhir.outcome import Issue
from app.models import Client, Member, Referral, ReferralIdentifier, ReferralKind, Role, User
from app.referrals.clients import clients_of
from app.referrals.errors import ActionForbidden, InvalidReferral, PossibleDuplicate
from app.referrals.service import NewReferral, send_as, send_referral

MAX_IDENTIFIERS = 10
# Where each field of the send form lives in the Bundle (relative to its resource).
FIELD_PATHS = {
    "receiver_id": ("order", "performer"),
    "sender_id": ("order", "requester"),
    "reason": ("order", "reasonCode"),
    "service": ("order", "code"),
    "notes": ("order", "note"),
    "priority": ("order", "priority"),
    "kind": ("order", "category"),
    "client": ("patient", ""),
    "client.given_name": ("patient", "name.given"),
    "client.family_name": ("patient", "name.family"),
    "client.birth_date": ("patient", "birthDate"),
    "client.email": ("patient", "telecom"),
    "client.phone": ("patient", "telecom"),
    "client.identifier": ("patient", "identifier"),
    "client.consent": ("consent", ""),
}


@dataclass
class Imported:
    referral: Referral
    created: bool
    warnings: list[Issue] = field(default_factory=list)


def _references(order: Entry, tasks: list[Entry], header: Entry | None, role: str):
    """Where a Bundle may name the sender (requester) or receiver (performer), in order."""
    found = []
    if role == "requester":
        found.append((order.resource.get("requester"), order, f"{order.path}.requester"))
        for task in tasks:
            found.append((task.resource.get("requester"), task, f"{task.path}.requester"))
        if header is not None:
            found.append((header.resource.get("sender"), header, f"{header.path}.sender"))
    else:
        for number, performer in enumerate(order.resource.get("performer") or []):
            found.append((performer, order, f"{order.path}.performer[{number}]"))
        for task in tasks:
            found.append((task.resource.get("owner"), task, f"{task.path}.owner"))
        if header is not None:
            for number, destination in enumerate(header.resource.get("destination") or []):
                found.append(
                    (
                        (destination or {}).get("receiver"),
                        header,
                        f"{header.path}.destination[{number}].receiver",
                    )
                )
    return [(ref, source, path) for ref, source, path in found if isinstance(ref, dict)]


def _order_identifiers(order: Entry) -> list[tuple[str, str]]:
    found = []
    for identifier in order.resource.get("identifier") or []:
        if not isinstance(identifier, dict) or not isinstance(identifier.get("value"), str):
            continue
        value = identifier["value"].strip()
        system = (identifier.get("system") or "").strip()
        if value and len(value) <= 100 and len(system) <= 200:
            found.append((system, value))
    return list(dict.fromkeys(found))[:MAX_IDENTIFIERS]


def _already_imported(sender: Member, identifiers: list[tuple[str, str]]) -> Referral | None:
    """The referral this sender's identifiers name: one imported before, or refnet's own
    (a ServiceRequest that refnet exported, posted back)."""
    if not identifiers:
        return None
    own = systems.system(systems.REFERRAL)
    for system, value in identifiers:
        if system == own and value.isdigit() and len(value) < 10:
            referral = db.session.get(Referral, int(value))
            if referral is not None and referral.sender_id == sender.id:
                return referral
    referral_id = db.session.scalar(
        select(ReferralIdentifier.referral_id)
        .where(
            ReferralIdentifier.sender_id == sender.id,
            or_(
                *(
                    (ReferralIdentifier.system == s) & (ReferralIdentifier.value == v)
                    for s, v in identifiers
                )
            ),
        )
        .order_by(ReferralIdentifier.referral_id)
        .limit(1)
    )
    return db.session.get(Referral, referral_id) if referral_id else None


def _sender(actor, index, order: Entry, tasks, header) -> Member:
    """The member the requester names; a Bundle that names none is sent by the one active
    member its poster acts for (an EHR's token for one practice)."""
    references = _references(order, tasks, header, "requester")
    if not references and actor is not None and actor.role == Role.PRACTITIONER:
        acting_for = [m for m in actor.members if m.active]
        if len(acting_for) == 1:
            return acting_for[0]
    return member_for(index, references, "requester")


def _ensure_sends_for(actor: User | None, sender: Member, where: str) -> None:
    if actor is None:
        return
    if actor.role != Role.PRACTITIONER:
        raise refuse(
            "Only practitioners send referrals: coordinators and admins act for no member.",
            "forbidden",
            where,
            status=403,
        )
    if sender.id not in actor.member_ids:
        raise refuse(
            "You do not act for the member this Bundle names as its sender.",
            "forbidden",
            where,
            status=403,
        )


def _known_client(actor, sender: Member, client) -> int | None:
    """A client this sender already registered with the same record number, name and
    birth date: sent again, not registered twice."""
    born = _date(client.birth_date)
    if not client.identifier or not client.family_name or born is None:
        return None
    return db.session.scalar(
        clients_of(actor, sender)
        .where(
            Client.identifier == client.identifier,
            Client.family_name == client.family_name,
            Client.birth_date == born,
            Client.consent.is_(True),
        )
        .with_only_columns(Client.id)
        .limit(1)
    )


def _date(value):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _issues_of(exc: InvalidReferral, paths: dict[str, str]) -> list[Issue]:
    issues = []
    for name, message in exc.fields.items():
        where, element = FIELD_PATHS.get(name, ("order", ""))
        base = paths.get(where) or paths["order"]
        code = "business-rule" if name in ("receiver_id", "kind", "client.consent") else "invalid"
        if name.startswith("client.") and "needs" in message:
            code = "required"
        issues.append(Issue(message, code, f"{base}.{element}" if element else base))
    return issues or [Issue(exc.message, "invalid", paths["order"])]


def import_bundle(actor: User | None, bundle: object, *, now: datetime | None = None) -> Imported:
    """Make the referral the Bundle asks for. `actor` None is the operator at the shell."""
    if not isinstance(bundle, dict):
        raise refuse("The body must be a FHIR resource (a JSON object).", "structure", status=400)
    if bundle.get("resourceType") != "Bundle":
        raise refuse(
            f"Send a Bundle, not a {str(bundle.get('resourceType'))[:40]}.",
            "invalid",
            "resourceType",
        )
    index = BundleIndex.of(bundle)
    order = service_request(bundle, index)
    tasks = tasks_of(index, order)
    header = index.entries[0] if bundle.get("type") == "message" else None
    for task in tasks:
        checked(task)

    sender = _sender(actor, index, order, tasks, header)
    _ensure_sends_for(actor, sender, f"{order.path}.requester")
    identifiers = _order_identifiers(order)
    existing = _already_imported(sender, identifiers)
    if existing is not None:
        return Imported(existing, created=False)

    receiver = member_for(
        index, _references(order, tasks, header, "performer"), "performer", sender.network_id
    )
    patient = patient_of(index, order)
    consent = consent_of(index, order, patient)
    paths = {"order": order.path, "patient": patient.path}
    if consent.refused is not None:
        raise refuse(
            "The client's Consent in the Bundle is not active or denies sharing: refnet "
            "cannot take this referral.",
            "business-rule",
            consent.refused.path,
        )
    warnings = []
    given = consent.given
    if not given:
        if current_app.config.get("FHIR_IMPORT_REQUIRE_CONSENT"):
            raise refuse(
                "A clinical referral needs the client's consent to share: include an "
                "active Consent of the Patient (as HL7 BSeR does).",
                "required",
                "Bundle.entry",
            )
        given = True
        warnings.append(
            Issue(
                "No Consent in the Bundle: the sending system attests the client's consent.",
                "informational",
                severity="warning",
            )
        )
    paths["consent"] = "Bundle.entry"
    words = referral_words(index, order)
    client = client_of(patient, given)
    known = _known_client(actor, sender, client)
    new = NewReferral(
        receiver_id=receiver.id,
        kind=ReferralKind.CLINICAL.value,
        sender_id=sender.id,
        client_id=known,
        client=None if known else client,
        # The sender's own order number tells this order from another for the same client.
        confirm_duplicate=bool(identifiers),
        **words,
    )
    try:
        if actor is None:
            referral = send_as(sender, None, new, now=now)
        else:
            referral = send_referral(actor, new, now=now)
    except PossibleDuplicate as exc:
        raise ImportRefused([Issue(exc.message, "duplicate", order.path)], 409) from exc
    except ActionForbidden as exc:
        raise refuse(exc.message, "forbidden", f"{order.path}.requester", status=403) from exc
    except InvalidReferral as exc:
        raise ImportRefused(_issues_of(exc, paths)) from exc
    for system, value in identifiers:
        db.session.add(
            ReferralIdentifier(
                referral_id=referral.id, sender_id=sender.id, system=system, value=value
            )
        )
    db.session.flush()
    record(
        "import",
        "referral",
        referral.id,
        user=actor,
        detail=f"FHIR Bundle {str(bundle.get('id') or '')[:64]} type={bundle.get('type')}",
    )
    return Imported(referral, created=True, warnings=warnings)


def existing_after_race(actor: User | None, bundle: dict) -> Referral | None:
    """After a unique-key conflict (the same Bundle posted twice at once): the referral the
    other request made, or None."""
    try:
        index = BundleIndex.of(bundle)
        order = service_request(bundle, index)
        tasks = tasks_of(index, order)
        header = index.entries[0] if bundle.get("type") == "message" else None
        sender = _sender(actor, index, order, tasks, header)
        _ensure_sends_for(actor, sender, order.path)
    except ImportRefused:
        return None
    return _already_imported(sender, _order_identifiers(order))
