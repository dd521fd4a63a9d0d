"""Whatever arrives, the API answers a 4xx in its error shape: never a 500, never half a write."""

from __future__ import annotations

import json

import pytest

from app.models import Status
from tests.test_api import API, make_net, new_referral, send

HUGE = "9" * 5000  # beyond Python's default limit on the digits of an int read from text
LONG = "x" * 20_000

# Raw JSON fragments for one field of an otherwise valid body.
FIELD_VALUES = [
    "1e400",
    "-1e400",
    "Infinity",
    "NaN",
    HUGE,
    "99999999999999999999999",
    "-1",
    "0",
    "1.5",
    "true",
    "null",
    '"12abc"',
    '""',
    '"\\u0000"',
    '"\\ud800"',
    '"\\u202e\\ud83d\\ude00 \\u00e9"',
    f'"{LONG}"',
    "[]",
    "{}",
    '{"given_name": 1}',
]
SEND_FIELDS = ["receiver_id", "sender_id", "kind", "priority", "reason", "service", "client"]
SEND_FIELDS += ["client_id", "confirm_duplicate", "notes"]
CLIENT_FIELDS = ["given_name", "family_name", "birth_date", "email", "phone", "consent"]


@pytest.fixture
def net(make, db) -> dict:
    return make_net(make, db)


def _with(body: dict, path: list[str], raw: str) -> str:
    """The body as JSON text, with the value at `path` replaced by the raw fragment."""
    marker = "__raw__"
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = marker
    return json.dumps(body).replace(f'"{marker}"', raw)


def _assert_refused_cleanly(response):
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error", "message", "fields"}


@pytest.mark.parametrize("field", SEND_FIELDS + [f"client.{f}" for f in CLIENT_FIELDS])
def test_send_never_fails_on_odd_field_values(client, net, field):
    for raw in FIELD_VALUES:
        body = new_referral(net, confirm_duplicate=True)
        text = _with(body, field.split("."), raw)
        response = client.post(
            f"{API}/referrals", data=text, content_type="application/json", headers=net["a"]
        )
        if response.status_code != 201:  # some values are fine (e.g. notes "")
            _assert_refused_cleanly(response)


# Each action, on a referral in a state that lets it reach its field checks, with the
# fields it reads.
ACTION_STATES = {
    "accept": (Status.SENT, ["version", "note"]),
    "decline": (Status.SENT, ["reason_code", "reason", "suggested_member_id", "note"]),
    "forward": (Status.SENT, ["receiver_id", "reason"]),
    "cancel": (Status.SENT, ["reason_code", "reason"]),
    "schedule": (Status.ACCEPTED, ["appointment_at"]),
    "reschedule": (Status.SCHEDULED, ["appointment_at"]),
    "record-visit": (Status.ACCEPTED, ["visit_date"]),
    "no-show": (Status.SCHEDULED, ["cancel", "reason_code", "reason"]),
    "request-info": (Status.SENT, ["question"]),
    "provide-info": (Status.INFO_REQUESTED, ["answer"]),
    "interim-report": (Status.VISITED, ["report"]),
    "reopen": (Status.CLOSED, ["reason"]),
    "close": (Status.VISITED, ["outcome", "value"]),
}


@pytest.mark.parametrize("action", ACTION_STATES)
def test_actions_never_fail_on_odd_field_values(client, net, make, action):
    headers = net["a"] if action in ("cancel", "provide-info") else net["b"]
    status, fields = ACTION_STATES[action]
    referral = make.referral(net["gp"], net["cardio"], status)
    for field in fields:
        for raw in FIELD_VALUES:
            body = {"version": 1, "reason": "A fine reason", "outcome": "Seen", field: None}
            body |= {"reason_code": "other", "question": "Why?", "answer": "Because."}
            body |= {"report": "Seen, results pending."}
            body[field] = None
            text = _with(body, [field], raw)
            response = client.post(
                f"{API}/referrals/{referral.id}/actions/{action}",
                data=text,
                content_type="application/json",
                headers=headers,
            )
            if response.status_code == 200:  # the referral moved on: take a fresh one
                referral = make.referral(net["gp"], net["cardio"], status)
                continue
            _assert_refused_cleanly(response)


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 50_000,
        '{"a": ' * 5000 + "1" + "}" * 5000,
        '{"version": 1, "reason": "\\ud800"}',
        b"\xff\xfe{}",
        '{"version": 1}{"version": 2}',
        f'{{"version": {HUGE}}}',
    ],
)
def test_malformed_json_is_400_or_413(client, net, raw):
    referral = send(client, net)
    response = client.post(
        f"{API}/referrals/{referral['id']}/actions/accept",
        data=raw,
        content_type="application/json",
        headers=net["b"],
    )
    assert response.status_code in (400, 413)
    _assert_refused_cleanly(response)


def test_body_over_64_kib_is_413(client, net):
    body = new_referral(net, notes="n" * 70_000)
    response = client.post(f"{API}/referrals", json=body, headers=net["a"])
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"


@pytest.mark.parametrize(
    "path",
    [
        "/referrals/0",
        "/referrals/-1",
        "/referrals/2147483648",
        "/referrals/99999999999999999999999999",
        "/referrals/abc",
        "/members/0",
        "/members/99999999999999999999999999",
        "/referrals/1/actions/%00",
        "/nothing",
    ],
)
def test_odd_paths_are_json_404(client, net, path):
    method = client.post if "actions" in path else client.get
    response = method(f"{API}{path}", json={"version": 1}, headers=net["a"])
    assert response.status_code == 404
    _assert_refused_cleanly(response)


