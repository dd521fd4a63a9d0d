"""Shared by the FHIR tests: a network with a clinical referral in every state, and readers
of an export directory."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B import get_fhir_model_class

from app.models import MemberKind, Message, ReasonCode, ReferralKind, Status


def every_state_network(make, db):
    """A clinical network with one referral in each status (and the facts each maps from),
    a professional referral that must not leave, and messages."""
    network = make.network(name="FHIR Network", kind="mixed")
    gp = make.member(
        network, name="Dr Ada GP", organization="Riverside Practice", email="gp@x.example"
    )
    clinic = make.member(
        network,
        name="Heart Clinic",
        kind=MemberKind.ORGANIZATION,
        specialties=["Cardiology", "Echocardiography"],
        phone="01632 960000",
        city="Riverside",
        postcode="RV1 2AB",
    )
    closed_shop = make.member(network, name="Dr Not Accepting", accepting=False)
    sender = make.practitioner(gp)
    referrals = {}
    for status in Status:
        extra = {}
        if status == Status.DECLINED:
            extra = {"reason_code": ReasonCode.NO_CAPACITY, "status_reason": "Full until May"}
        if status == Status.CANCELLED:
            extra = {"reason_code": ReasonCode.CLIENT_DECLINED, "status_reason": "Moved away"}
        referrals[status] = make.referral(gp, clinic, status=status, notes="Allergic to X", **extra)
    professional = make.referral(gp, clinic, kind=ReferralKind.PROFESSIONAL, reason="PRO-ONLY")
    db.session.add_all(
        [
            Message(
                referral_id=referrals[Status.ACCEPTED].id,
                author_id=sender.id,
                side="sender",
                member_id=gp.id,
                body="Her latest ECG is attached.",
            ),
            Message(
                referral_id=referrals[Status.ACCEPTED].id,
                author_id=sender.id,
                side="coordinator",
                body="Coordinator here.",
            ),
            Message(
                referral_id=professional.id,
                author_id=sender.id,
                side="sender",
                member_id=gp.id,
                body="PRO-ONLY message",
            ),
        ]
    )
    db.session.commit()
    return {
        "network": network,
        "gp": gp,
        "clinic": clinic,
        "closed_shop": closed_shop,
        "sender": sender,
        "referrals": referrals,
        "professional": professional,
    }


def read_export(directory: Path) -> tuple[dict, dict[str, dict]]:
    """The manifest and every resource by "Type/id"."""
    manifest = json.loads((directory / "manifest.json").read_text())
    resources = {}
    for entry in manifest["output"]:
        lines = (directory / entry["url"]).read_text().splitlines()
        assert len(lines) == entry["count"]
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == entry["type"]
            resources[f"{resource['resourceType']}/{resource['id']}"] = resource
    return manifest, resources


def references(value) -> list[str]:
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference":
                found.append(inner)
            else:
                found.extend(references(inner))
    elif isinstance(value, list):
        for inner in value:
            found.extend(references(inner))
    return found


def assert_valid_r4b(resource: dict) -> None:
    """The fhir.resources R4B model takes it and writes the same JSON back."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    again = json.loads(model.model_dump_json())
    assert again["id"] == resource["id"]
    assert again["resourceType"] == resource["resourceType"]
