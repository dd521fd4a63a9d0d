"""A member's own link (owner = target, issue 15: "a member's own programme link given to
its clients brings friends to that member"): created through the API with the target alone,
opened signed out, the intake confirmed by e-mail, a referral with no sending member in the
member's inbox, closed with a value, attributed to the link and rewarded to its owner; and
every page, API answer, export and report that shows a referral copes with no sender."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.links.service import create_link
from app.links.throttle import init_link_throttle
from app.models import (
    ConversionKind,
    LinkAttribution,
    LinkConversion,
    Notification,
    OutboxMessage,
    Referral,
    ReferralLink,
    Reward,
    RewardStatus,
    Status,
    utcnow,
)
from app.models.referral import FROM_OWN_LINK
from app.referrals.errors import ActionForbidden
from app.referrals.service import perform
from app.refusals import Invalid
from app.reports import service as reports
from app.reports.scope import days_scope
from app.reports.thanks import thank
from tests.conftest import PASSWORD
from tests.rewards_setup import professional_world, programme
from tests.test_api import bearer
from tests.test_link_intake import GOOD, _form

API = "/api/v1"


@pytest.fixture
def public(app, client):
    init_link_throttle(app)  # each test starts with nothing counted
    return client


def _intake(public, link, **change) -> Referral:
    """Open the link signed out, fill the form in; the referral it made."""
    html = public.get(f"/r/{link['code']}?c=qr").get_data(as_text=True)
    response = public.post(f"/r/{link['code']}", data={**GOOD, **_form(html), **change})
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(Referral).order_by(Referral.id.desc()).limit(1))


def _confirm(public, address: str) -> None:
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to == address).order_by(OutboxMessage.id)
    )
    url = re.search(r"https?://\S+/r/confirm/\S+", mail.body).group(0)
    assert public.get(url[url.index("/r/confirm/") :]).status_code == 200


def _act(client, headers, referral_id: int, action: str, **values):
    current = client.get(f"{API}/referrals/{referral_id}", headers=headers).json
    body = {"version": current["version"], **values}
    response = client.post(
        f"{API}/referrals/{referral_id}/actions/{action}", json=body, headers=headers
    )
    assert response.status_code == 200, response.json
    return response.json


def _own_link(client, db, world) -> dict:
    """The receiver's own link, made through the API with the target alone."""
    headers = bearer(db, world.receiver_user)
    response = client.post(
        f"{API}/links", json={"target_member_id": world.receiver.id}, headers=headers
    )
    assert response.status_code == 201, response.json
    return response.json


def test_an_own_link_works_end_to_end_through_the_api(make, client, public, db):
    world = professional_world(make)
    programme(world, stage="closed")
    link = _own_link(client, db, world)
    assert link["owner_member_id"] == link["target_member_id"] == world.receiver.id
    page = public.get(f"/r/{link['code']}").get_data(as_text=True)
    assert "Quay Law welcomes you" in page and "refers you" not in page

    referral = _intake(public, link)
    assert referral.sender_id is None and referral.receiver_id == world.receiver.id
    assert referral.status == Status.SENT and referral.created_by_id is None
    headers = bearer(db, world.receiver_user)
    inbox = client.get(f"{API}/referrals?box=inbox", headers=headers).json["items"]
    assert [(i["id"], i["sender_id"], i["origin"]) for i in inbox] == [
        (referral.id, None, "own_link")
    ]
    assert client.get(f"{API}/referrals?box=outbox", headers=headers).json["items"] == []
    detail = client.get(f"{API}/referrals/{referral.id}", headers=headers).json
    assert detail["sender_id"] is None and detail["origin"] == "own_link"
    assert detail["link"]["source_link_id"] == link["id"]
    assert "request-info" not in detail["allowed_actions"]
    assert {"accept", "decline", "cancel"} <= set(detail["allowed_actions"])
    # Told at once that a client came in, with no "sent you" from a member that did not.
    (arrived,) = db.session.scalars(select(Notification.message)).all()
    assert arrived == f"A client came to you through your own link: referral #{referral.id}"

    _confirm(public, GOOD["email"])
    lead = db.session.scalar(select(Notification).where(Notification.kind == "lead"))
    assert lead.user_id == world.receiver_user.id and lead.referral_id == referral.id
    assert "brought a lead" in lead.message and "Nia" not in lead.message
    queued = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.to == world.receiver_user.email,
            OutboxMessage.subject.contains("brought a lead"),
        )
    )
    assert queued is not None and "Okafor" not in queued.body

    _act(client, headers, referral.id, "accept")
    _act(client, headers, referral.id, "record-visit", visit_date=date.today().isoformat())
    closed = _act(client, headers, referral.id, "close", outcome="Contract done", value="1200")
    assert closed["status"] == "closed" and closed["sender_id"] is None
    attribution = db.session.get(LinkAttribution, referral.id)
    assert attribution.link_id == link["id"]
    conversions = {c.kind: c.value for c in db.session.scalars(select(LinkConversion)) if c.link_id}
    assert conversions[ConversionKind.LEAD] is None
    assert conversions[ConversionKind.CLOSED] == Decimal("1200.00")
    (reward,) = db.session.scalars(select(Reward)).all()
    assert (reward.status, reward.earner_member_id, reward.link_id) == (
        RewardStatus.PENDING,
        world.receiver.id,
        link["id"],
    )


