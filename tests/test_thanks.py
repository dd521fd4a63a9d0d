"""Thanks on a closed referral (one a side, audited, the other side notified), the
recognition on the network report and its leaderboard behind the network setting."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, Notification, Role, Status, Thanks
from app.refusals import Forbidden, Invalid, NotFound
from app.reports.thanks import thank
from tests.conftest import csrf_token_from


@pytest.fixture
def closed(make):
    net = make.network(name="Thanks Network")
    gp = make.member(net, name="Alpha GP")
    heart = make.member(net, name="Beta Heart", specialties=["Cardiology"])
    referral = make.referral(gp, heart, Status.CLOSED)
    gp_user = make.practitioner(gp, email="gp@example.org")
    heart_user = make.practitioner(heart, email="heart@example.org")
    coordinator = make.user(Role.COORDINATOR, networks=[net], email="coord@example.org")
    return {
        "net": net,
        "gp": gp,
        "heart": heart,
        "referral": referral,
        "gp_user": gp_user,
        "heart_user": heart_user,
        "coordinator": coordinator,
    }


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_each_side_thanks_once_and_the_other_is_told(closed, db):
    referral = closed["referral"]
    given = thank(closed["gp_user"], referral.id, "  Thank you for seeing her so quickly. ")
    db.session.commit()
    assert (given.from_member_id, given.to_member_id) == (closed["gp"].id, closed["heart"].id)
    assert given.note == "Thank you for seeing her so quickly."
    told = db.session.scalars(select(Notification).where(Notification.kind == "thanks")).all()
    assert [(n.user_id, n.message) for n in told] == [
        (closed["heart_user"].id, f"Alpha GP thanked you for referral #{referral.id}")
    ]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "thank")).one()
    assert (audit.entity, audit.entity_id, audit.user_id) == (
        "referral",
        referral.id,
        closed["gp_user"].id,
    )
    with pytest.raises(Invalid, match="already thanked"):
        thank(closed["gp_user"], referral.id, "Again")
    db.session.rollback()
    thank(closed["heart_user"], referral.id, "Thanks for the referral.")  # the other side
    db.session.commit()
    assert _count(db, Thanks) == 2


def test_thanks_refused_before_close_for_outsiders_and_empty_notes(closed, make, db):
    open_one = make.referral(closed["gp"], closed["heart"], Status.ACCEPTED)
    with pytest.raises(Invalid, match="once the referral is closed"):
        thank(closed["gp_user"], open_one.id, "Thanks")
    with pytest.raises(Invalid) as empty:
        thank(closed["gp_user"], closed["referral"].id, "   ")
    assert "note" in empty.value.fields
    with pytest.raises(Invalid):
        thank(closed["gp_user"], closed["referral"].id, "x" * 501)
    with pytest.raises(Invalid):
        thank(closed["gp_user"], closed["referral"].id, "bad \u202e note")
    stranger = make.practitioner(make.member(closed["net"]), email="s@example.org")
    with pytest.raises(NotFound):
        thank(stranger, closed["referral"].id, "Thanks")
    with pytest.raises(Forbidden):
        thank(closed["coordinator"], closed["referral"].id, "Thanks")
    db.session.rollback()
    assert _count(db, Thanks) == 0
    assert _count(db, Notification) == 0


def test_thanks_from_the_referral_page(closed, login, db):
    client = login(closed["gp_user"])
    url = f"/referrals/{closed['referral'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "Say thanks" in page
    token = csrf_token_from(page)
    empty = client.post(url + "/thanks", data={"csrf_token": token, "note": ""})
    assert empty.status_code == 422
    assert "Write a short note of thanks." in empty.get_data(as_text=True)
    done = client.post(url + "/thanks", data={"csrf_token": token, "note": "Many thanks!"})
    assert done.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "Many thanks!" in page and "Thanked by Alpha GP" in page
    assert "Say thanks" not in page  # once a side
    again = client.post(url + "/thanks", data={"csrf_token": token, "note": "More"})
    assert again.status_code == 422
    assert _count(db, Thanks) == 1


def test_report_shows_recognition_and_the_leaderboard_only_when_set(closed, make, login, db):
    thank(closed["gp_user"], closed["referral"].id, "Thanks")
    db.session.commit()
    client = login(closed["coordinator"])
    url = f"/reports/networks/{closed['net'].id}"
    html = client.get(url).get_data(as_text=True)
    assert "Thanks given in the period: <strong>1</strong>" in html
    assert "Alpha GP thanked Beta Heart" in html
    assert "Most thanked, most completed" not in html
    closed["net"].show_leaderboard = True
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    board = html.split("Most thanked, most completed")[1].split("</table>")[0]
    assert board.index("Beta Heart") < board.index("Alpha GP")  # thanked 1, completed 1
    assert '<td class="num">1</td><td class="num">1</td><td class="num">0</td>' in board


def test_leaderboard_download_only_when_shown(closed, login, db):
    thank(closed["gp_user"], closed["referral"].id, "Thanks")
    db.session.commit()
    client = login(closed["coordinator"])
    base = f"/reports/networks/{closed['net'].id}"
    assert "leaderboard.csv" not in client.get(base).get_data(as_text=True)
    assert client.get(base + "/leaderboard.json").get_json() == []
    closed["net"].show_leaderboard = True
    db.session.commit()
    assert "leaderboard.csv" in client.get(base).get_data(as_text=True)
    rows = client.get(base + "/leaderboard.json").get_json()
    assert rows[0] == {
        "member_id": closed["heart"].id,
        "member_name": "Beta Heart",
        "thanks_received": 1,
        "completed": 1,
        "given": 0,
    }
    csv_text = client.get(base + "/leaderboard.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0] == "member_id,member_name,thanks_received,completed,given"


def test_thanks_through_the_api(closed, client, db):
    from app.tokens.service import create_token

    _token, secret = create_token(closed["heart_user"], "tests")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/referrals/{closed['referral'].id}/thanks"
    empty = client.post(url, json={"note": ""}, headers=headers)
    assert empty.status_code == 422 and "note" in empty.get_json()["fields"]
    done = client.post(url, json={"note": "Thank you for the referral."}, headers=headers)
    assert done.status_code == 201
    body = done.get_json()
    assert (body["from_member_id"], body["to_member_id"]) == (
        closed["heart"].id,
        closed["gp"].id,
    )
    assert body["note"] == "Thank you for the referral."
    again = client.post(url, json={"note": "Again"}, headers=headers)
    assert again.status_code == 422
    assert (
        client.post(
            "/api/v1/referrals/999999/thanks", json={"note": "x"}, headers=headers
        ).status_code
        == 404
    )
    assert _count(db, Thanks) == 1
