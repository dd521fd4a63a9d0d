"""What refnet keeps of an eReferral Bundle: the ServiceRequest, its Patient, the consent.

Each resource that refnet reads is checked with fhir.resources' R4B model first (a bad date,
an element of the wrong type: an issue with its FHIRPath); codes are checked against their
value sets here, as the models do not. The rest of the Bundle (Coverage, Observations, a
nested document…) is left as it came.
"""

from __future__ import annotations

from dataclasses import dataclass

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from app.fhir import systems
from app.fhir.importing.bundle import BundleIndex, Entry
from app.fhir.importing.outcome import ImportRefused, refuse
from app.fhir.outcome import Issue
from app.referrals.clients import ClientInput

BUNDLE_TYPES = ("message", "transaction", "batch", "collection", "document")
REQUEST_STATUS = (
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
)
REFUSED_STATUS = ("revoked", "completed", "entered-in-error")
REQUEST_INTENT = (
    "proposal",
    "plan",
    "directive",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
)
PRIORITY = ("routine", "urgent", "asap", "stat")
CONSENT_STATUS = ("draft", "proposed", "active", "rejected", "inactive", "entered-in-error")
MAX_REASON, MAX_SERVICE, MAX_NOTES = 2000, 200, 5000
# Generic "this is a referral" codes: the category says more about the service.
GENERIC_CODES = {"3457005", "306206005", "103696004"}
# National ids are not what refnet keeps as a client's identifier (a record number).
NATIONAL_ID_TYPES = {"SS", "SB", "NI", "NNxxx", "DL", "PPN"}


def _path(base: str, loc: tuple) -> str:
    parts = [base]
    for item in loc:
        if isinstance(item, int):
            parts[-1] += f"[{item}]"
        elif not str(item).startswith("function-") and item != "__root__":
            parts.append(str(item))
    return ".".join(parts)


def checked(entry: Entry) -> None:
    """Refuse the resource if FHIR R4 says it is malformed."""
    model = get_fhir_model_class(entry.type)
    try:
        model.model_validate(entry.resource)
    except ValidationError as exc:
        issues = []
        for error in exc.errors()[:20]:
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "This element is not part of FHIR R4."
            issues.append(
                Issue(f"{entry.type}: {message}", "structure", _path(entry.path, error["loc"]))
            )
        raise ImportRefused(issues) from None
    except (KeyError, ValueError, TypeError) as exc:  # an unknown resourceType
        raise refuse(
            f"Unknown resourceType {entry.type[:40]!r}.", "not-supported", entry.path
        ) from exc


def _code(value, allowed, expression, label):
    if value is None:
        return None
    if value not in allowed:
        raise refuse(
            f"{label} {str(value)[:40]!r} is not a code of its value set ({', '.join(allowed)}).",
            "code-invalid",
            expression,
        )
    return value


def service_request(bundle: dict, index: BundleIndex) -> Entry:
    """The ServiceRequest the referral is made of: the message's focus (directly or through
    its Task), a Task's focus, or the Bundle's one ServiceRequest."""
    kind = bundle.get("type")
    if kind not in BUNDLE_TYPES:
        raise refuse(
            f"Bundle.type {str(kind)[:40]!r}: send a {', '.join(BUNDLE_TYPES[:2])} Bundle.",
            "not-supported" if isinstance(kind, str) else "required",
            "Bundle.type",
        )
    candidates: list[Entry] = []
    if kind == "message":
        headers = index.of_type("MessageHeader")
        if not headers or index.entries[0].type != "MessageHeader":
            raise refuse(
                "A message Bundle starts with its MessageHeader.", "structure", "Bundle.entry[0]"
            )
        header = headers[0]
        checked(header)
        for focus in header.resource.get("focus") or []:
            target = index.resolve(focus, header)
            if target is not None and target.type == "Task":
                target = index.resolve(target.resource.get("focus"), target)
            if target is not None and target.type == "ServiceRequest":
                candidates.append(target)
    if not candidates:
        for task in index.of_type("Task"):
            target = index.resolve(task.resource.get("focus"), task)
            if target is not None and target.type == "ServiceRequest":
                candidates.append(target)
    if not candidates:
        candidates = index.of_type("ServiceRequest")
    unique = list({id(c): c for c in candidates}.values())
    if not unique:
        raise refuse(
            "The Bundle carries no ServiceRequest: nothing to refer.", "required", "Bundle.entry"
        )
    if len(unique) > 1:
        raise refuse(
            "The Bundle carries several ServiceRequests and no MessageHeader or Task says "
            "which one is the referral: send one referral per Bundle.",
            "multiple-matches",
            "Bundle.entry",
        )
    order = unique[0]
    checked(order)
    resource = order.resource
    _code(resource.get("status"), REQUEST_STATUS, f"{order.path}.status", "status")
    _code(resource.get("intent"), REQUEST_INTENT, f"{order.path}.intent", "intent")
    _code(resource.get("priority"), PRIORITY, f"{order.path}.priority", "priority")
    if resource.get("status") in REFUSED_STATUS:
        raise refuse(
            f"The ServiceRequest is {resource['status']}: only an active one becomes a referral.",
            "business-rule",
            f"{order.path}.status",
        )
    return order


def tasks_of(index: BundleIndex, order: Entry) -> list[Entry]:
    return [
        task
        for task in index.of_type("Task")
        if index.resolve(task.resource.get("focus"), task) is order
    ]


