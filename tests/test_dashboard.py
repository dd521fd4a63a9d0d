"""The dashboards' figures, checked against networks built by hand with known answers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.dashboard.service import network_overview
from app.models import Member, Role, Status, utcnow
from tests.conftest import PASSWORD

TILE = re.compile(r'<span class="tile-num">(\d+)</span><span class="tile-label">([^<]+)</span>')
BAR = re.compile(r'badge status-(\w+)">[^<]*</span></th>.*?<td class="num">(\d+)</td>', re.S)


def _tiles(html: str) -> dict[str, int]:
    return {label: int(number) for number, label in TILE.findall(html)}


def _bars(html: str) -> dict[str, int]:
    return {status: int(n) for status, n in BAR.findall(html)}


@pytest.fixture
def networks(make, db):
    """Riverside: 4 members (3 active, 2 of them accepting), 7 referrals sent 2 to 60 days
    ago; Harbour: 5 referrals that Riverside's coordinator must never count."""
    now = utcnow()
    riverside = make.network(name="Riverside")
    gp = make.member(riverside, name="GP")
    cardio = make.member(riverside, name="Cardio")
    make.member(riverside, name="Physio", accepting=False)
    make.member(riverside, name="Left", active=False, accepting=False)
    for days, status in (
        (2, Status.SENT),
        (9, Status.SENT),  # past its deadline (5 business days, routine)
        (40, Status.SENT),  # unanswered, and older than 30 days
        (3, Status.ACCEPTED),
        (60, Status.CLOSED),
        (10, Status.DECLINED),
        (31, Status.CANCELLED),
    ):
        make.referral(gp, cardio, status, sent_at=now - timedelta(days=days))
    harbour = make.network(name="Harbour")
    lawyer = make.member(harbour, name="Lawyer")
    accountant = make.member(harbour, name="Accountant")
    for _ in range(5):
        make.referral(lawyer, accountant, Status.SENT, sent_at=now - timedelta(days=10))
    coordinator = make.user(Role.COORDINATOR, networks=[riverside], email="coord@example.org")
    admin = make.user(Role.ADMIN, email="admin@example.org")
    return {"coordinator": coordinator, "admin": admin}


def test_coordinator_sees_its_network_only(networks, db):
    figures = network_overview(networks["coordinator"])
    assert figures["referrals"].by_status == {
        Status.SENT: 3,
        Status.ACCEPTED: 1,
        Status.CLOSED: 1,
        Status.DECLINED: 1,
        Status.CANCELLED: 1,
    }
    assert figures["referrals"].total == 7
    assert figures["referrals"].open == 4
    assert (figures["members_total"], figures["members_active"]) == (4, 3)
    assert figures["members_accepting"] == 2
    assert figures["sent_last_30_days"] == 4  # 2, 3, 9 and 10 days ago
    # By the network's rules: 9 and 40 days ago; not the one of 2 days (5 business days).
    assert figures["overdue"] == {"answer": 2, "visit": 0, "outcome": 0}
    assert [n.name for n in figures["networks"]] == ["Riverside"]


def test_admin_sees_every_network(networks, db):
    figures = network_overview(networks["admin"])
    assert figures["referrals"].total == 12
    assert figures["referrals"].by_status[Status.SENT] == 8
    assert figures["members_total"] == 6
    assert figures["sent_last_30_days"] == 9
    assert figures["overdue"]["answer"] == 7
    assert figures["networks"] is None


def test_the_page_shows_the_same_figures(networks, login):
    html = login(networks["coordinator"], PASSWORD).get("/dashboard").get_data(as_text=True)
    assert "Riverside at a glance" in html
    assert _tiles(html) == {
        "active members (2 accepting)": 3,
        "open referrals": 4,
        "sent in the last 30 days": 4,
        "unanswered past their deadline": 2,
        "visits overdue": 0,
        "outcomes overdue": 0,
    }
    assert _bars(html) == {
        "sent": 3,
        "info_requested": 0,
        "accepted": 1,
        "declined": 1,
        "scheduled": 0,
        "visited": 0,
        "closed": 1,
        "cancelled": 1,
        "expired": 0,
    }
    assert "4 members, of whom 1 deactivated." in html


def test_practitioner_dashboard(make, login, db):
    network = make.network()
    mine, other = make.member(network, name="Mine"), make.member(network, name="Other")
    for status in (Status.SENT, Status.SENT, Status.ACCEPTED, Status.CLOSED):
        make.referral(other, mine, status)
    for status in (Status.SCHEDULED, Status.CLOSED, Status.CLOSED, Status.CANCELLED):
        make.referral(mine, other, status)
    stranger_network = make.network()
    a, b = make.member(stranger_network), make.member(stranger_network)
    make.referral(a, b, Status.SENT)
    html = login(make.practitioner(mine)).get("/dashboard").get_data(as_text=True)
    assert _tiles(html) == {
        "waiting for my answer": 2,
        "open referrals to me": 3,
        "open referrals I sent": 1,
        "I sent, closed with an outcome": 2,
    }
    waiting = {int(n) for n in re.findall(r'href="/referrals/(\d+)"', html)}
    assert len(waiting) == 2  # the two sent to me, not the stranger's


def test_overdue_figures_are_kept_for_their_max_age_and_say_when_counted(
    networks, make, db, app, time_machine
):
    """With OVERDUE_COUNTS_MAX_AGE set, a view within that age shows the figures already
    counted (and when); past it, a view counts again and sees the new overdue referral."""
    app.config["OVERDUE_COUNTS_MAX_AGE"] = 60
    time_machine.move_to(utcnow(), tick=False)
    first = network_overview(networks["coordinator"])
    assert first["overdue"]["answer"] == 2
    gp, cardio = (
        db.session.scalar(select(Member).where(Member.name == n)) for n in ("GP", "Cardio")
    )
    make.referral(gp, cardio, Status.SENT, sent_at=utcnow() - timedelta(days=20))
    kept = network_overview(networks["coordinator"])
    assert kept["overdue"]["answer"] == 2
    assert kept["overdue_counted_at"] == first["overdue_counted_at"]
    # A view of other networks (the admin's) is counted on its own.
    assert network_overview(networks["admin"])["overdue"]["answer"] == 8
    time_machine.shift(timedelta(seconds=61))
    later = network_overview(networks["coordinator"])
    assert later["overdue"]["answer"] == 3
    assert later["overdue_counted_at"] > first["overdue_counted_at"]
