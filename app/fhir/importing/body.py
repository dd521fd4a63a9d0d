"""Reading a posted or filed Bundle: bounded in size and depth, valid JSON and Unicode."""

from __future__ import annotations

import json

from app.fhir.importing.outcome import refuse
from app.fields import valid_unicode

FHIR_JSON = ("application/fhir+json", "application/json", "application/json+fhir")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse_bundle(raw: bytes, max_bytes: int) -> object:
    if len(raw) > max_bytes:
        raise refuse(
            f"The Bundle is {len(raw)} bytes; refnet takes at most {max_bytes}.",
            "too-costly",
            status=413,
        )
    try:
        document = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise refuse("The body is not valid JSON.", "structure", status=400) from exc
    if not valid_unicode(document):
        raise refuse(
            "The body contains text that is not valid Unicode, or is nested too deep.",
            "structure",
            status=400,
        )
    return document