def test_wrong_method_is_json_405(client, net):
    response = client.delete(f"{API}/referrals", headers=net["a"])
    assert response.status_code == 405
    _assert_refused_cleanly(response)


# A field of the wrong JSON type: the exact message, under the field's name (client fields
# as client.<name>), and nothing else, because the services never see such a body.
WRONG_TYPES = {
    "receiver_id": ("two", "receiver_id must be a whole number."),
    "sender_id": (1.5, "sender_id must be a whole number."),
    "client_id": (True, "client_id must be a whole number."),
    "kind": (1, "kind must be text."),
    "notes": (["a"], "notes must be text."),
    "confirm_duplicate": ("yes", "confirm_duplicate must be true or false."),
    "client": ("Ada", "client must be an object."),
    "client.given_name": (7, "given_name must be text."),
    "client.birth_date": ({}, "birth_date must be text."),
    "client.consent": (1, "consent must be true or false."),
}


@pytest.mark.parametrize("field", WRONG_TYPES)
def test_send_names_a_field_of_the_wrong_type(client, net, field):
    value, message = WRONG_TYPES[field]
    body = new_referral(net)
    target = body["client"] if field.startswith("client.") else body
    target[field.removeprefix("client.")] = value
    response = client.post(f"{API}/referrals", json=body, headers=net["a"])
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "invalid",
        "message": "Check the fields.",
        "fields": {field: message},
    }


AMOUNT = 'value must be an amount, as a number or a string like "1250.00".'
ACTION_WRONG_TYPES = [
    ("{}", {"version": "version is required."}),
    ('{"version": null}', {"version": "version is required."}),
    ('{"version": true}', {"version": "version must be a whole number."}),
    (
        '{"version": 1.0, "note": 5}',
        {"version": "version must be a whole number.", "note": "note must be text."},
    ),
    ('{"version": 1, "value": true}', {"value": AMOUNT}),
    ('{"version": 1, "value": 1e400}', {"value": AMOUNT}),
    ('{"version": 1, "value": [1]}', {"value": AMOUNT}),
    (
        '{"version": 1, "cancel": "yes", "reason": 3}',
        {"cancel": "cancel must be true or false.", "reason": "reason must be text."},
    ),
    (
        '{"version": 1, "receiver_id": "2", "suggested_member_id": 2.5}',
        {
            "receiver_id": "receiver_id must be a whole number.",
            "suggested_member_id": "suggested_member_id must be a whole number.",
        },
    ),
    (
        '{"version": 1, "appointment_at": 20261125, "visit_date": false, "outcome": {}}',
        {
            "appointment_at": "appointment_at must be text.",
            "visit_date": "visit_date must be text.",
            "outcome": "outcome must be text.",
        },
    ),
]


@pytest.mark.parametrize("raw, fields", ACTION_WRONG_TYPES)
def test_actions_name_each_field_of_the_wrong_type(client, net, raw, fields):
    referral = send(client, net)
    response = client.post(
        f"{API}/referrals/{referral['id']}/actions/accept",
        data=raw,
        content_type="application/json",
        headers=net["b"],
    )
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "invalid",
        "message": "Check the fields.",
        "fields": fields,
    }


def test_null_counts_as_absent_and_unknown_keys_are_ignored(client, net):
    body = new_referral(net, sender_id=None, notes=None, client_id=None, colour="blue")
    body["client"].update(email=None, nickname=7)
    assert client.post(f"{API}/referrals", json=body, headers=net["a"]).status_code == 201


@pytest.mark.parametrize(
    "query, fields",
    [
        ("page=0", {"page": "page must be a whole number from 1 to 10000."}),
        ("page=x1", {"page": "page must be a whole number from 1 to 10000."}),
        ("accepting=maybe", {"accepting": "accepting must be true or false."}),
        (
            "q=%00&location=" + "x" * 101,
            {
                "q": "q contains characters that are not allowed.",
                "location": "location can have at most 100 characters.",
            },
        ),
    ],
)
def test_member_search_names_each_wrong_parameter(client, net, query, fields):
    response = client.get(f"{API}/members?{query}", headers=net["a"])
    assert response.status_code == 422
    assert response.get_json() == {
        "error": "invalid",
        "message": "The directory could not be searched. Check the parameters.",
        "fields": fields,
    }


def test_every_wrong_type_is_named_at_once_and_values_are_the_services(client, net):
    body = new_referral(net, receiver_id="two", kind=1)
    body["client"]["given_name"] = 7
    response = client.post(f"{API}/referrals", json=body, headers=net["a"])
    assert set(response.get_json()["fields"]) == {"receiver_id", "kind", "client.given_name"}
    # Right types with wrong values reach the service, which names them in its words.
    body = new_referral(net, receiver_id=None, reason="x" * 2001)
    body["client"]["given_name"] = "A" * 101
    fields = client.post(f"{API}/referrals", json=body, headers=net["a"]).get_json()["fields"]
    assert fields == {
        "receiver_id": "Receiver is required.",
        "reason": "Reason can have at most 2000 characters.",
        "client.given_name": "Given name can have at most 100 characters.",
    }
