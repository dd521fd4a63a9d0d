"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the app's url_map,
the operations declared on the views (app.api.registry) and pydantic's JSON Schema of the
models they read and return (app.api.inputs, app.api.schemas)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule
from werkzeug.routing.converters import IntegerConverter

from app.api import bp
from app.api.idempotency import PARAMETER as IDEMPOTENCY_PARAMETER
from app.api.inputs import without_null
from app.api.registry import OPERATIONS, Operation, openapi_path, operation
from app.api.schemas import Error, Part

REF = "#/components/schemas/{model}"
ERRORS = {
    400: "Malformed: the body is not JSON, or not a JSON object.",
    401: "No session and no valid bearer token (unknown, revoked, or its user inactive).",
    403: "The caller may not do this (wrong party, wrong role).",
    404: "No such record, or one the caller may not see.",
    409: "Stale: the referral changed since `version` was read; reload it.",
    413: "The body is larger than 64 KiB.",
    415: "The body is not declared as application/json.",
    422: "A field or parameter is invalid (see `fields`), or the action is not allowed now.",
}
INFO = {
    "title": "refnet JSON API",
    "version": "1.0.0",
    "description": "Closed-loop referrals between the members of a network. "
    "Authenticate with a personal token (`Authorization: Bearer rn_…`, from the tokens "
    "page or `flask tokens create`) or the signed-in session; session requests that "
    "change data must be `application/json`. Errors are "
    '`{"error": CODE, "message": TEXT, "fields": {…}}`.',
}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "rn_… token"},
    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
}


class DocumentSchema(GenerateJsonSchema):
    """pydantic's JSON Schema, without a title on every property (the name says it) and
    with null written as one more type (`"type": ["string", "null"]`) where it can be."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def nullable_schema(self, schema: Any) -> dict[str, Any]:
        inner = self.generate_inner(schema["schema"])
        if isinstance(inner.get("type"), str | list) and not {"$ref", "anyOf"} & set(inner):
            kinds = inner["type"] if isinstance(inner["type"], list) else [inner["type"]]
            nullable = {**inner, "type": [*kinds, "null"]}
            if "enum" in inner:
                nullable["enum"] = [*inner["enum"], None]
            return nullable
        return self.get_union_of_schemas([inner, {"type": "null"}])


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _component_schemas() -> dict[str, Any]:
    """Every model that operations read or return, by name; a Part is written in place."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Error, "serialization")]
    for op in OPERATIONS.values():
        if isinstance(op.answer[1], type):
            models.append((op.answer[1], "serialization"))
        if op.body is not None:
            models.append((op.body, "validation"))
    _, found = models_json_schema(models, ref_template=REF, schema_generator=DocumentSchema)
    schemas = found.get("$defs", {})
    parts = {part.__name__: schemas.pop(part.__name__) for part in Part.__subclasses__()}
    for schema in [*schemas.values(), *parts.values()]:
        schema.pop("title", None)
    for schema in schemas.values():
        _write_in_place(schema, parts)
    return dict(sorted(schemas.items()))


def _write_in_place(schema: Any, parts: dict[str, Any]) -> None:
    if isinstance(schema, list):
        for item in schema:
            _write_in_place(item, parts)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            name = value.get("$ref", "").rpartition("/")[2] if isinstance(value, dict) else ""
            if name in parts:
                schema[key] = {**parts[name], **{k: v for k, v in value.items() if k != "$ref"}}
            else:
                _write_in_place(value, parts)


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(schema_generator=DocumentSchema)
    parameters = []
    for name, prop in schema["properties"].items():
        prop = without_null(prop)  # a query string cannot say null: it leaves the name out
        parameter = {"name": name, "in": "query", "schema": prop}
        parameter["description"] = prop.pop("description")
        if name in schema.get("required", ()):
            parameter["required"] = True
        if prop.get("type") == "array":
            parameter.update(style="form", explode=True)
        parameters.append(parameter)
    return parameters


def _path_parameters(rule: Rule, op: Operation) -> list[dict[str, Any]]:
    parameters = []
    for name, converter in rule._converters.items():  # werkzeug keeps no public list
        schema = {"type": "string"}
        if isinstance(converter, IntegerConverter):
            schema = {"type": "integer", "minimum": converter.min, "maximum": converter.max}
            schema = {k: v for k, v in schema.items() if v is not None}
        schema = op.path_schemas.get(name, schema)
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _operation(op: Operation, rule: Rule) -> dict[str, Any]:
    status, answer, described = op.answer
    schema = _ref(answer) if isinstance(answer, type) else answer
    responses: dict[str, Any] = {str(status): _json(schema, described)}
    errors = op.errors if op.public else (401, *op.errors)
    responses.update({str(code): {"$ref": f"#/components/responses/E{code}"} for code in errors})
    document: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.operation_id,
        "responses": dict(sorted(responses.items())),
    }
    if op.description:
        document["description"] = op.description
    if op.public:
        document["security"] = []
    parameters = _path_parameters(rule, op)
    if op.query is not None:
        parameters += _query_parameters(op.query)
    if op.idempotent:
        parameters.append(IDEMPOTENCY_PARAMETER)
    if parameters:
        document["parameters"] = parameters
    if op.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    return document


def build_document(app: Flask) -> dict[str, Any]:
    """The document of the routes in app.url_map that have a declared operation."""
    paths: dict[str, dict[str, Any]] = {}
    prefix = bp.url_prefix or ""
    for rule in app.url_map.iter_rules():
        op = OPERATIONS.get(rule.endpoint)
        if op is None or op.method not in (rule.methods or ()):
            continue  # an undeclared route: tests/test_openapi.py finds it missing
        path = openapi_path(rule.rule.removeprefix(prefix))
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, rule)
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": prefix}],
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": paths,
        "components": {
            "schemas": _component_schemas(),
            "responses": {f"E{code}": _json(_ref(Error), text) for code, text in ERRORS.items()},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


@operation(
    "GET",
    "/openapi.json",
    "getOpenApi",
    summary="This document",
    answer=(200, {"type": "object"}, "The OpenAPI 3.1 document."),
    public=True,
)
def openapi_document():
    # Built once per app, on first use: every route is registered by then.
    if "refnet_openapi" not in current_app.extensions:
        current_app.extensions["refnet_openapi"] = build_document(current_app)
    return current_app.extensions["refnet_openapi"]
