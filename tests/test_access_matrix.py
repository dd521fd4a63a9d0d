"""Every route, for every role: nobody sees or changes what is not theirs.

Walks the app's URL map, fills each id in the URL with a record of the "victim" network
(its referral, client, document, member, user, notification, API token), and calls every
method as each kind of user. Outsiders (a practitioner and a coordinator of another
network) must never receive the victim's data nor change it; nobody gets a server error.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import (
    AdviceRequest,
    ApiToken,
    Member,
    Message,
    Network,
    Notification,
    OutboxMessage,
    Referral,
    ReferralLink,
    User,
    UserSession,
)
from tests.conftest import PASSWORD

# Strings only the victim network's insiders may ever read.
MARKERS = ("Quillfeather", "MARKER-REASON-7731", "Victim Cardiology Clinic", "victim.b@example.org")
PUBLIC = {
    "auth.login",
    "auth.accept_invite",
    "dashboard.home",
    "api.openapi_document",
    "fhir.metadata",
    "static",
}
# The proxy's probes: they say whether the node is up and ready, nothing about any record.
PUBLIC |= {"health.healthz", "health.readyz"}
# The public side of referral links (no sign-in): a code or a confirmation token opens it.
PUBLIC |= {
    "links_public.enter_code",
    "links_public.intake",
    "links_public.sent",
    "links_public.confirm",
}
# The client's page: its signed link is the credential; any other token opens nothing (404).
CLIENT_PAGE = {
    "client_page.page",
    "client_page.calendar",
    "client_page.confirm",
    "client_page.rebook",
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


def _fhir_ids(ids):
    """The /fhir routes name the victim's records by FHIR type and logical id."""
    return {
        **ids,
        "resource_type": "ServiceRequest",
        "logical_id": f"sr-{ids['referral_id']}",
        "job_id": 1,
        "name": "ServiceRequest.ndjson",
    }


def _url(rule, ids):
    ids = _fhir_ids(ids)
    return rule.build({name: ids[name] for name in rule.arguments}, append_unknown=False)[1]


def _call(client, rule, method, ids):
    url = _url(rule, ids)
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.post(url, json={"version": 1, "reason": "because", "outcome": "done"})
    return client.post(url, data={"version": "1", "reason": "because", "name": "Renamed"})


def _signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _state(db, world):
    db.session.expire_all()
    referral = db.session.get(Referral, world["referral"].id)
    return (
        referral.status,
        referral.version,
        db.session.get(Member, world["member"].id).active,
        db.session.get(Member, world["member"].id).name,
        db.session.get(User, world["users"]["receiver"].id).active,
        db.session.get(ApiToken, world["token"].id).revoked_at,
        db.session.get(Notification, world["notification"].id).read_at,
        db.session.get(UserSession, world["session"].id) is not None,
        db.session.get(OutboxMessage, world["undelivered"].id).failed_at,
        db.session.get(AdviceRequest, world["advice"].id).status,
        db.session.scalar(select(func.count()).select_from(Message)),
        # The network's follow-up rules (the rules page).
        (network := db.session.get(Network, referral.network_id)).timezone,
        network.deadlines,
        network.expire_after_days,
        (link := db.session.get(ReferralLink, world["link"].id)).paused_at,
        link.ends_at,
        db.session.scalar(select(func.count()).select_from(ReferralLink)),
    )


@pytest.mark.parametrize("who", ["outsider", "other_coordinator"])
def test_outsiders_never_see_or_change_the_victims_records(app, db, world, who):
    client = _signed_in(app, world["users"][who])
    before = _state(db, world)
    for rule, method in _routes(app):
        if rule.endpoint == "auth.logout":
            continue
        response = _call(client, rule, method, world["ids"])
        where = f"{method} {rule.rule} as {who}"
        assert response.status_code < 500, where
        body = response.get_data(as_text=True)
        leaked = [m for m in MARKERS if m in body]
        assert not leaked, f"{where} leaked {leaked}"
        touches_victim = set(rule.arguments) & {
            "referral_id",
            "member_id",
            "user_id",
            "document_id",
            "notification_id",
            "token_id",
            "session_id",
            "message_id",
            "advice_id",
            "network_id",
            "logical_id",
            "job_id",
            "link_id",
            "programme_id",
            "reward_id",
        }
        if touches_victim:
            assert response.status_code in (403, 404), f"{where} answered {response.status_code}"
        response.close()
    assert _state(db, world) == before


def test_anonymous_is_refused_everywhere_but_public_pages(app, db, world):
    client = app.test_client()
    for rule, method in _routes(app):
        response = _call(client, rule, method, world["ids"])
        where = f"{method} {rule.rule}"
        assert response.status_code < 500, where
        body = response.get_data(as_text=True)
        assert not [m for m in MARKERS if m in body], where
        if rule.endpoint in PUBLIC:
            continue
        if rule.endpoint in CLIENT_PAGE:
            assert response.status_code == 404, where
            continue
        if rule.rule.startswith(("/api/", "/fhir")):  # tokens: 401, no sign-in page
            assert response.status_code == 401, where
        else:
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/login"), where


@pytest.mark.parametrize("who", ["sender", "receiver", "coordinator", "admin"])
def test_insiders_get_no_server_error_on_any_page(app, db, world, who):
    client = _signed_in(app, world["users"][who])
    for rule, method in _routes(app):
        if method != "GET":
            continue
        response = client.get(_url(rule, world["ids"]))
        assert response.status_code < 500, f"GET {rule.rule} as {who}"
        response.close()


def test_parties_read_the_referral_and_its_document(app, db, world):
    ids = world["ids"]
    for who in ("sender", "receiver", "coordinator", "admin"):
        client = _signed_in(app, world["users"][who])
        page = client.get(f"/referrals/{ids['referral_id']}")
        assert page.status_code == 200 and "Quillfeather" in page.get_data(as_text=True), who
        download = client.get(f"/referrals/{ids['referral_id']}/documents/{ids['document_id']}")
        assert download.status_code == 200, who
        download.close()
        api = client.get(f"/api/v1/referrals/{ids['referral_id']}")
        assert api.status_code == 200 and api.json["client"]["family_name"] == "Quillfeather", who
