"""The referral pages: send form, lists, the referral page, actions, documents."""

from __future__ import annotations

import io
from datetime import date

import pytest

from app.mail.outbox import deliver_all
from app.models import AuditLog, Document, Notification, Referral, Role, Status

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def pair(make):
    network = make.network(kind="clinical")
    gp = make.member(network, name="Riverside GP")
    cardio = make.member(network, name="Heart Clinic", specialties=["Cardiology"])
    return {
        "network": network,
        "gp": gp,
        "cardio": cardio,
        "gp_user": make.practitioner(gp, name="Dr GP"),
        "cardio_user": make.practitioner(cardio, name="Dr Heart"),
    }


def _send(client, pair, **overrides):
    data = send_form_data(pair["cardio"], **overrides)
    return client.post("/referrals/new", data=data, content_type="multipart/form-data")


def send_form_data(receiver, **overrides) -> dict:
    """What a GP types into the send form for a new patient (tests elsewhere use it too)."""
    data = {
        "receiver_id": str(receiver.id),
        "kind": "clinical",
        "priority": "urgent",
        "service": "Cardiology consult",
        "reason": "Chest pain on exertion for three weeks",
        "client_id": "",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "birth_date": "1980-05-17",
        "consent": "y",
    }
    return data | overrides


def test_send_form_with_document_then_receiver_sees_it(pair, login, db, client):
    gp = login(pair["gp_user"])
    assert "Heart Clinic — Cardiology" in gp.get("/referrals/new").get_data(as_text=True)
    response = _send(gp, pair, documents=[(io.BytesIO(PDF), "letter.pdf")])
    assert response.status_code == 302, response.get_data(as_text=True)
    referral = db.session.query(Referral).one()
    assert response.headers["Location"] == f"/referrals/{referral.id}"
    document = db.session.query(Document).one()
    assert document.content_type == "application/pdf" and document.filename == "letter.pdf"

    gp.post("/logout")
    cardio = login(pair["cardio_user"])
    assert "1 unread" in cardio.get("/dashboard").get_data(as_text=True)
    inbox = cardio.get("/referrals/?box=inbox").get_data(as_text=True)
    assert f"#{referral.id}" in inbox and "Ada Lovelace" in inbox
    page = cardio.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Chest pain on exertion" in page and "letter.pdf" in page
    # The page marked its notification read before it rendered: the header counts none, not
    # the one it had when the request began (read with the session's user).
    assert "1 unread" not in page and 'class="unread-count"' not in page
    assert ">Accept</button>" in page and ">Cancel the referral</summary>" not in page
    download = cardio.get(f"/referrals/{referral.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    actions = {(r.action, r.entity) for r in db.session.query(AuditLog)}
    assert {("view", "referral"), ("download", "document"), ("create", "referral")} <= actions
    assert db.session.query(Notification).filter_by(read_at=None).count() == 0


def test_send_form_shows_errors_next_to_fields(pair, login, db):
    gp = login(pair["gp_user"])
    response = _send(gp, pair, given_name="", consent="", birth_date="", reason="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Given name is required." in html
    assert "A clinical referral needs the client&#39;s consent" in html
    assert "Reason is required." in html
    assert db.session.query(Referral).count() == 0


def test_upload_that_is_not_pdf_or_image_is_refused(pair, login, db):
    gp = login(pair["gp_user"])
    response = _send(gp, pair, documents=[(io.BytesIO(b"MZ\x90\x00 evil"), "scan.pdf")])
    assert response.status_code == 422
    assert "is not a PDF, PNG or JPEG file" in response.get_data(as_text=True)
    assert db.session.query(Referral).count() == 0


def test_duplicate_asks_for_confirmation(pair, login, db):
    gp = login(pair["gp_user"])
    assert _send(gp, pair).status_code == 302
    client_id = str(db.session.query(Referral).one().client_id)
    again = _send(gp, pair, client_id=client_id)
    assert again.status_code == 422
    assert "Send another one anyway?" in again.get_data(as_text=True)
    confirmed = _send(gp, pair, client_id=client_id, confirm_duplicate="y")
    assert confirmed.status_code == 302
    assert db.session.query(Referral).count() == 2


def test_receiver_walks_the_referral_to_closed_and_sender_reads_outcome(pair, make, login, db):
    referral = make.referral(pair["gp"], pair["cardio"])
    cardio = login(pair["cardio_user"])
    steps = [
        ("accept", {}),
        ("schedule", {"appointment_at": f"{date.today().year + 1}-02-03T09:30"}),
        ("record-visit", {"visit_date": date.today().isoformat(), "confirm_early_visit": "y"}),
        ("close", {"outcome": "Stable angina; started on treatment."}),
    ]
    for version, (action, fields) in enumerate(steps, start=1):
        response = cardio.post(
            f"/referrals/{referral.id}/actions/{action}", data={"version": version, **fields}
        )
        assert response.status_code == 302, (action, response.get_data(as_text=True))
    cardio.post("/logout")
    page = login(pair["gp_user"]).get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Stable angina; started on treatment." in page
    assert "What you can do now" not in page


def test_stale_form_is_told_it_changed(pair, make, login, db):
    referral = make.referral(pair["gp"], pair["cardio"])
    cardio = login(pair["cardio_user"])
    assert (
        cardio.post(f"/referrals/{referral.id}/actions/accept", data={"version": 1}).status_code
        == 302
    )
    stale = cardio.post(
        f"/referrals/{referral.id}/actions/decline",
        data={"version": 1, "reason_code": "no_capacity", "reason": "Full"},
    )
    assert stale.status_code == 409
    assert "has changed since you loaded it" in stale.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.status == Status.ACCEPTED


def test_action_errors_are_shown_and_nothing_changes(pair, make, login, db):
    referral = make.referral(pair["gp"], pair["cardio"], Status.VISITED)
    cardio = login(pair["cardio_user"])
    response = cardio.post(
        f"/referrals/{referral.id}/actions/close", data={"version": 1, "outcome": "", "value": "50"}
    )
    assert response.status_code == 422
    assert "Outcome is required." in response.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.status == Status.VISITED and referral.version == 1


def test_outsiders_get_not_found(pair, make, login, db):
    referral = make.referral(pair["gp"], pair["cardio"])
    other_network = make.network()
    outsider = login(make.practitioner(make.member(other_network)))
    assert outsider.get(f"/referrals/{referral.id}").status_code == 404
    assert (
        outsider.post(f"/referrals/{referral.id}/actions/accept", data={"version": 1}).status_code
        == 404
    )
    assert outsider.get(f"/referrals/{referral.id}/documents/1").status_code == 404
    assert f"#{referral.id}" not in outsider.get("/referrals/?box=all").get_data(as_text=True)


def test_coordinator_lists_network_and_filters(pair, make, login):
    for status in (Status.SENT, Status.SENT, Status.CLOSED):
        make.referral(pair["gp"], pair["cardio"], status)
    coordinator = login(make.user(Role.COORDINATOR, networks=[pair["network"]]))
    html = coordinator.get("/referrals/?status=sent").get_data(as_text=True)
    assert html.count('class="badge status-sent">Waiting for answer</span></td>') == 2
    assert coordinator.get("/referrals/?status=bogus").status_code == 400


def test_keyset_pages_cover_everything_once(pair, make, login, app):
    made = {make.referral(pair["gp"], pair["cardio"]).id for _ in range(7)}
    app.config["PAGE_SIZE"] = 3
    try:
        client = login(pair["gp_user"])
        seen, url = [], "/referrals/?box=outbox"
        while url:
            html = client.get(url).get_data(as_text=True)
            seen += [i for i in made if f">#{i}</a>" in html]
            marker = 'rel="next"'
            url = None
            if marker in html:
                href = html[: html.index(marker)].rsplit('href="', 1)[1].split('"')[0]
                url = href.replace("&amp;", "&")
        assert sorted(seen) == sorted(made)
    finally:
        app.config["PAGE_SIZE"] = 25


def test_notifications_list_and_read_all(pair, make, login, db):
    referral = make.referral(pair["gp"], pair["cardio"])
    cardio = login(pair["cardio_user"])
    cardio.post(f"/referrals/{referral.id}/actions/accept", data={"version": 1})
    cardio.post("/logout")
    gp = login(pair["gp_user"])
    html = gp.get("/notifications/").get_data(as_text=True)
    assert "Heart Clinic accepted referral" in html
    assert gp.post("/notifications/read-all").status_code == 302
    assert db.session.query(Notification).filter_by(read_at=None).count() == 0


def test_audit_page_for_admins_only(pair, make, login, db):
    referral = make.referral(pair["gp"], pair["cardio"])
    gp = login(pair["gp_user"])
    gp.get(f"/referrals/{referral.id}")
    assert gp.get("/admin/audit/").status_code == 403
    gp.post("/logout")
    admin = login(make.user(Role.ADMIN))
    html = admin.get(f"/admin/audit/?entity=referral&entity_id={referral.id}").get_data(
        as_text=True
    )
    assert pair["gp_user"].email in html and f"referral #{referral.id}" in html


def test_other_side_is_emailed_after_commit_without_clinical_details(
    pair, make, login, smtp_server
):
    referral = make.referral(pair["gp"], pair["cardio"], reason="Suspected arrhythmia")
    cardio = login(pair["cardio_user"])
    assert (
        cardio.post(f"/referrals/{referral.id}/actions/accept", data={"version": 1}).status_code
        == 302
    )
    assert smtp_server == []  # queued: the page did not wait on SMTP
    assert deliver_all() == 1
    assert [m["To"] for m in smtp_server] == [pair["gp_user"].email]
    body = smtp_server[0].get_payload(decode=True).decode()
    assert f"/referrals/{referral.id}" in body
    for secret in ("Lovelace", "1980", "arrhythmia"):
        assert secret not in body and secret not in smtp_server[0]["Subject"]
