"""FHIR import (issue 13 item 4): BSeR-style Bundles become referrals in `sent` through the
send service; invalid ones get an OperationOutcome and write nothing."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from app.fhir import systems
from app.fhir.importing.service import import_bundle
from app.members.identifiers import identify_member
from app.models import (
    AuditLog,
    Client,
    MemberIdentifier,
    Notification,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ReferralIdentifier,
    Role,
    Status,
)
from app.tokens.service import create_token
from tests.fhir_bundles import BASE, NPI, message_bundle, transaction_bundle

FHIR = "application/fhir+json"
COUNTED = (Referral, Client, ReferralIdentifier, ReferralEvent, Notification, OutboxMessage)


@pytest.fixture
def net(make, db):
    network = make.network(name="Clinical Net", kind="clinical")
    sender = make.member(network, name="Henry Seven GP", email="gp@example.org")
    receiver = make.member(network, name="Hailey Eight Rheumatology", specialties=["Rheumatology"])
    other = make.member(network, name="Other Clinic")
    identify_member(None, sender, NPI, "1111111111")
    identify_member(None, receiver, NPI, "2222222222")
    practitioner = make.practitioner(sender, email="henry@example.org")
    db.session.commit()
    return {
        "network": network,
        "sender": sender,
        "receiver": receiver,
        "other": other,
        "practitioner": practitioner,
        "receiver_user": make.practitioner(receiver, email="hailey@example.org"),
    }


def _token(db, user) -> str:
    _token_row, secret = create_token(user, "ehr")
    db.session.commit()
    return secret


def _post(client, secret, body, content_type=FHIR):
    data = body if isinstance(body, bytes) else json.dumps(body)
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.post("/fhir", data=data, content_type=content_type, headers=headers)


def _counts(db) -> dict:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def test_message_bundle_becomes_a_sent_referral_through_the_send_service(db, net):
    imported = import_bundle(net["practitioner"], message_bundle())
    db.session.commit()
    referral = imported.referral
    assert imported.created
    assert referral.status == Status.SENT
    assert (referral.sender_id, referral.receiver_id) == (net["sender"].id, net["receiver"].id)
    assert referral.kind.value == "clinical"
    assert referral.priority.value == "urgent"
    assert referral.reason == "Arthritis (disorder)"
    # "Patient referral" is BSeR's generic code: the category says what the service is.
    assert referral.service == "Lifestyle education (procedure)"
    assert "Walking program" in referral.notes
    client = referral.client
    assert (client.given_name, client.family_name) == ("Eve L", "Everywoman")
    assert client.birth_date.isoformat() == "1974-11-24"
    assert client.identifier == "MRN-1032702"  # the record number, never the SSN
    assert client.consent and client.email == "eve.everywoman@example.com"
    events = db.session.scalars(
        select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
    )
    assert [e.action for e in events] == ["send"]
    told = db.session.scalars(select(Notification.user_id)).all()
    assert told == [net["receiver_user"].id]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "import")) is not None


def test_post_answers_201_with_location_and_a_second_post_gives_the_same_referral(client, db, net):
    secret = _token(db, net["practitioner"])
    first = _post(client, secret, message_bundle())
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.mimetype == FHIR
    referral_id = int(first.headers["X-Refnet-Referral"])
    assert first.headers["Location"].endswith(f"/fhir/ServiceRequest/sr-{referral_id}")
    answer = first.get_json()
    assert answer["resourceType"] == "Bundle" and answer["type"] == "transaction-response"
    assert answer["entry"][0]["response"]["status"] == "201 Created"
    assert answer["entry"][0]["response"]["location"].startswith(
        f"ServiceRequest/sr-{referral_id}/_history/"
    )
    before = _counts(db)

    again = _post(client, secret, message_bundle())
    assert again.status_code == 200
    assert int(again.headers["X-Refnet-Referral"]) == referral_id
    assert _counts(db) == before
    # Another order (new identifier) for the same client and receiver is a new referral.
    other = _post(client, secret, message_bundle(identifier="77777777"))
    assert other.status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 2
    # The client, known by record number, name and birth date, is not registered twice.
    assert db.session.scalar(select(func.count()).select_from(Client)) == 1


def test_transaction_bundle_with_urn_uuid_contained_and_logical_references(db, net):
    bundle = transaction_bundle(
        systems.system(systems.MEMBER), str(net["sender"].id), NPI, "2222222222"
    )
    referral = import_bundle(None, bundle).referral  # the operator at the shell
    db.session.commit()
    assert (referral.sender_id, referral.receiver_id) == (net["sender"].id, net["receiver"].id)
    assert referral.service == "Cardiology consult"
    assert referral.created_by_id is None
    assert db.session.scalar(select(ReferralIdentifier.value)) == "SR-2024-0042"


def test_relative_references_resolve_against_the_referring_entry_s_fullurl_base(db, net):
    bundle = message_bundle()
    # A second Patient with the same id on another server: only the base of the
    # ServiceRequest's fullUrl tells them apart (FHIR's rule for relative references).
    decoy = json.loads(json.dumps(bundle["entry"][2]))
    assert decoy["resource"]["resourceType"] == "Patient"
    decoy["fullUrl"] = "http://elsewhere.example.com/fhir/Patient/patient-eve"
    decoy["resource"]["name"] = [{"family": "Decoy", "given": ["Wrong"]}]
    bundle["entry"].insert(2, decoy)
    referral = import_bundle(net["practitioner"], bundle).referral
    assert referral.client.family_name == "Everywoman"
    assert bundle["entry"][1]["fullUrl"].startswith(BASE)


def test_version_specific_and_absolute_references_resolve(db, net):
    bundle = message_bundle()
    order = bundle["entry"][1]["resource"]
    order["subject"] = {"reference": f"{BASE}/Patient/patient-eve/_history/3"}
    order["performer"] = [{"reference": "PractitionerRole/role-recipient/_history/1"}]
    referral = import_bundle(net["practitioner"], bundle).referral
    assert referral.receiver_id == net["receiver"].id


def test_receiver_found_through_the_role_s_practitioner_when_the_role_has_no_identifier(db, net):
    bundle = message_bundle()
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource.get("id") == "role-recipient":
            resource.pop("identifier")
        if resource.get("id") == "practitioner-hailey":
            resource["identifier"] = [{"system": NPI, "value": "2222222222"}]
    assert import_bundle(net["practitioner"], bundle).referral.receiver_id == net["receiver"].id


def _entry(bundle, resource_type):
    return next(e for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type)


def _without(resource_type):
    def spoil(bundle):
        bundle["entry"].remove(_entry(bundle, resource_type))

    return spoil


def _set(resource_type, **values):
    def spoil(bundle):
        _entry(bundle, resource_type)["resource"].update(values)

    return spoil


def _bundle_type(bundle):
    bundle["type"] = "searchset"


def _two_orders(bundle):
    bundle["type"] = "transaction"
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Task"]
    bundle["entry"].pop(0)  # the MessageHeader
    second = json.loads(json.dumps(_entry(bundle, "ServiceRequest")))
    second["fullUrl"] += "-2"
    second["resource"]["id"] += "-2"
    bundle["entry"].append(second)


def _header_not_first(bundle):
    bundle["entry"].append(bundle["entry"].pop(0))


def _unknown_receiver(bundle):
    for entry in bundle["entry"]:
        if entry["resource"].get("id") == "role-recipient":
            entry["resource"]["identifier"] = [{"system": NPI, "value": "5555555555"}]


def _entries_not_a_list(bundle):
    bundle["entry"] = {"resource": {}}


def _consent_denies(bundle):
    _entry(bundle, "Consent")["resource"]["provision"] = {"type": "deny"}


def _no_birth_date(bundle):
    _entry(bundle, "Patient")["resource"].pop("birthDate")


def _subject_is_practitioner(bundle):
    _entry(bundle, "ServiceRequest")["resource"]["subject"] = {
        "reference": "Practitioner/practitioner-henry"
    }


def _unknown_element(bundle):
    _entry(bundle, "ServiceRequest")["resource"]["colour"] = "blue"


HOSTILE = {
    "missing patient": (_without("Patient"), 422, "not-found", "subject"),
    "subject not a patient": (_subject_is_practitioner, 422, "invalid", "subject"),
    "unknown member identifier": (_unknown_receiver, 422, "not-found", "performer"),
    "bad birth date": (_set("Patient", birthDate="1974-13-45"), 422, "structure", "birthDate"),
    "bad authoredOn": (
        _set("ServiceRequest", authoredOn="14/02/2020"),
        422,
        "structure",
        "authoredOn",
    ),
    "no birth date": (_no_birth_date, 422, "required", "birthDate"),
    "wrong bundle type": (_bundle_type, 422, "not-supported", "Bundle.type"),
    "bogus priority": (_set("ServiceRequest", priority="bogus"), 422, "code-invalid", "priority"),
    "bogus status": (_set("ServiceRequest", status="bogus"), 422, "code-invalid", "status"),
    "revoked order": (_set("ServiceRequest", status="revoked"), 422, "business-rule", "status"),
    "no service request": (_without("ServiceRequest"), 422, "required", "Bundle.entry"),
    "two orders, no focus": (_two_orders, 422, "multiple-matches", "Bundle.entry"),
    "header not first": (_header_not_first, 422, "structure", "Bundle.entry[0]"),
    "consent denies": (_consent_denies, 422, "business-rule", "Consent"),
    "entries not a list": (_entries_not_a_list, 422, "structure", "Bundle.entry"),
    "unknown element": (_unknown_element, 422, "structure", "colour"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_invalid_bundles_get_an_operation_outcome_and_write_nothing(client, db, net, case):
    spoil, status, code, where = HOSTILE[case]
    secret = _token(db, net["practitioner"])
    bundle = message_bundle()
    spoil(bundle)
    before = _counts(db)
    response = _post(client, secret, bundle)
    assert response.status_code == status, response.get_data(as_text=True)
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    issue = outcome["issue"][0]
    assert issue["severity"] == "error" and issue["code"] == code
    assert issue["diagnostics"]
    expression = " ".join(" ".join(i.get("expression", [])) for i in outcome["issue"])
    assert where in expression or where in issue["diagnostics"], outcome
    assert _counts(db) == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "structure"),
        (b"[1, 2]", 400, "structure"),
        (json.dumps({"resourceType": "Patient"}).encode(), 422, "invalid"),
        (b"[" * 5000 + b"]" * 5000, 400, "structure"),
        (
            json.dumps(
                {"resourceType": "Bundle", "type": "message", "entry": [{"x": "\ud800"}]}
            ).encode(),
            400,
            "structure",
        ),
    ],
    ids=["not json", "array", "not a bundle", "nested too deep", "lone surrogate"],
)
def test_unreadable_bodies_are_refused(client, db, net, body, status, code):
    secret = _token(db, net["practitioner"])
    before = _counts(db)
    response = _post(client, secret, body)
    assert response.status_code == status
    assert response.get_json()["issue"][0]["code"] == code
    assert _counts(db) == before


def test_too_large_is_413(app, client, db, net):
    secret = _token(db, net["practitioner"])
    old = app.config["FHIR_IMPORT_MAX_BYTES"]
    app.config["FHIR_IMPORT_MAX_BYTES"] = 2000
    try:
        response = _post(client, secret, message_bundle())
    finally:
        app.config["FHIR_IMPORT_MAX_BYTES"] = old
    assert response.status_code == 413
    assert response.get_json()["issue"][0]["code"] == "too-costly"
    assert _counts(db)["Referral"] == 0


def test_wrong_content_type_is_415(client, db, net):
    response = _post(client, _token(db, net["practitioner"]), message_bundle(), "text/plain")
    assert response.status_code == 415


def test_receiver_not_accepting_is_refused_by_the_send_guard(client, db, net):
    net["receiver"].accepting = False
    db.session.commit()
    response = _post(client, _token(db, net["practitioner"]), message_bundle())
    assert response.status_code == 422
    issue = response.get_json()["issue"][0]
    assert issue["code"] == "business-rule" and "not accepting" in issue["diagnostics"]
    assert issue["expression"][0].endswith(".performer")


def test_a_token_of_another_member_cannot_import_as_this_sender(client, db, net, make):
    before = _counts(db)
    response = _post(client, _token(db, net["receiver_user"]), message_bundle())
    assert response.status_code == 403
    assert response.get_json()["issue"][0]["code"] == "forbidden"
    coordinator = make.user(Role.COORDINATOR, networks=[net["network"]])
    assert _post(client, _token(db, coordinator), message_bundle()).status_code == 403
    assert _post(client, None, message_bundle()).status_code == 401
    assert _post(client, "rn_not-a-token", message_bundle()).status_code == 401
    assert _counts(db) == before


def test_the_same_identifier_from_another_sender_is_its_own_referral(db, net, make):
    first = import_bundle(net["practitioner"], message_bundle()).referral
    identify_member(None, net["other"], NPI, "3333333333")
    other_user = make.practitioner(net["other"])
    second = import_bundle(other_user, message_bundle(sender_npi="3333333333"))
    assert second.created and second.referral.id != first.id


def test_receiver_of_another_network_is_unknown(db, net, make):
    elsewhere = make.member(make.network(kind="clinical"), name="Far Away")
    identify_member(None, elsewhere, NPI, "4444444444")
    bundle = message_bundle(receiver_npi="4444444444")
    with pytest.raises(Exception) as refused:
        import_bundle(net["practitioner"], bundle)
    assert refused.value.issues[0].code == "not-found"


def test_without_consent_the_sender_attests_it_unless_the_deployment_requires_one(app, db, net):
    imported = import_bundle(net["practitioner"], message_bundle(consent=False))
    assert imported.created and imported.referral.client.consent
    assert imported.warnings and imported.warnings[0].severity == "warning"
    db.session.rollback()
    app.config["FHIR_IMPORT_REQUIRE_CONSENT"] = True
    try:
        with pytest.raises(Exception) as refused:
            import_bundle(net["practitioner"], message_bundle(consent=False, identifier="1"))
    finally:
        app.config["FHIR_IMPORT_REQUIRE_CONSENT"] = False
    assert refused.value.issues[0].code == "required"


def test_cli_imports_a_file_and_refuses_a_bad_one(app, db, net, tmp_path):
    good = tmp_path / "referral.json"
    good.write_text(json.dumps(message_bundle()))
    result = app.test_cli_runner().invoke(args=["fhir", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert '"transaction-response"' in result.output
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 1
    bad = tmp_path / "bad.json"
    spoiled = message_bundle(identifier="2")
    _unknown_receiver(spoiled)
    bad.write_text(json.dumps(spoiled))
    result = app.test_cli_runner().invoke(args=["fhir", "import", str(bad)])
    assert result.exit_code == 1
    assert '"OperationOutcome"' in result.output and "not-found" in result.output
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 1


def test_members_identify_cli(app, db, net):
    runner = app.test_cli_runner()
    member = net["other"]
    result = runner.invoke(args=["members", "identify", str(member.id), NPI, "3333333333"])
    assert result.exit_code == 0, result.output
    row = db.session.scalar(select(MemberIdentifier).where(MemberIdentifier.value == "3333333333"))
    assert row.member_id == member.id
    taken = runner.invoke(args=["members", "identify", str(member.id), NPI, "1111111111"])
    assert taken.exit_code == 1 and "already names member" in taken.output
    assert (
        runner.invoke(args=["members", "identify", str(member.id), "not a uri", "1"]).exit_code == 1
    )
    listed = runner.invoke(args=["members", "identifiers", str(member.id)])
    assert f"{NPI}|3333333333" in listed.output


def test_a_bundle_naming_no_requester_is_sent_by_the_one_member_its_poster_acts_for(db, net):
    bundle = message_bundle()
    _entry(bundle, "ServiceRequest")["resource"].pop("requester")
    _entry(bundle, "Task")["resource"].pop("requester")
    _entry(bundle, "MessageHeader")["resource"].pop("sender")
    _entry(bundle, "ServiceRequest")["resource"]["note"] = [{"text": "x" * 6000}]
    referral = import_bundle(net["practitioner"], bundle).referral
    assert referral.sender_id == net["sender"].id
    assert len(referral.notes) == 5000  # cut to what the send form keeps, not refused
    db.session.rollback()
    with pytest.raises(Exception) as refused:  # the operator acts for no member
        import_bundle(None, bundle)
    assert refused.value.issues[0].code == "required"


def test_refnet_s_own_referral_identifier_posted_back_names_that_referral(db, net, make):
    sent = make.referral(net["sender"], net["receiver"])
    bundle = message_bundle()
    _entry(bundle, "ServiceRequest")["resource"]["identifier"] = [
        {"system": systems.system(systems.REFERRAL), "value": str(sent.id)}
    ]
    imported = import_bundle(net["practitioner"], bundle)
    assert not imported.created and imported.referral.id == sent.id


def test_coordinators_set_and_remove_identifiers_on_the_member_page(client, db, net, make, login):
    coordinator = make.user(Role.COORDINATOR, networks=[net["network"]])
    member = net["other"]
    page = login(coordinator).get(f"/members/{member.id}")
    assert "Identifiers in other systems" in page.get_data(as_text=True)
    added = client.post(
        f"/members/{member.id}/identifiers", data={"system": NPI, "value": "3333333333"}
    )
    assert added.status_code == 302
    assert f"{NPI}|3333333333" in client.get(f"/members/{member.id}").get_data(as_text=True)
    taken = client.post(
        f"/members/{member.id}/identifiers",
        data={"system": NPI, "value": "1111111111"},
        follow_redirects=True,
    )
    assert "already names member" in taken.get_data(as_text=True)
    client.post(
        f"/members/{member.id}/identifiers/remove", data={"system": NPI, "value": "3333333333"}
    )
    rows = db.session.scalars(
        select(MemberIdentifier.value).where(MemberIdentifier.member_id == member.id)
    ).all()
    assert rows == []


def test_practitioners_and_other_networks_cannot_set_identifiers(client, db, net, make, login):
    outsider = make.user(Role.COORDINATOR, networks=[make.network()])
    login(outsider)
    response = client.post(
        f"/members/{net['other'].id}/identifiers", data={"system": NPI, "value": "3"}
    )
    assert response.status_code in (403, 404)
    client.post("/logout")
    login(net["practitioner"])
    response = client.post(
        f"/members/{net['other'].id}/identifiers", data={"system": NPI, "value": "3"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(MemberIdentifier)) == 2


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for number, value in enumerate(node):
            yield from _paths(value, (*path, number))


SPOILERS = [
    None,
    1,
    -1.5,
    True,
    "x",
    "",
    [],
    {},
    [1],
    ["x"],
    {"reference": "Patient/nobody"},
    {"reference": "#nothing"},
    "Patient/patient-eve",
    {"x": {"y": []}},
]


def test_hundreds_of_spoiled_bundles_give_a_referral_or_an_outcome_never_an_error(db, net):
    """Any node of a good Bundle replaced by a value of another shape, or removed."""
    import random

    from app.fhir.importing.outcome import ImportRefused

    rng = random.Random(13)
    paths = [p for p in _paths(message_bundle()) if p]
    outcomes = {"created": 0, "refused": 0}
    for _ in range(400):
        bundle = message_bundle()
        path = rng.choice(paths)
        parent = bundle
        for step in path[:-1]:
            parent = parent[step]
        if rng.random() < 0.2 and isinstance(parent, dict):
            parent.pop(path[-1])
        else:
            parent[path[-1]] = rng.choice(SPOILERS)
        try:
            import_bundle(net["practitioner"], bundle)
            outcomes["created"] += 1
        except ImportRefused as refused:
            assert refused.issues and all(i.diagnostics for i in refused.issues)
            outcomes["refused"] += 1
        db.session.rollback()
    assert outcomes["created"] and outcomes["refused"]


def test_a_collection_bundle_shaped_as_refnet_s_own_export_is_imported(db, net):
    """The shape of refnet's export of one referral (ids sr-/role-/pat-, members named by
    refnet's member system, no Consent), as another deployment or a test harness posts it."""
    base = "https://refnet.example/fhir"
    member = systems.system(systems.MEMBER)
    sender, receiver = net["sender"].id, net["receiver"].id

    def role(member_id):
        return {
            "fullUrl": f"{base}/PractitionerRole/role-{member_id}",
            "resource": {
                "resourceType": "PractitionerRole",
                "id": f"role-{member_id}",
                "identifier": [{"system": member, "value": str(member_id)}],
                "organization": {"reference": f"Organization/org-{member_id}"},
            },
        }

    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": f"{base}/ServiceRequest/sr-900",
                "resource": {
                    "resourceType": "ServiceRequest",
                    "id": "sr-900",
                    "meta": {"lastUpdated": "2026-11-20T10:00:00+00:00"},
                    "status": "active",
                    "intent": "order",
                    "priority": "routine",
                    "code": {"text": "Rheumatology consult"},
                    "subject": {"reference": "Patient/pat-77"},
                    "requester": {"reference": f"PractitionerRole/role-{sender}"},
                    "performer": [{"reference": f"PractitionerRole/role-{receiver}"}],
                    "reasonCode": [{"text": "Swollen knees for three months"}],
                },
            },
            {
                "fullUrl": f"{base}/Task/task-900",
                "resource": {
                    "resourceType": "Task",
                    "id": "task-900",
                    "status": "requested",
                    "intent": "order",
                    "focus": {"reference": "ServiceRequest/sr-900"},
                    "for": {"reference": "Patient/pat-77"},
                    "businessStatus": {
                        "coding": [
                            {
                                "system": "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS",
                                "code": "2.0",
                            }
                        ]
                    },
                },
            },
            {
                "fullUrl": f"{base}/Patient/pat-77",
                "resource": {
                    "resourceType": "Patient",
                    "id": "pat-77",
                    "identifier": [
                        {"system": systems.system(systems.CLIENT), "value": "77"},
                        {"type": {"text": "Referrer's identifier"}, "value": "K-2231"},
                    ],
                    "name": [{"family": "Brennan", "given": ["Nora"]}],
                    "birthDate": "1961-03-02",
                },
            },
            role(sender),
            role(receiver),
        ],
    }
    imported = import_bundle(net["practitioner"], bundle)
    referral = imported.referral
    assert (referral.sender_id, referral.receiver_id) == (sender, receiver)
    assert referral.reason == "Swollen knees for three months"
    assert referral.client.identifier == "K-2231"
    assert [w.severity for w in imported.warnings] == ["warning"]  # no Consent: attested


