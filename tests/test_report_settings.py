"""The coordinators' settings form: health thresholds (validated, each mistake named on
its field, nothing half-written) and the leaderboard setting; audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditLog, Network, Role
from app.reports.health import DEFAULT_RULE, form_values
from tests.conftest import csrf_token_from


@pytest.fixture
def net(make):
    network = make.network(name="Settings Network")
    coordinator = make.user(Role.COORDINATOR, networks=[network], email="c@example.org")
    return network, coordinator


def _post(client, url, **changes):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    data = {**form_values(DEFAULT_RULE), "csrf_token": token, **changes}
    return client.post(url, data=data)


def test_coordinator_sets_thresholds_and_the_leaderboard(net, login, db):
    network, coordinator = net
    client = login(coordinator)
    url = f"/reports/networks/{network.id}/settings"
    page = client.get(url).get_data(as_text=True)
    assert 'value="48"' in page  # the defaults shown
    done = _post(
        client, url, months="3", given_amber="5", give_share_red="0.05", show_leaderboard="y"
    )
    assert done.status_code == 303
    db.session.expire_all()
    found = db.session.get(Network, network.id)
    assert found.health_rule["months"] == 3
    assert found.health_rule["given"] == {"amber": 5, "red": 1}
    assert found.health_rule["give_share"] == {"amber": 0.25, "red": 0.05}
    assert found.show_leaderboard is True
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "network")).one()
    assert audit.user_id == coordinator.id
    assert "months" in audit.detail and "show_leaderboard=on" in audit.detail


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"months": "0"}, "months", "months must be a whole number from 1 to 24"),
        ({"months": "two"}, "months", "Months must be a whole number"),
        ({"given_amber": "1", "given_red": "3"}, "given_amber", "amber must be at least red"),
        ({"answer_hours_amber": "200"}, "answer_hours_amber", "amber must be at most red"),
        ({"closed_loop_red": "1.5"}, "closed_loop_red", "must be from 0.0 to 1.0"),
        ({"give_share_amber": ""}, "give_share_amber", "is required"),
        ({"given_red": "-1"}, "given_red", "must be a whole number"),
    ],
)
def test_mistakes_are_named_and_nothing_is_saved(net, login, db, changes, field, message):
    network, coordinator = net
    client = login(coordinator)
    url = f"/reports/networks/{network.id}/settings"
    refused = _post(client, url, show_leaderboard="y", **changes)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert message in html
    assert f'id="{field}" ' in html and 'aria-invalid="true"' in html
    db.session.expire_all()
    found = db.session.get(Network, network.id)
    assert found.health_rule is None and found.show_leaderboard is False
    assert db.session.scalars(select(AuditLog).where(AuditLog.entity == "network")).all() == []


def test_only_managers_of_the_network(net, make, login):
    network, _ = net
    other = make.user(Role.COORDINATOR, networks=[make.network()], email="o@example.org")
    url = f"/reports/networks/{network.id}/settings"
    assert login(other).get(url).status_code == 404


def test_practitioners_get_no_settings(net, make, login):
    network, _ = net
    url = f"/reports/networks/{network.id}/settings"
    practitioner = make.practitioner(make.member(network), email="p@example.org")
    assert login(practitioner).get(url).status_code == 403
