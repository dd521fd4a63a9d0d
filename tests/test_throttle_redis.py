"""Issue 14 item 1: with RATELIMIT_STORAGE_URI=redis://… every node counts failed sign-ins
together. Real Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/0): skipped when it
does not answer, unless REQUIRE_REDIS=1 (CI), where that is a failure."""

from __future__ import annotations

import os
import uuid

import pytest
from limits.storage import storage_from_string

from app.auth.throttle import LoginThrottle, init_throttle
from tests.conftest import PASSWORD
from tests.operations import app_with

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def redis_url() -> str:
    try:
        reachable = bool(storage_from_string(REDIS_URL).check())
    except Exception:  # any error of the client means: no usable Redis
        reachable = False
    if not reachable:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but Redis at {REDIS_URL} does not answer")
        pytest.skip(f"no Redis at {REDIS_URL} (REQUIRE_REDIS=1 makes this a failure)")
    return REDIS_URL


def _node(url: str) -> LoginThrottle:
    return LoginThrottle(
        url,
        per_pair="5 per 15 minutes",
        per_address="20 per 15 minutes",
        per_account="10 per 15 minutes",
        slow="1 per 10 seconds",
    )


def test_two_nodes_count_one_address_together(redis_url):
    a, b = _node(redis_url), _node(redis_url)
    email = f"{uuid.uuid4().hex}@example.org"  # keys of their own: no other test's counts
    address = f"198.51.100.{uuid.uuid4().int % 250}"
    for n in range(5):
        node = (a, b)[n % 2]
        assert node.refusal(email, address) is None
        node.failed(email, address)
    assert a.refusal(email, address) == "locked" and b.refusal(email, address) == "locked"
    # The owner elsewhere is not locked out by them.
    assert a.refusal(email, "192.0.2.5") is None and b.refusal(email, "192.0.2.5") is None


def test_through_two_apps_sharing_redis(make, db, database_url, redis_url):
    user = make.practitioner(email=f"{uuid.uuid4().hex}@example.org")
    settings = {"RATELIMIT_STORAGE_URI": redis_url, "TRUSTED_PROXIES": 1}
    with app_with(database_url, **settings) as a, app_with(database_url, **settings) as b:
        for app in (a, b):
            init_throttle(app)
            assert app.test_client().get("/readyz").get_json()["checks"]["redis"] == "ok"
        address = f"203.0.113.{uuid.uuid4().int % 250}"

        def sign_in(app, password, forwarded_for=address):
            return app.test_client().post(
                "/login",
                data={"email": user.email, "password": password},
                headers={"X-Forwarded-For": forwarded_for},
            )

        for n in range(5):
            assert sign_in((a, b)[n % 2], "wrong").status_code == 401
        assert sign_in(b, PASSWORD).status_code == 429
        assert sign_in(a, PASSWORD).status_code == 429
        assert sign_in(a, PASSWORD, "192.0.2.77").status_code == 302