def test_the_receiver_decides_what_a_sender_would_and_no_one_is_asked(make, client, public, db):
    world = professional_world(make)
    link = _own_link(client, db, world)
    referral = _intake(public, link)
    with pytest.raises(ActionForbidden, match="no member sent this referral"):
        perform(referral, "request-info", world.receiver_user, values={"question": "When?"})
    db.session.rollback()
    perform(referral, "cancel", world.receiver_user, values={"reason_code": "client_declined"})
    db.session.commit()
    assert referral.status == Status.CANCELLED

    # Forwarded on, the copy is the receiver's referral to the new member.
    again = _intake(public, link, email="sam@example.org", given_name="Sam")
    perform(again, "forward", world.receiver_user, values={"receiver_id": world.referrer.id})
    db.session.commit()
    copy = db.session.get(Referral, again.forwarded_to_id)
    assert (copy.sender_id, copy.receiver_id) == (world.receiver.id, world.referrer.id)

    # Closed: no member to thank.
    third = _intake(public, link, email="kim@example.org", given_name="Kim")
    for action, values in (
        ("accept", {}),
        ("record-visit", {"visit_date": date.today().isoformat()}),
        ("close", {"outcome": "Done"}),
    ):
        perform(third, action, world.receiver_user, values=values)
    db.session.commit()
    with pytest.raises(Invalid, match="no one to thank"):
        thank(world.receiver_user, third.id, "Thank you")