def test_a_chunked_body_over_the_limit_is_an_outcome_too(app, client, db, net):
    secret = _token(db, net["practitioner"])
    old = app.config["FHIR_IMPORT_MAX_BYTES"]
    app.config["FHIR_IMPORT_MAX_BYTES"] = 2000
    body = json.dumps(message_bundle()).encode()
    try:
        response = client.post(
            "/fhir",
            # As a server that de-chunks the body (gunicorn) hands it on: no Content-Length.
            input_stream=io.BytesIO(body),
            environ_overrides={"wsgi.input_terminated": True},
            headers={
                "Authorization": f"Bearer {secret}",
                "Content-Type": FHIR,
                "Transfer-Encoding": "chunked",
            },
        )
    finally:
        app.config["FHIR_IMPORT_MAX_BYTES"] = old
    assert response.status_code == 413, response.get_data(as_text=True)
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_the_same_bundle_posted_at_once_makes_one_referral(app, db, net):
    """PostgreSQL: two requests race past the identifier check; the unique key lets one
    referral through and the other answers with it."""
    import threading

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level races need PostgreSQL")
    secret = _token(db, net["practitioner"])
    body = json.dumps(message_bundle())
    barrier = threading.Barrier(4)
    answers = []

    def post():
        with app.test_client() as own:
            barrier.wait()
            response = own.post(
                "/fhir",
                data=body,
                content_type=FHIR,
                headers={"Authorization": f"Bearer {secret}"},
            )
            answers.append((response.status_code, response.headers.get("X-Refnet-Referral")))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.rollback()
    assert sorted(code for code, _ in answers) == [200, 200, 200, 201]
    assert len({referral for _, referral in answers}) == 1
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 1


