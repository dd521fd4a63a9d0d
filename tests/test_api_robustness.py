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
    "decline": (Status.SENT, ["reason", "suggested_member_id", "note"]),
    "forward": (Status.SENT, ["receiver_id", "reason"]),
    "cancel": (Status.SENT, ["reason"]),
    "schedule": (Status.ACCEPTED, ["appointment_at"]),
    "record-visit": (Status.ACCEPTED, ["visit_date"]),
    "no-show": (Status.SCHEDULED, ["cancel", "reason"]),
    "close": (Status.VISITED, ["outcome", "value"]),
}


@pytest.mark.parametrize("action", ACTION_STATES)
def test_actions_never_fail_on_odd_field_values(client, net, make, action):
    headers = net["a"] if action == "cancel" else net["b"]
    status, fields = ACTION_STATES[action]
    referral = make.referral(net["gp"], net["cardio"], status)
    for field in fields:
        for raw in FIELD_VALUES:
            body = {"version": 1, "reason": "A fine reason", "outcome": "Seen", field: None}
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
