"""JSON Schemas (OpenAPI 3.1 / JSON Schema 2020-12) of what the API reads and returns."""

from __future__ import annotations

from typing import Any

from app.api.serialize import STAGE_TIMES as SERIALIZED_STAGE_TIMES
from app.models import MemberKind, Priority, ReferralKind, Role, Status
from app.referrals.states import Action

USER_ACTIONS = [a.value for a in Action if a != Action.EXPIRE]
MAX_ID = 2**31 - 1


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


ID = {"type": "integer", "minimum": 1}
MOMENT = nullable("string", format="date-time")
DAY = nullable("string", format="date")
STATUS = {"type": "string", "enum": [s.value for s in Status]}

ERROR = _object(
    {
        "error": {
            "type": "string",
            "description": "A stable code: malformed, unauthorized, forbidden, not_found, "
            "stale, conflict, invalid, invalid_transition, possible_duplicate, too_large, "
            "unsupported_media_type, method_not_allowed.",
        },
        "message": {"type": "string", "description": "What went wrong, for a person."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Field name (client fields as client.<name>) → what is wrong.",
        },
    }
)

USER = _object(
    {
        "id": ID,
        "email": {"type": "string"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": [r.value for r in Role]},
        "members": {
            "type": "array",
            "items": _object({"id": ID, "name": {"type": "string"}, "network_id": ID}),
        },
        "member_ids": {"type": "array", "items": ID},
        "network_ids": {"type": "array", "items": ID},
    }
)

MEMBER = _object(
    {
        "id": ID,
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": [k.value for k in MemberKind]},
        "specialties": {"type": "array", "items": {"type": "string"}},
        "accepting": {"type": "boolean"},
        "active": {"type": "boolean"},
        "city": nullable("string"),
        "postcode": nullable("string"),
        "network_id": ID,
        "organization": nullable("string"),
    }
)

NEXT = nullable("string", description="The URL of the next page; null on the last one.")

REFERRAL_SUMMARY = _object(
    {
        "id": ID,
        "status": STATUS,
        "version": ID,
        "sender_id": ID,
        "receiver_id": ID,
        "network_id": ID,
        "kind": {"type": "string", "enum": [k.value for k in ReferralKind]},
        "priority": {"type": "string", "enum": [p.value for p in Priority]},
        "service": {"type": "string"},
        "sent_at": {"type": "string", "format": "date-time"},
        "appointment_at": MOMENT,
        "forwarded_from_id": nullable("integer", minimum=1),
    }
)

EVENT = _object(
    {
        "action": {"type": "string"},
        "from_status": {"type": ["string", "null"], "enum": [*STATUS["enum"], None]},
        "to_status": STATUS,
        "at": {"type": "string", "format": "date-time"},
        "actor_id": nullable("integer", minimum=1),
        "note": nullable("string"),
    }
)

# Every stage time but sent_at, which is never null.
STAGE_TIMES = [name for name in SERIALIZED_STAGE_TIMES if name != "sent_at"]

REFERRAL = _object(
    {
        **{k: v for k, v in REFERRAL_SUMMARY["properties"].items() if k != "appointment_at"},
        "reason": {"type": "string"},
        "notes": nullable("string"),
        "client": _object(
            {
                "id": ID,
                "given_name": {"type": "string"},
                "family_name": {"type": "string"},
                "birth_date": DAY,
            }
        ),
        **{name: MOMENT for name in STAGE_TIMES},
        "status_reason": nullable("string", description="Why it was declined or cancelled."),
        "outcome": nullable("string", description="The receiver's outcome note to the sender."),
        "business_value": nullable(
            "string",
            pattern=r"^[0-9]+\.[0-9]{2}$",
            description="Closed-business value (professional referrals only), e.g. 1250.00.",
        ),
        "valid_until": DAY,
        "suggested_member_id": nullable("integer", minimum=1),
        "events": {"type": "array", "items": ref("ReferralEvent")},
        "allowed_actions": {
            "type": "array",
            "items": {"type": "string", "enum": USER_ACTIONS},
            "description": "What the caller may do now; POST each to actions/{action}.",
        },
    }
)

NEW_CLIENT = _object(
    {
        "given_name": {"type": "string", "maxLength": 100},
        "family_name": {"type": "string", "maxLength": 100},
        "birth_date": nullable("string", format="date", description="Required for clinical."),
        "email": nullable("string", maxLength=254),
        "phone": nullable("string", maxLength=40),
        "identifier": nullable("string", maxLength=64),
        "consent": {
            "type": "boolean",
            "description": "Consent to share the client's data; required for clinical.",
        },
    },
    required=["given_name", "family_name"],
)

NEW_REFERRAL = _object(
    {
        "receiver_id": {"type": "integer"},
        "sender_id": nullable(
            "integer", description="The sending member; optional when the user acts for one."
        ),
        "kind": {"type": "string", "enum": [k.value for k in ReferralKind]},
        "priority": nullable("string", enum=[*[p.value for p in Priority], None]),
        "reason": {"type": "string", "minLength": 3, "maxLength": 2000},
        "service": {"type": "string", "maxLength": 200},
        "notes": nullable("string", maxLength=5000),
        "client": {**ref("NewClient"), "description": "A new client; or give client_id instead."},
        "client_id": nullable("integer", description="One of the sender's clients."),
        "confirm_duplicate": {
            "type": "boolean",
            "description": "Send although the client has an open referral to this receiver.",
        },
    },
    required=["receiver_id", "kind", "reason", "service"],
)

ACTION_REQUEST = _object(
    {
        "version": {
            "type": "integer",
            "description": "The version read; a different one is refused with 409 stale.",
        },
        "reason": nullable("string", description="decline, cancel; optional for forward."),
        "receiver_id": nullable("integer", description="forward: the new receiver."),
        "appointment_at": nullable(
            "string", description="schedule: ISO date-time; without offset, network time."
        ),
        "visit_date": nullable("string", description="record-visit: ISO date."),
        "outcome": nullable("string", description="close: the outcome note."),
        "value": {
            "type": ["string", "number", "null"],
            "description": "close: closed-business value, professional referrals only.",
        },
        "note": nullable("string", maxLength=2000),
        "cancel": nullable("boolean", description="no-show: cancel instead of rescheduling."),
        "suggested_member_id": nullable("integer", description="decline: another member."),
    },
    required=["version"],
)


def page_of(item: str) -> dict[str, Any]:
    return _object({"items": {"type": "array", "items": ref(item)}, "next": NEXT})


SCHEMAS: dict[str, Any] = {
    "Error": ERROR,
    "User": USER,
    "Member": MEMBER,
    "MemberPage": page_of("Member"),
    "ReferralSummary": REFERRAL_SUMMARY,
    "ReferralPage": page_of("ReferralSummary"),
    "ReferralEvent": EVENT,
    "Referral": REFERRAL,
    "NewReferral": NEW_REFERRAL,
    "NewClient": NEW_CLIENT,
    "ActionRequest": ACTION_REQUEST,
}
