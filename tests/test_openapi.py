"""The OpenAPI document is true: schemathesis drives every operation with generated requests.

Checks on every response: no server error, and the body matches the schema documented for
its status. Positive cases are also steered, most of the time, towards records that exist
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

from app import create_app
from app.api.openapi import build_document
from app.api.registry import OPERATIONS
from app.config import TestConfig
from app.links.service import create_link
from app.models import (
    AdviceRequest,
    Programme,
    Referral,
    ReferralKind,
    Reward,
    Role,
    Status,
    User,
    utcnow,
)
from app.referrals.access import parties_of
from app.referrals.states import allowed_actions
from tests.test_api import bearer

MAX_EXAMPLES = 40
CHECKS = [not_a_server_error, response_schema_conformance]

# Every operation declared on a view, positive and (where it has inputs) negative.
CASES = sorted(
    (op.method, op.path, mode)
    for op in OPERATIONS.values()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode == GenerationMode.POSITIVE or op.has_inputs
)


@dataclass
class Seeded:
    headers: dict[str, str]
    user_id: int
    member_ids: list[int]
    receiver_id: int
    referral_ids: list[int]
    advice_ids: list[int]
    link_ids: list[int]
    network_id: int
    coordinator_headers: dict[str, str]  # network reports are for coordinators and admins
    programme_id: int = 0
    reward_ids: tuple[int, ...] = ()


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
    advice = []
    for n in range(12):  # asked both ways; close and convert end them one by one
        asker, asked = (mine, other) if n % 3 else (other, mine)
        advice.append(
            AdviceRequest(
                network_id=network.id,
                asker_id=asker.id,
                asked_member_id=asked.id,
                client_id=make.client(network).id,
                kind=ReferralKind.CLINICAL,
                subject="Opinion",
                question="Worth a referral?",
                answer_due_at=utcnow() + timedelta(days=5),
            )
        )
    db.session.add_all(advice)
    db.session.commit()
    links = [create_link(user, other.id, label=f"Link {n}") for n in range(3)]
    db.session.commit()
    programme, rewards = _thanks(db, network, mine, referrals)
    return Seeded(
        programme_id=programme.id,
        reward_ids=tuple(r.id for r in rewards),
        headers=bearer(db, user),
        user_id=user.id,
        member_ids=[mine.id, other.id, full.id],
        receiver_id=other.id,
        referral_ids=[r.id for r in referrals],
        advice_ids=[a.id for a in advice],
        link_ids=[link.id for link in links],
        network_id=network.id,
        coordinator_headers=bearer(db, make.user(Role.COORDINATOR, networks=[network])),
    )


def _thanks(db, network, earner, referrals):
    """A thanks programme (the network is mixed: clinical rules) and pending rewards."""
    programme = Programme(
        network_id=network.id,
        name="Thank you",
        clinical=True,
        rewarded="referrer",
        reward_kind="thanks",
        stage="closed",
    )
    db.session.add(programme)
    db.session.flush()
    rewards = [
        Reward(
            programme_id=programme.id,
            network_id=network.id,
            clinical=True,
            referral_id=referral.id,
            earner_role="referrer",
            earner_member_id=earner.id,
            stage="closed",
            kind="thanks",
        )
        for referral in referrals[:8]
    ]
    db.session.add_all(rewards)
    db.session.commit()
    return programme, rewards


def _steer_rewards(case: Case, seeded: Seeded, pick: int) -> None:
    parameters = case.path_parameters or {}
    if "programme_id" in parameters:
        parameters["programme_id"] = seeded.programme_id
    if "reward_id" in parameters:
        parameters["reward_id"] = seeded.reward_ids[pick % len(seeded.reward_ids)]
        seeded.headers.update(seeded.coordinator_headers)  # approving is for coordinators
    if case.operation.path == "/programmes" and case.method == "POST":
        case.body = {"name": "Thanks", "reward_kind": "thanks"}


def _steer_advice(case: Case, seeded: Seeded, pick: int, db) -> None:
    """Point a case at a seeded advice request, one still open when there is one."""
    parameters = case.path_parameters
    db.session.expire_all()
    ids = seeded.advice_ids
    ordered = [db.session.get(AdviceRequest, ids[(pick + n) % len(ids)]) for n in range(len(ids))]
    advice = next((a for a in ordered if a.is_open), ordered[0])
    parameters["advice_id"] = advice.id
    if isinstance(case.body, dict):
        case.body["version"] = advice.version
        case.body["confirm_duplicate"] = True
    if "action" in parameters:
        parameters["action"] = ("close", "convert")[pick % 2]


def steer(case: Case, seeded: Seeded, pick: int, db) -> None:
    """Point a generated case at seeded records, keeping the rest of what was generated."""
    parameters = case.path_parameters or {}
    if "member_id" in parameters:
        parameters["member_id"] = seeded.member_ids[pick % len(seeded.member_ids)]
    if "network_id" in parameters:
        parameters["network_id"] = seeded.network_id
    if case.operation.path.startswith("/reports/networks/"):
        # Network reports are for coordinators: from here on this operation's calls carry
        # the coordinator's token (each operation has its own Seeded).
        seeded.headers.update(seeded.coordinator_headers)
    if "referral_id" in parameters:
        db.session.expire_all()
        referral = _referral_to_steer_to(seeded, pick, db, "action" in parameters)
        parameters["referral_id"] = referral.id
        if isinstance(case.body, dict):
            case.body["version"] = referral.version
        if "action" in parameters:  # one that this caller may take now, when there is one
            user = db.session.get(User, seeded.user_id)
            allowed = allowed_actions(referral.status, parties_of(user, referral))
            # Preferably one that needs no values (the generated ones rarely fit an action):
            # then the body is just the version, and some steered examples must succeed.
            free = [t for t in allowed if not t.requires]
            if allowed:
                chosen = (free or allowed)[pick % len(free or allowed)]
                parameters["action"] = chosen.action.value
                if not chosen.requires and isinstance(case.body, dict):
                    case.body = {"version": referral.version}
    if "advice_id" in parameters:
        _steer_advice(case, seeded, pick, db)
    _steer_rewards(case, seeded, pick)
    if "link_id" in parameters:
        parameters["link_id"] = seeded.link_ids[pick % len(seeded.link_ids)]
    if case.operation.path == "/links" and case.method == "POST" and isinstance(case.body, dict):
        for name in ("owner_member_id", "owner_client_id", "ends_at"):
            case.body.pop(name, None)
        case.body["target_member_id"] = seeded.receiver_id
    if case.operation.path == "/advice" and case.method == "POST" and isinstance(case.body, dict):
        for name in ("client_id", "specialty", "asker_id"):
            case.body.pop(name, None)
        case.body.update(
            kind="clinical",
            asked_member_id=seeded.receiver_id,
            subject="Cardiology opinion",
            question="Worth a referral?",
            client={
                "given_name": "Ada",
                "family_name": "Lovelace",
                "birth_date": "1980-05-17",
                "consent": True,
            },
        )
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


def _referral_to_steer_to(seeded: Seeded, pick: int, db, acting: bool) -> Referral:
    """The seeded referral at `pick`; for actions, the first from there that the caller can
    still move on (earlier examples finish referrals, and generated strings that happen to be
    constants of refnet's code shift which examples come first)."""
    ids = seeded.referral_ids
    ordered = [ids[(pick + n) % len(ids)] for n in range(len(ids))]
    user = db.session.get(User, seeded.user_id)
    for referral_id in ordered:
        referral = db.session.get(Referral, referral_id)
        if not acting or allowed_actions(referral.status, parties_of(user, referral)):
            return referral
    return db.session.get(Referral, ordered[0])


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
        # Hypothesis leans to False (its simplest value), so most positive cases are steered
        # whatever else ran before: a run with no success cannot happen by the draw.
        left_alone=st.booleans(),
        pick=st.integers(min_value=0, max_value=100),
    )
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Case, left_alone: bool, pick: int) -> None:
        if not left_alone and mode == GenerationMode.POSITIVE:
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


def _routed(app) -> set[tuple[str, str]]:
    return {
        (method, _templated(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def _documented(document: dict) -> set[tuple[str, str]]:
    return {(m.upper(), path) for path, ops in document["paths"].items() for m in ops}


def test_document_lists_exactly_the_routes_of_the_api(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert _documented(document) == _routed(app)
    assert _documented(document) == {(op.method, op.path) for op in OPERATIONS.values()}
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http" and schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "session"}


def test_a_route_without_a_declared_operation_is_found_missing(database_url, monkeypatch):
    """The check above is not vacuous: the document only lists declared operations."""
    fresh = create_app(TestConfig(database_url))
    fresh.add_url_rule("/api/v1/secrets", endpoint="api.secrets", view_func=lambda: {})
    monkeypatch.delitem(OPERATIONS, "api.get_member")
    missing = _routed(fresh) - _documented(build_document(fresh))
    assert missing == {("GET", "/secrets"), ("GET", "/members/{member_id}")}
