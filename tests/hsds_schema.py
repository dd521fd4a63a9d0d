"""The shapes of the Open Referral HSDS 3.0 objects refnet's directory export writes, as JSON
Schema (draft 2020-12), written for refnet's tests from the HSDS 3.0 schema reference
(https://docs.openreferral.org/en/3.0/hsds/schema_reference.html): each object's required
fields, the types and formats of its fields, and its enumerations. Each object lists the
HSDS field names it may carry (additionalProperties false), so that a field refnet
misnames fails the test. The upstream schema files (openreferral/specification, CC BY-SA
4.0) are not vendored here."""

from __future__ import annotations

UUID = {"type": "string", "format": "uuid"}
TEXT = {"type": "string"}
EMAIL = {"type": "string", "format": "email"}
URI = {"type": "string", "format": "uri"}


def _object(required: list[str], properties: dict) -> dict:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def _array(ref: str) -> dict:
    return {"type": "array", "items": {"$ref": f"#/$defs/{ref}"}}


DEFS = {
    "phone": _object(
        ["id", "number"],
        {
            "id": UUID,
            "location_id": TEXT,
            "service_id": TEXT,
            "organization_id": TEXT,
            "contact_id": TEXT,
            "service_at_location_id": TEXT,
            "number": TEXT,
            "extension": {"type": "number"},
            "type": TEXT,
            "description": TEXT,
            "languages": {"type": "array"},
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "contact": _object(
        ["id"],
        {
            "id": UUID,
            "organization_id": TEXT,
            "service_id": TEXT,
            "service_at_location_id": TEXT,
            "location_id": TEXT,
            "name": TEXT,
            "title": TEXT,
            "department": TEXT,
            "email": EMAIL,
            "phones": _array("phone"),
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "taxonomy_term": _object(
        ["id", "name", "description"],
        {
            "id": UUID,
            "code": TEXT,
            "name": TEXT,
            "description": TEXT,
            "parent_id": TEXT,
            "taxonomy": TEXT,
            "taxonomy_detail": {"type": "object"},
            "language": TEXT,
            "taxonomy_id": TEXT,
            "term_uri": URI,
            "metadata": {"type": "array"},
        },
    ),
    "attribute": _object(
        ["id", "taxonomy_term_id"],
        {
            "id": UUID,
            "link_id": UUID,
            "taxonomy_term_id": UUID,
            "link_type": TEXT,
            "link_entity": TEXT,
            "value": TEXT,
            "taxonomy_term": {"$ref": "#/$defs/taxonomy_term"},
            "label": TEXT,
            "metadata": {"type": "array"},
        },
    ),
    "organization_identifier": _object(
        ["id", "identifier_type", "identifier"],
        {
            "id": UUID,
            "organization_id": TEXT,
            "identifier_scheme": TEXT,
            "identifier_type": TEXT,
            "identifier": TEXT,
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "organization": _object(
        ["id", "name", "description"],
        {
            "id": UUID,
            "name": TEXT,
            "alternate_name": TEXT,
            "description": TEXT,
            "email": EMAIL,
            "website": URI,
            "tax_status": TEXT,
            "tax_id": TEXT,
            "year_incorporated": {"type": "number"},
            "legal_status": TEXT,
            "logo": TEXT,
            "uri": URI,
            "parent_organization_id": TEXT,
            "funding": {"type": "array"},
            "contacts": _array("contact"),
            "phones": _array("phone"),
            "locations": _array("location"),
            "programs": {"type": "array"},
            "organization_identifiers": _array("organization_identifier"),
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "service_at_location": _object(
        ["id"],
        {
            "id": UUID,
            "service_id": UUID,
            "location_id": UUID,
            "description": TEXT,
            "service_areas": {"type": "array"},
            "contacts": _array("contact"),
            "phones": _array("phone"),
            "schedules": {"type": "array"},
            "location": {"$ref": "#/$defs/location"},
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "service": _object(
        ["id", "name", "status"],
        {
            "id": UUID,
            "organization_id": TEXT,
            "program_id": TEXT,
            "name": TEXT,
            "alternate_name": TEXT,
            "description": TEXT,
            "url": URI,
            "email": EMAIL,
            "status": {"enum": ["active", "inactive", "defunct", "temporarily closed"]},
            "interpretation_services": TEXT,
            "application_process": TEXT,
            "fees_description": TEXT,
            "accreditations": TEXT,
            "eligibility_description": TEXT,
            "minimum_age": {"type": "number"},
            "maximum_age": {"type": "number"},
            "assured_date": TEXT,
            "assurer_email": EMAIL,
            "alert": TEXT,
            "phones": _array("phone"),
            "schedules": {"type": "array"},
            "service_areas": {"type": "array"},
            "service_at_locations": _array("service_at_location"),
            "languages": {"type": "array"},
            "organization": {"$ref": "#/$defs/organization"},
            "funding": {"type": "array"},
            "cost_options": {"type": "array"},
            "program": {"type": "object"},
            "required_documents": {"type": "array"},
            "contacts": _array("contact"),
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "address": _object(
        ["id", "address_1", "city", "state_province", "postal_code", "country", "address_type"],
        {
            "id": UUID,
            "location_id": UUID,
            "attention": TEXT,
            "address_1": TEXT,
            "address_2": TEXT,
            "city": TEXT,
            "region": TEXT,
            "state_province": TEXT,
            "postal_code": TEXT,
            "country": TEXT,
            "address_type": {"enum": ["physical", "postal", "virtual"]},
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
    "location": _object(
        ["id", "location_type"],
        {
            "id": UUID,
            "location_type": {"enum": ["physical", "postal", "virtual"]},
            "url": URI,
            "organization_id": UUID,
            "name": TEXT,
            "alternate_name": TEXT,
            "description": TEXT,
            "transportation": TEXT,
            "latitude": {"type": "number"},
            "longitude": {"type": "number"},
            "external_identifier": TEXT,
            "external_identifier_type": TEXT,
            "languages": {"type": "array"},
            "addresses": _array("address"),
            "contacts": _array("contact"),
            "accessibility": {"type": "array"},
            "phones": _array("phone"),
            "schedules": {"type": "array"},
            "attributes": _array("attribute"),
            "metadata": {"type": "array"},
        },
    ),
}

# The export as a whole: top-level arrays of the core objects.
EXPORT = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["hsds_version", "organizations", "services", "locations", "taxonomy_terms"],
    "properties": {
        "hsds_version": {"const": "3.0"},
        "generated_at": {"type": "string", "format": "date-time"},
        "publisher": {"type": "object"},
        "organizations": _array("organization"),
        "services": _array("service"),
        "locations": _array("location"),
        "taxonomy_terms": _array("taxonomy_term"),
    },
    "additionalProperties": False,
    "$defs": DEFS,
}