def patient_of(index: BundleIndex, order: Entry) -> Entry:
    subject = order.resource.get("subject")
    where = f"{order.path}.subject"
    if not isinstance(subject, dict) or not subject.get("reference"):
        raise refuse("The ServiceRequest names no subject (the Patient).", "required", where)
    patient = index.resolve(subject["reference"], order)
    if patient is None:
        raise refuse(
            f"The subject “{str(subject['reference'])[:120]}” is not in the Bundle: include "
            "the Patient.",
            "not-found",
            where,
        )
    if patient.type != "Patient":
        raise refuse(f"The subject must be a Patient, not a {patient.type}.", "invalid", where)
    checked(patient)
    return patient


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _concept_text(concept) -> str | None:
    if not isinstance(concept, dict):
        return None
    text = _text(concept.get("text"))
    if text:
        return text
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and _text(coding.get("display")):
            return _text(coding["display"])
    return None


def _is_generic(concept) -> bool:
    codings = concept.get("coding") or [] if isinstance(concept, dict) else []
    return any(isinstance(c, dict) and c.get("code") in GENERIC_CODES for c in codings)


def referral_words(index: BundleIndex, order: Entry) -> dict:
    """reason, service, priority and notes of the referral, as the ServiceRequest says them."""
    resource = order.resource
    reasons = [_concept_text(c) for c in resource.get("reasonCode") or []]
    for reference in resource.get("reasonReference") or []:
        target = index.resolve(reference, order)
        found = _text(reference.get("display"))
        if target is not None:
            found = _concept_text(target.resource.get("code")) or found
        reasons.append(found)
    code = resource.get("code")
    categories = [_concept_text(c) for c in resource.get("category") or []]
    service = _concept_text(code)
    if (service is None or _is_generic(code)) and any(categories):
        service = next(c for c in categories if c)
    notes = [_text(n.get("text")) for n in resource.get("note") or [] if isinstance(n, dict)]
    instruction = _text(resource.get("patientInstruction"))
    if instruction:
        notes.append(f"For the client: {instruction}")
    reason = "; ".join(r for r in reasons if r)
    notes_text = "\n\n".join(n for n in notes if n)
    return {
        # Longer texts than the send form takes are cut, not refused: the referral is usable.
        "reason": reason[:MAX_REASON] or None,
        "service": " ".join(service.split())[:MAX_SERVICE] if service else None,
        "priority": resource.get("priority") or "routine",
        "notes": notes_text[:MAX_NOTES] or None,
    }


def _name(patient: dict) -> tuple[str | None, str | None]:
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    names.sort(key=lambda n: {"official": 0, "usual": 1}.get(n.get("use"), 2))
    for name in names:
        given = " ".join(" ".join(g.split()) for g in name.get("given") or [] if isinstance(g, str))
        family = _text(name.get("family"))
        if family or given:
            return given or None, family
        text = _text(name.get("text"))
        if text and " " in text:
            first, _, last = text.rpartition(" ")
            return first, last
    return None, None


def _record_number(patient: dict) -> str | None:
    for identifier in patient.get("identifier") or []:
        if not isinstance(identifier, dict) or not _text(identifier.get("value")):
            continue
        types = {
            c.get("code")
            for c in (identifier.get("type") or {}).get("coding") or []
            if isinstance(c, dict)
        }
        system = identifier.get("system") or ""
        if types & NATIONAL_ID_TYPES or system.endswith(("us-ssn", "/ssn")):
            continue
        if system.startswith(systems.system_base() + "/"):
            continue  # refnet's own client id, in a Patient that refnet exported
        value = identifier["value"].strip()
        if len(value) <= 64:
            return value
    return None


def client_of(patient: Entry, consent: bool) -> ClientInput:
    resource = patient.resource
    given, family = _name(resource)
    email = phone = None
    for telecom in resource.get("telecom") or []:
        if not isinstance(telecom, dict):
            continue
        value = _text(telecom.get("value"))
        if telecom.get("system") == "email" and value and "@" in value and " " not in value:
            email = email or value[:254]
        elif telecom.get("system") == "phone" and value and len(value) <= 40:
            phone = phone or value
    return ClientInput(
        given_name=given,
        family_name=family,
        birth_date=resource.get("birthDate"),
        email=email,
        phone=phone,
        identifier=_record_number(resource),
        consent=consent,
    )


@dataclass(frozen=True)
class ConsentFound:
    given: bool  # an active, permitting Consent of this patient is in the Bundle
    refused: Entry | None = None  # a Consent of this patient that denies or has ended


def consent_of(index: BundleIndex, order: Entry, patient: Entry) -> ConsentFound:
    consents = list(index.of_type("Consent"))
    for _number, reference in enumerate(order.resource.get("supportingInfo") or []):
        target = index.resolve(reference, order)
        if target is not None and target.type == "Consent" and target not in consents:
            consents.append(target)
    given = False
    for consent in consents:
        about = index.resolve(consent.resource.get("patient"), consent)
        if about is not None and about is not patient:
            continue  # another person's consent: not this client's
        checked(consent)
        status = _code(
            consent.resource.get("status"), CONSENT_STATUS, f"{consent.path}.status", "status"
        )
        denies = (consent.resource.get("provision") or {}).get("type") == "deny"
        if status in ("rejected", "inactive", "entered-in-error") or denies:
            return ConsentFound(False, consent)
        given = given or status == "active"
    return ConsentFound(given)
