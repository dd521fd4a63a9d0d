"""The identifier systems of this deployment: one URI per kind of record refnet names.

Export writes them, import matches members by them. They hang off FHIR_SYSTEM_BASE, which
defaults to BASE_URL + "/fhir/sid" so that two deployments never mint the same identifier.
"""

from __future__ import annotations

from flask import current_app

MEMBER = "member"
NETWORK = "network"
REFERRAL = "referral"
CLIENT = "client"
USER = "user"
MESSAGE = "message"


def system_base() -> str:
    config = current_app.config
    return (config.get("FHIR_SYSTEM_BASE") or config["BASE_URL"] + "/fhir/sid").rstrip("/")


def system(kind: str) -> str:
    """The identifier system URI of one kind of record, e.g. https://refnet.example/fhir/sid/member."""
    return f"{system_base()}/{kind}"