def test_patient_only_in_the_nested_document_and_focus_straight_on_the_order(db, net):
    bundle = message_bundle()
    patient = _entry(bundle, "Patient")
    bundle["entry"].remove(patient)
    patient["resource"]["_birthDate"] = {
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                "valueDateTime": "1974-11-24T08:30:00Z",
            }
        ]
    }
    _entry(bundle, "Bundle")["resource"]["entry"].append(patient)
    _entry(bundle, "MessageHeader")["resource"]["focus"] = [
        {"reference": "ServiceRequest/servicerequest-arthritis"}
    ]
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Task"]
    referral = import_bundle(net["practitioner"], bundle).referral
    assert referral.client.family_name == "Everywoman"


def test_receiver_named_by_an_organization_or_a_healthcare_service(db, net):
    member = systems.system(systems.MEMBER)
    bundle = message_bundle()
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Task"]
    _entry(bundle, "MessageHeader")["resource"]["destination"][0].pop("receiver")
    bundle["entry"].append(
        {
            "fullUrl": f"{BASE}/HealthcareService/rheumatology",
            "resource": {
                "resourceType": "HealthcareService",
                "id": "rheumatology",
                "providedBy": {"reference": "Organization/org-receiver"},
            },
        }
    )
    bundle["entry"].append(
        {
            "fullUrl": f"{BASE}/Organization/org-receiver",
            "resource": {
                "resourceType": "Organization",
                "id": "org-receiver",
                "identifier": [{"system": member, "value": str(net["receiver"].id)}],
            },
        }
    )
    _entry(bundle, "ServiceRequest")["resource"]["performer"] = [
        {"reference": "HealthcareService/rheumatology"}
    ]
    assert import_bundle(net["practitioner"], bundle).referral.receiver_id == net["receiver"].id
    db.session.rollback()
    _entry(bundle, "ServiceRequest")["resource"]["performer"] = [
        {"reference": "Organization/org-receiver"}
    ]
    assert import_bundle(net["practitioner"], bundle).referral.receiver_id == net["receiver"].id


def test_a_second_order_without_identifier_for_the_same_client_is_a_possible_duplicate(
    client, db, net
):
    secret = _token(db, net["practitioner"])
    assert _post(client, secret, message_bundle(identifier=None)).status_code == 201
    before = _counts(db)
    again = _post(client, secret, message_bundle(identifier=None))
    assert again.status_code == 409
    assert again.get_json()["issue"][0]["code"] == "duplicate"
    assert _counts(db) == before


def test_the_operator_cannot_send_as_a_member_that_left(app, db, net):
    net["sender"].active = False
    db.session.commit()
    with pytest.raises(Exception) as refused:
        import_bundle(None, message_bundle())
    assert "left the network" in refused.value.issues[0].diagnostics
