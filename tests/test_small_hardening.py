"""Issue 9 S7: the smaller hostile cases."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

from sqlalchemy import select

from app import create_app
from app.config import TestConfig
from app.mail.outbox import deliver_all
from app.models import Document, OutboxMessage, Role, User
from app.referrals.notify import tell_other_side
from app.referrals.states import Party
from app.users.service import send_invitation, user_for, users_managed_by
from tests.test_referral_pages import _send, pair  # noqa: F401 - the fixture

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00 not html"


def test_an_upload_named_html_with_jpeg_bytes_gets_a_jpeg_name(pair, login, db):  # noqa: F811
    gp = login(pair["gp_user"])
    response = _send(gp, pair, documents=[(io.BytesIO(JPEG), "x.html")])
    assert response.status_code == 302, response.get_data(as_text=True)
    document = db.session.scalars(select(Document)).one()
    assert document.content_type == "image/jpeg" and document.filename == "x.html.jpg"
    download = gp.get(f"{response.headers['Location']}/documents/{document.id}")
    assert download.status_code == 200 and download.mimetype == "image/jpeg"
    assert "filename=x.html.jpg" in download.headers["Content-Disposition"]
    download.close()


def test_a_document_stored_before_is_offered_with_its_type_s_extension(
    pair,  # noqa: F811
    login,
    db,
):
    gp = login(pair["gp_user"])
    response = _send(gp, pair, documents=[(io.BytesIO(JPEG), "photo.JPEG")])
    document = db.session.scalars(select(Document)).one()
    assert document.filename == "photo.JPEG"  # a matching extension is kept
    document.filename = "old.html"  # as stored before the check
    db.session.commit()
    download = gp.get(f"{response.headers['Location']}/documents/{document.id}")
    assert "filename=old.html.jpg" in download.headers["Content-Disposition"]
    download.close()


def test_documents_are_private_to_refnet_s_user(pair, login, db, app, tmp_path):  # noqa: F811
    old = app.config["DOCUMENTS_DIR"]
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "fresh" / "documents")
    try:
        gp = login(pair["gp_user"])
        assert _send(gp, pair, documents=[(io.BytesIO(JPEG), "a.jpg")]).status_code == 302
        folder = Path(app.config["DOCUMENTS_DIR"])
        (stored,) = folder.iterdir()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    finally:
        app.config["DOCUMENTS_DIR"] = old


def test_a_new_sqlite_database_is_private(tmp_path):
    path = tmp_path / "instance" / "refnet.sqlite"
    app = create_app(TestConfig(f"sqlite:///{path}"))
    with app.app_context():
        from app.extensions import db

        db.create_all()
        db.engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_coordinator_does_not_learn_of_an_e_mail_in_another_network(make, login, db):
    mine, other = make.network(), make.network()
    coordinator = make.user(Role.COORDINATOR, networks=[mine])
    member = make.member(mine)
    colleague = make.practitioner(member, email="colleague@example.org")
    stranger = make.practitioner(make.member(other), email="stranger@example.org")
    admin = make.user(Role.ADMIN, email="admin@example.org")
    client = login(coordinator)

    def invite(email: str) -> str:
        data = {"email": email, "name": "Dr New", "role": "practitioner", "member_ids": [member.id]}
        response = client.post("/admin/users/new", data=data)
        assert response.status_code == 400
        return response.get_data(as_text=True)

    assert "already exists" in invite(colleague.email)  # one of the coordinator's own
    elsewhere = {invite(stranger.email), invite(admin.email)}
    for page in elsewhere:
        assert "already exists" not in page and "cannot be used for a new login here" in page
    assert "stranger@example.org" in invite(stranger.email)  # only as typed, in the form
    assert db.session.query(User).count() == 4


def test_the_user_search_takes_percent_and_underscore_literally(make, db):
    network = make.network()
    member = make.member(network)
    make.practitioner(member, name="Dr Anna", email="anna@example.org")
    make.practitioner(member, name="Dr 100% Bob", email="bob_b@example.org")
    names = lambda term: {u.name for u in db.session.scalars(users_managed_by(None, term))}  # noqa: E731
    assert names("%") == {"Dr 100% Bob"}
    assert names("_") == {"Dr 100% Bob"}
    assert names("a_n") == set()


def test_resending_an_invitation_voids_the_older_link(make, db, client, smtp_server):
    member = make.member()
    user = make.user(Role.PRACTITIONER, members=[member], password=None)
    first = send_invitation(None, user)
    db.session.commit()
    second = send_invitation(None, user_for(None, user.id))
    db.session.commit()
    path = lambda link: re.sub(r"^https?://[^/]+", "", link)  # noqa: E731
    assert client.get(path(first)).status_code == 410
    assert client.get(path(second)).status_code == 200


def test_no_notice_e_mail_for_users_who_never_set_a_password(make, db, smtp_server):
    network = make.network()
    gp, cardio = make.member(network), make.member(network, email="desk@heart.example")
    make.user(Role.PRACTITIONER, members=[cardio], password=None, email="invited@example.org")
    referral = make.referral(gp, cardio)
    tell_other_side(referral, "send", None, {Party.SENDER})
    db.session.commit()
    deliver_all()
    # Nobody with a password acts for the receiver: the member's own address is told.
    assert [m["To"] for m in smtp_server] == ["desk@heart.example"]
    assert db.session.scalars(select(OutboxMessage.to)).all() == ["desk@heart.example"]


def test_hsts_only_when_the_cookie_is_secure(app, client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
