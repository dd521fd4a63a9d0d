"""Each route of the API with what the OpenAPI document says of it, declared on its view.

`@operation(...)` adds the route to the blueprint and records the operation: its method,
path, summary, operationId, query and body models, its answer and the error statuses it
can give. app.api.openapi builds the document from these records and the app's url_map,
and tests/test_openapi.py checks that no route of the API is missing from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from app.api import bp


@dataclass(frozen=True)
class Operation:
    endpoint: str
    method: str
    rule: str  # the route within the blueprint, as Flask writes it
    operation_id: str
    summary: str
    answer: tuple[int, type[BaseModel] | dict[str, Any], str]  # status, body, description
    errors: tuple[int, ...] = ()  # besides 401, which every non-public operation can give
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    path_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)  # beyond converters
    description: str = ""
    public: bool = False  # no credentials needed
    idempotent: bool = False  # honours an Idempotency-Key header (app.api.idempotency)

    @property
    def path(self) -> str:
        return openapi_path(self.rule)

    @property
    def has_inputs(self) -> bool:
        return bool(self.query or self.body or "{" in self.path)


def openapi_path(rule: str) -> str:
    """/referrals/<int(min=1):referral_id> → /referrals/{referral_id}"""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


OPERATIONS: dict[str, Operation] = {}  # by endpoint, in the order the views are declared


def operation(
    method: str, rule: str, operation_id: str, **described: Any
) -> Callable[[Callable], Callable]:
    """Route the view on the API blueprint and record what the document says of it."""

    def register(view: Callable) -> Callable:
        endpoint = f"{bp.name}.{view.__name__}"
        if endpoint in OPERATIONS:
            raise ValueError(f"{endpoint} is declared twice")
        OPERATIONS[endpoint] = Operation(endpoint, method, rule, operation_id, **described)
        bp.add_url_rule(rule, view_func=view, methods=[method])
        return view

    return register


def is_public(endpoint: str | None) -> bool:
    found = OPERATIONS.get(endpoint or "")
    return found is not None and found.public