def test_every_page_export_and_report_copes_with_no_sender(make, client, public, login, db, app):
    world = professional_world(make)
    link = _own_link(client, db, world)
    referral = _intake(public, link)
    # A referral between members beside it, and the own one overdue for the worklist.
    between = make.referral(world.referrer, world.receiver, kind="professional")
    referral.sent_at = utcnow() - timedelta(days=20)
    db.session.commit()

    browser = login(world.receiver_user)
    for path in (
        "/dashboard",
        "/referrals/",
        "/referrals/?box=inbox",
        "/referrals/?box=outbox",
        f"/referrals/{referral.id}",
        "/notifications/",
        "/links",
    ):
        response = browser.get(path)
        assert response.status_code == 200, (path, response.status_code)
    inbox = browser.get("/referrals/?box=inbox").get_data(as_text=True)
    shown = str(escape(FROM_OWN_LINK))
    assert shown in inbox
    outbox = browser.get("/referrals/?box=outbox").get_data(as_text=True)
    assert f"/referrals/{referral.id}" not in outbox
    page = browser.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert shown in page and "Ask for more information" not in page
    assert "counts in no member's reciprocity" in page

    # The reminder tick reads rows, not objects: its texts name the origin in words too.
    ticked = app.test_cli_runner().invoke(args=["reminders", "tick"])
    assert ticked.exit_code == 0, ticked.output
    reminders = db.session.scalars(
        select(Notification.message).where(Notification.referral_id == referral.id)
    ).all()
    assert any(f"from {FROM_OWN_LINK} waits" in m for m in reminders), reminders

    browser = app.test_client()
    signed_in = browser.post(
        "/login", data={"email": world.coordinator.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    worklist = browser.get("/worklist/")
    assert worklist.status_code == 200 and shown in worklist.get_data(as_text=True)
    csv_text = browser.get("/worklist/worklist.csv").get_data(as_text=True)
    assert f"{referral.id}," in csv_text and FROM_OWN_LINK in csv_text
    network_page = browser.get(f"/reports/networks/{world.network.id}")
    assert network_page.status_code == 200
    members_csv = browser.get(f"/reports/networks/{world.network.id}/members.csv")
    assert members_csv.status_code == 200

    # Reciprocity: only the referral between members counts, given and received alike.
    scope = days_scope(world.network.id, date.today() - timedelta(days=60), date.today())
    rows = {r["member_id"]: r for r in reports.reciprocity_rows(None, scope)}
    assert (rows[world.referrer.id]["given"], rows[world.referrer.id]["received"]) == (1, 0)
    assert (rows[world.receiver.id]["given"], rows[world.receiver.id]["received"]) == (0, 1)
    summary = reports.network_summary(None, scope)
    assert summary.sent == 1
    assert sum(m.sent for m in summary.months) == 1  # the day counts, less the own one
    assert [(p.a_to_b, p.b_to_a) for p in reports.top_pairs(None, scope)] == [(1, 0)]
    partners = reports.member_partners(None, world.receiver.id)
    assert [(p.member_id, p.you_sent, p.they_sent) for p in partners] == [(world.referrer.id, 0, 1)]
    assert between.sender_id == world.referrer.id


def test_the_fhir_answers_name_the_patient_as_requester(make, client, public, db, app, tmp_path):
    from tests.test_fhir_validator import export, validate

    network = make.network(kind="clinical")
    member = make.member(network, name="Harbour Physio", specialties=["Physiotherapy"])
    user = make.practitioner(member)
    link = create_link(user, member.id)
    db.session.commit()
    referral = _intake(
        public,
        {"code": link.code},
        birth_date="1990-04-02",
        consent="y",
    )
    assert referral.sender_id is None and referral.kind.value == "clinical"
    headers = bearer(db, user)
    bundle = client.get(f"/fhir/ServiceRequest/sr-{referral.id}/$bundle", headers=headers)
    assert bundle.status_code == 200
    body = bundle.get_json(force=True)
    resources = {e["resource"]["resourceType"]: e["resource"] for e in body["entry"]}
    patient = f"Patient/{resources['Patient']['id']}"
    assert resources["ServiceRequest"]["requester"] == {"reference": patient}
    assert resources["Task"]["requester"] == {"reference": patient}
    node = _node()
    if node is None:
        pytest.skip("node is not installed: the FHIR validator runs on Node.js")
    export(app, tmp_path)
    (tmp_path / "answer.ndjson").write_text(json.dumps(body) + "\n")
    result = validate(node, tmp_path)
    assert result.returncode == 0, result.stdout[:3000]
    assert "0 with errors" in result.stderr
    exported = [
        json.loads(x) for x in (tmp_path / "ServiceRequest.ndjson").read_text().splitlines()
    ]
    assert exported[0]["requester"]["reference"].startswith("Patient/")


def _node() -> str | None:
    import shutil

    from tests.test_fhir_validator import VALIDATOR

    found = shutil.which("node")
    return found if found and (VALIDATOR / "node_modules").is_dir() else None


def test_my_links_offers_the_members_own_link(make, login, db):
    world = professional_world(make)
    browser = login(world.receiver_user)
    page = browser.get("/links").get_data(as_text=True)
    assert "Quay Law (your own link: clients come to you)" in page
    response = browser.post("/links", data={"target_member_id": world.receiver.id})
    assert response.status_code == 302, response.get_data(as_text=True)
    made = db.session.scalar(select(ReferralLink))
    assert made.owner_member_id == made.target_member_id == world.receiver.id and made.own
    card = browser.get(f"/links/{made.id}/card").get_data(as_text=True)
    assert "Recommended by" not in card
