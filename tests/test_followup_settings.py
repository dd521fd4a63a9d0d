"""The network rules page: who may open it, what it refuses, what it changes and audits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.followup.rules import rules_of
from app.followup.service import update_rules
from app.models import AuditLog, Network, Role, utcnow
from app.refusals import Forbidden, NotFound


@pytest.fixture
def networks(make, db):
    mine = make.network(name="Mine", timezone="Europe/Paris")
    other = make.network(name="Other")
    member = make.member(mine, name="GP")
    return {
        "mine": mine,
        "other": other,
        "coordinator": make.user(Role.COORDINATOR, networks=[mine], email="c@example.org"),
        "outsider": make.user(Role.COORDINATOR, networks=[other], email="o@example.org"),
        "practitioner": make.practitioner(member, email="p@example.org"),
        "admin": make.user(Role.ADMIN, email="a@example.org"),
    }


def _form(client, network_id) -> dict:
    html = client.get(f"/networks/{network_id}/rules").get_data(as_text=True)
    assert "Follow-up rules of" in html
    values = {}
    for match in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        values[match.group(1)] = match.group(2)
    for match in re.finditer(r'<select[^>]*name="([^"]+)".*?</select>', html, re.S):
        chosen = re.search(
            r'<option selected value="([^"]+)"|<option value="([^"]+)" selected', match.group(0)
        )
        values[match.group(1)] = next(g for g in chosen.groups() if g)
    return values


def test_a_coordinator_changes_the_rules_and_it_is_audited(networks, login, db):
    client = login(networks["coordinator"])
    values = _form(client, networks["mine"].id)
    assert (
        values["answer_routine_amount"] == "5" and values["answer_routine_unit"] == "business_days"
    )
    assert values["timezone"] == "Europe/Paris"
    values.update(
        answer_routine_amount="3",
        remind_at_most="4",
        holiday_country="fr",
        expire_after_days="21",
    )
    response = client.post(f"/networks/{networks['mine'].id}/rules", data=values)
    assert response.status_code == 302
    db.session.expire_all()
    rules = rules_of(db.session.get(Network, networks["mine"].id))
    assert rules.spec("answer", "routine") == {"business_days": 3}
    assert (rules.remind_at_most, rules.country, rules.expire_after_days) == (4, "FR", 21)
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "update-rules")).one()
    assert audit.user_id == networks["coordinator"].id
    assert "answer_routine_amount: 5 -> 3" in audit.detail


def test_wrong_values_are_named_and_nothing_changes(networks, login, db):
    client = login(networks["coordinator"])
    values = _form(client, networks["mine"].id)
    values.update(
        answer_stat_amount="0",
        visit_routine_unit="weeks",
        remind_every_business_days="many",
        holiday_country="Atlantis",
        timezone="Mars/Olympus",
    )
    response = client.post(f"/networks/{networks['mine'].id}/rules", data=values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in (
        "The stat deadline for an answer must be between 1 and 720.",
        "needs a unit: hours, days or business days.",
        "Remind again every (business days) must be a whole number.",
        "Country must be a two-letter code",
        "Timezone must be a name such as Europe/Paris",
    ):
        assert message in html
    db.session.expire_all()
    network = db.session.get(Network, networks["mine"].id)
    assert network.timezone == "Europe/Paris"
    assert rules_of(network).spec("answer", "stat") == {"hours": 4}
    assert not db.session.scalars(select(AuditLog).where(AuditLog.action == "update-rules")).all()


@pytest.mark.parametrize(
    ("who", "status"), [("outsider", 404), ("practitioner", 403), ("admin", 200)]
)
def test_who_may_open_the_rules_page(networks, login, who, status):
    client = login(networks[who])
    assert client.get(f"/networks/{networks['mine'].id}/rules").status_code == status
    if status != 200:
        posted = client.post(f"/networks/{networks['mine'].id}/rules", data={"timezone": "UTC"})
        assert posted.status_code == status


def test_the_service_refuses_outsiders_itself(networks, db):
    with pytest.raises(NotFound):
        update_rules(networks["outsider"], networks["mine"].id, {})
    with pytest.raises(Forbidden):
        update_rules(networks["practitioner"], networks["mine"].id, {})


def test_a_practitioner_dashboard_says_what_is_late(make, login, db):
    network = make.network(name="Late Network")
    sender, receiver = make.member(network), make.member(network)
    me = make.practitioner(receiver, email="late@example.org")
    late = make.referral(sender, receiver, sent_at=utcnow() - timedelta(days=12))
    on_time = make.referral(sender, receiver, sent_at=utcnow() - timedelta(hours=1))
    html = login(me).get("/dashboard").get_data(as_text=True)
    assert "Overdue: waiting for you" in html
    assert f"Referral #{late.id}</a>" in html and f"Referral #{on_time.id}</a>" not in html
    assert "business days late" in html


def test_each_user_chooses_immediate_reminders_or_a_daily_digest(networks, login, db):
    client = login(networks["practitioner"])
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'value="immediate" checked' in page
    assert (
        client.post("/notifications/reminder-mail", data={"reminder_mail": "digest"}).status_code
        == 302
    )
    db.session.expire_all()
    assert networks["practitioner"].reminder_mail == "digest"
    refused = client.post("/notifications/reminder-mail", data={"reminder_mail": "hourly"})
    assert refused.status_code == 422 and "Choose how reminders reach you" in refused.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert networks["practitioner"].reminder_mail == "digest"
