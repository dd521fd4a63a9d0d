"""GET /directory/hsds: the directory the caller may see, as Open Referral HSDS 3.0 JSON."""

from __future__ import annotations

from flask import request
from pydantic import BaseModel, Field

from app import fields as f
from app.api.auth import api_user
from app.api.errors import ApiError, invalid
from app.api.registry import operation
from app.auth.policy import sees_network, visible_members
from app.directory_export.hsds import directory_members, hsds_document
from app.extensions import db
from app.reads import reads_only


class HsdsQuery(BaseModel):
    network: int | None = Field(
        None, ge=1, le=f.MAX_ID, description="Only this network's members (one of the caller's)."
    )


HSDS_ANSWER = {
    "type": "object",
    "description": "HSDS 3.0: organizations, services, locations, taxonomy_terms.",
    "required": ["hsds_version", "organizations", "services", "locations", "taxonomy_terms"],
    "properties": {
        "hsds_version": {"type": "string", "const": "3.0"},
        "generated_at": {"type": "string", "format": "date-time"},
        "publisher": {"type": "object"},
        "organizations": {"type": "array", "items": {"type": "object"}},
        "services": {"type": "array", "items": {"type": "object"}},
        "locations": {"type": "array", "items": {"type": "object"}},
        "taxonomy_terms": {"type": "array", "items": {"type": "object"}},
    },
}


@operation(
    "GET",
    "/directory/hsds",
    "getDirectoryHsds",
    summary="The member directory as Open Referral HSDS 3.0 JSON",
    answer=(200, HSDS_ANSWER, "The active members the caller may see."),
    errors=(404, 422),
    query=HsdsQuery,
    description="Each active member is an organization with one service (referrals to it); "
    "specialties, accepting new referrals and weekly capacity are attributes linked to "
    "taxonomy terms; the address is a physical location; e-mail and phone a contact. "
    "Practitioners and coordinators get their networks, admins every network.",
)
@reads_only
def directory_hsds():
    user = api_user()
    problems = f.FieldProblems()
    network_id = f.query_integer(
        problems, "network", request.args.get("network"), low=1, high=f.MAX_ID
    )
    if problems:
        raise invalid(problems, "The directory could not be exported. Check the parameters.")
    if network_id is not None and not sees_network(user, network_id):
        raise ApiError(404, "not_found", "There is no such network, or you may not see it.")
    members = db.session.scalars(directory_members(network_id, visible_members(user)))
    return hsds_document(members)
