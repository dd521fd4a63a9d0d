"""The OpenAPI document is true: schemathesis drives every operation with generated requests.

Checks on every response: no server error, and the body matches the schema documented for
its status. Positive cases are also steered, half of the time, towards records that exist
(a seeded referral and its current version, a real receiver and client), so that the
success responses are checked too, not only the refusals. Bounded and deterministic.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.api.openapi import PATHS
from app.models import Referral, Status, User, utcnow
from app.referrals.access import parties_of
from app.referrals.states import allowed_actions
from tests.test_api import bearer

MAX_EXAMPLES = 40
CHECKS = [not_a_server_error, response_schema_conformance]

# Every operation of the document, positive and (where it has inputs) negative.
CASES = sorted(
    (method.upper(), path, mode)
    for path, methods in PATHS.items()
    for method, operation in methods.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode == GenerationMode.POSITIVE or {"parameters", "requestBody"} & set(operation)
)


@dataclass
class Seeded:
    headers: dict[str, str]
    user_id: int
    member_ids: list[int]
    receiver_id: int
    referral_ids: list[int]


@pytest.fixture
def seeded(make, db) -> Seeded:
    """A small network in which a practitioner has referrals in each state, both ways."""
    network = make.network(name="Schemathesis network")
    mine = make.member(network, name="GP", city="Leeds", organization="Riverside")
    other = make.member(network, name="Cardio", specialties=["Cardiology"], postcode="LS1")
    full = make.member(network, name="Physio", specialties=["Physiotherapy"], accepting=False)
    referrals = []
    for n, status in enumerate(Status):
        sent_at = utcnow() - timedelta(days=n + 1)
        referrals.append(make.referral(mine, other, status, sent_at=sent_at))
        referrals.append(make.referral(other, mine, status, sent_at=sent_at))
    user = make.practitioner(mine)
    return Seeded(
        headers=bearer(db, user),
        user_id=user.id,
        member_ids=[mine.id, other.id, full.id],
        receiver_id=other.id,
        referral_ids=[r.id for r in referrals],
    )


def steer(case: Case, seeded: Seeded, pick: int, db) -> None:
    """Point a generated case at seeded records, keeping the rest of what was generated."""
    parameters = case.path_parameters or {}
    if "member_id" in parameters:
        parameters["member_id"] = seeded.member_ids[pick % len(seeded.member_ids)]
    if "referral_id" in parameters:
        referral_id = seeded.referral_ids[pick % len(seeded.referral_ids)]
        parameters["referral_id"] = referral_id
        db.session.expire_all()
        referral = db.session.get(Referral, referral_id)
        if isinstance(case.body, dict):
            case.body["version"] = referral.version
        if "action" in parameters:  # one that this caller may take now, when there is one
            user = db.session.get(User, seeded.user_id)
            allowed = allowed_actions(referral.status, parties_of(user, referral))
            if allowed:
                parameters["action"] = allowed[pick % len(allowed)].action.value
    if case.operation.path == "/referrals" and case.method == "POST":
        case.body.pop("client_id", None)
        case.body.update(
            receiver_id=seeded.receiver_id,
            sender_id=None,
            confirm_duplicate=True,
            client={
                "given_name": "Ada",
                "family_name": "Lovelace",
                "birth_date": "1980-05-17",
                "consent": True,
            },
        )


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


# schemathesis.pytest.from_fixture() cannot run under pytest 9 (it sets Function._nodeid,
# which pytest 9 removed), so each operation gets a plain Hypothesis test of its own.
@pytest.mark.parametrize("method, path, mode", CASES)
def test_api_matches_its_openapi_document(api_schema, seeded, db, method, path, mode):
    operation = api_schema[path][method]
    statuses: Counter[int] = Counter()

    @given(
        case=operation.as_strategy(generation_mode=mode),
        steered=st.booleans(),
        pick=st.integers(min_value=0, max_value=100),
    )
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Case, steered: bool, pick: int) -> None:
        if steered and mode == GenerationMode.POSITIVE:
            steer(case, seeded, pick, db)
        response = case.call_and_validate(headers=seeded.headers, checks=CHECKS)
        statuses[response.status_code] += 1

    check()
    assert 401 not in statuses and 500 not in statuses, statuses  # the token was used
    if mode == GenerationMode.POSITIVE:
        assert any(200 <= status < 300 for status in statuses), statuses


def _templated(rule: str) -> str:
    """/api/v1/referrals/<int(min=1):referral_id> → /referrals/{referral_id}"""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_document_lists_exactly_the_routes_of_the_api(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    documented = {(m.upper(), path) for path, ops in document["paths"].items() for m in ops}
    routed = {
        (method, _templated(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routed
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http" and schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "session"}
