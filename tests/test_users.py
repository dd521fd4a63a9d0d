"""User administration: invitations over real SMTP, roles, scope, the CLI."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import time_machine

from app.mail.outbox import deliver_all
from app.models import AuditLog, OutboxMessage, Role, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a long new password"


def _invite(client, **fields):
    data = {"email": "new.user@example.org", "name": "Dr New", "role": "practitioner", **fields}
    return client.post("/admin/users/new", data=data)


def _link_from(message) -> str:
    body = message.get_payload(decode=True).decode()
    match = re.search(r"http://\S+/invite/(\S+)", body)
    assert match, body
    return "/invite/" + match.group(1)


def test_admin_invites_a_user_who_sets_a_password_once(make, login, db, smtp_server):
    member = make.member(name="Riverside GP")
    admin = make.user(Role.ADMIN)
    client = login(admin)
    response = _invite(client, member_ids=[member.id])
    assert response.status_code == 302
    # The page says it is queued; the deliverer (the worker's job) sends it afterwards.
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation to new.user@example.org queued" in html
    assert smtp_server == []
    assert deliver_all() == 1

    assert len(smtp_server) == 1
    message = smtp_server[0]
    assert message["To"] == "new.user@example.org"
    assert message["Subject"] == "You are invited to refnet"
    user = db.session.query(User).filter_by(email="new.user@example.org").one()
    assert user.password_hash is None and user.member_ids == [member.id]
    assert db.session.query(OutboxMessage).one().sent_at is not None

    link = _link_from(message)
    client.post("/logout")
    assert client.get(link).status_code == 200
    too_short = client.post(link, data={"password": "short", "confirm": "short"})
    assert too_short.status_code == 400
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert "Hello, Dr New" in client.get("/dashboard").get_data(as_text=True)

    # The link works once.
    client.post("/logout")
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert (
        client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code
        == 302
    )


def test_invitation_expires(make, login, db, smtp_server):
    admin = make.user(Role.ADMIN)
    member = make.member()
    with time_machine.travel("2026-03-01 08:00:00+00:00", tick=False) as clock:
        client = login(admin)
        _invite(client, member_ids=[member.id])
        deliver_all()
        link = _link_from(smtp_server[0])
        client.post("/logout")
        clock.shift(timedelta(hours=73))
        response = client.get(link)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_forged_invitation_is_refused(client, db):
    response = client.get("/invite/not-a-real-token")
    assert response.status_code == 410
    assert "not valid" in response.get_data(as_text=True)


def test_without_mail_server_the_link_is_shown_and_kept_in_outbox(make, login, db):
    admin = make.user(Role.ADMIN)
    member = make.member()
    client = login(admin)
    response = _invite(client, member_ids=[member.id])
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No mail server is configured" in html and "/invite/" in html
    assert db.session.query(OutboxMessage).one().sent_at is None


def test_practitioner_needs_a_member_and_duplicates_are_refused(make, login, db):
    admin = make.user(Role.ADMIN)
    client = login(admin)
    response = _invite(client)
    assert response.status_code == 400
    assert "A practitioner acts for at least one member." in response.get_data(as_text=True)
    response = _invite(client, email=admin.email.upper(), member_ids=[make.member().id])
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 1


def test_coordinator_only_invites_practitioners_of_its_network(make, login, db):
    mine, other = make.network(), make.network()
    coordinator = make.user(Role.COORDINATOR, networks=[mine])
    outsider_member = make.member(other)
    client = login(coordinator)
    assert _invite(client, role="admin", member_ids=[make.member(mine).id]).status_code == 400
    assert _invite(client, member_ids=[outsider_member.id]).status_code == 400
    assert db.session.query(User).count() == 1


def test_coordinator_sees_and_manages_only_its_users(make, login, db):
    mine, other = make.network(), make.network()
    coordinator = make.user(Role.COORDINATOR, networks=[mine])
    ours = make.practitioner(make.member(mine), name="Dr Ours")
    theirs = make.practitioner(make.member(other), name="Dr Theirs")
    client = login(coordinator)
    html = client.get("/admin/users/").get_data(as_text=True)
    assert "Dr Ours" in html and "Dr Theirs" not in html
    assert client.get(f"/admin/users/{theirs.id}/edit").status_code == 404
    assert client.post(f"/admin/users/{theirs.id}/deactivate").status_code == 404
    assert client.post(f"/admin/users/{ours.id}/deactivate").status_code == 302
    db.session.refresh(ours)
    assert ours.active is False
    assert client.post("/login", data={"email": ours.email, "password": PASSWORD}).status_code


def test_deactivated_user_is_signed_out_on_next_request(make, login, db):
    user = make.practitioner()
    client = login(user)
    user.active = False
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


def test_last_admin_cannot_be_deactivated(make, login, db):
    admin = make.user(Role.ADMIN)
    other_admin = make.user(Role.ADMIN)
    client = login(admin)
    assert client.post(f"/admin/users/{other_admin.id}/deactivate").status_code == 302
    assert client.post(f"/admin/users/{admin.id}/deactivate").status_code == 302
    db.session.refresh(admin)
    assert admin.active  # not oneself, and not the last admin


def test_edit_user_changes_members_and_audits(make, login, db):
    network = make.network()
    first, second = make.member(network), make.member(network)
    user = make.practitioner(first)
    client = login(make.user(Role.ADMIN))
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "email": user.email,
            "name": "Renamed",
            "role": "practitioner",
            "member_ids": [first.id, second.id],
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.name == "Renamed" and sorted(user.member_ids) == sorted([first.id, second.id])
    assert db.session.query(AuditLog).filter_by(entity="user", action="update").count() == 1


def test_cli_creates_and_lists_users(app, make, db):
    network = make.network()
    member = make.member(network)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Cli@Example.org",
            "--name",
            "Cli User",
            "--role",
            "practitioner",
            "--password",
            PASSWORD,
            "--members",
            str(member.id),
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "coord@example.org",
            "--name",
            "Coord",
            "--role",
            "coordinator",
            "--password",
            PASSWORD,
            "--networks",
            str(network.id),
        ]
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(args=["users", "list", "--format", "json"]).output)
    by_email = {u["email"]: u for u in listed}
    assert by_email["cli@example.org"]["role"] == "practitioner"
    assert by_email["cli@example.org"]["member_ids"] == [member.id]
    assert by_email["cli@example.org"]["network_ids"] == [network.id]
    assert by_email["coord@example.org"]["network_ids"] == [network.id]
    assert {"email", "role", "member_ids", "network_ids"} <= set(by_email["coord@example.org"])


def test_cli_refuses_bad_input_clearly(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "practitioner",
            "--password",
            PASSWORD,
            "--members",
            "999",
        ]
    )
    assert result.exit_code != 0
    assert "Unknown member id." in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "admin",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert db.session.query(User).count() == 0
