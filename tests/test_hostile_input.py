"""Issue 9 S1 and S7: control and bidirectional characters refused by one function, e-mail
that keeps flowing past one bad message, and no error page that says nothing was saved
after a commit. Over a real SMTP server on loopback."""

from __future__ import annotations

import pytest

from app.api.idempotency import answer
from app.fields import FieldProblems, refused_character, text
from app.mail.outbox import deliver_all, deliver_pending, queue_email
from app.members.service import MemberError, update_member
from app.models import Member, Role
from app.users.service import UserError, create_user
from tests.test_api import API, make_net, new_referral

INJECTED = "Dr Daisy Osei\r\nBcc: attacker@evil.example"
BAD = [INJECTED, "Dr\nDaisy", "Dr\x00Daisy", "Dr\u202eiesO", "Dr\u2066Daisy", "Dr\x1bDaisy"]
# Invisible, so one name can pass for another (found by the tester).
BAD += [
    "Dr Daisy\u200bOsei",
    "Dr\ufeffDaisy",
    "Dr Dai\u00adsy",
    "Dr\U000e0041Daisy",
    "Dr\u2060Daisy",
]


@pytest.mark.parametrize("value", BAD)
def test_one_line_texts_refuse_control_and_bidi_characters(value):
    assert refused_character(value) is not None
    problems = FieldProblems()
    assert text(problems, "name", value, label="Name", required=True) is None
    assert problems == {"name": "Name contains characters that are not allowed."}


def test_names_keep_the_joiners_their_scripts_need():
    assert refused_character("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645") is None  # ZWNJ
    assert refused_character("\u0915\u094d\u200d\u0937") is None  # ZWJ


def test_multi_line_texts_keep_line_breaks_only():
    assert refused_character("Chest pain.\r\nSince May.\tSee notes.", multiline=True) is None
    for value in ("a\x00b", "a\u202eb", "a\x07b", "a\x85b"):
        assert refused_character(value, multiline=True) is not None
    assert refused_character("Zoë Ødegård, 日本") is None


@pytest.mark.parametrize("value", BAD)
def test_member_name_with_control_characters_is_refused(make, db, login, value):
    network = make.network()
    member = make.member(network, name="Dr Daisy Osei")
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    with pytest.raises(MemberError) as refused:
        update_member(coordinator, member, {"name": value}, None)
    assert refused.value.field == "name"
    db.session.rollback()
    page = login(coordinator).post(
        f"/members/{member.id}/edit",
        data={
            "network_id": network.id,
            "name": value,
            "kind": "practitioner",
            "specialties": "General practice",
        },
    )
    assert page.status_code == 400
    assert "characters that are not allowed" in page.get_data(as_text=True)
    assert db.session.get(Member, member.id).name == "Dr Daisy Osei"


def test_member_bio_keeps_its_lines_but_not_overrides(make, db):
    member = make.member(name="Harbour Physio")
    update_member(None, member, {"bio": "Sports injuries.\nBack pain."}, None)
    assert member.bio == "Sports injuries.\nBack pain."
    with pytest.raises(MemberError):
        update_member(None, member, {"bio": "Sports \u202einjuries"}, None)
    with pytest.raises(MemberError):
        update_member(None, member, {"name": "Harbour"}, ["Physio\u202e"])


@pytest.mark.parametrize("value", BAD)
def test_user_names_and_emails_refuse_control_characters(make, db, value):
    member = make.member()
    with pytest.raises(UserError) as refused:
        create_user(
            None, email="new@example.org", name=value, role="practitioner", member_ids=[member.id]
        )
    assert refused.value.field == "name"
    with pytest.raises(UserError) as refused:
        create_user(
            None,
            email=f"new{value}@example.org",
            name="Dr New",
            role="practitioner",
            member_ids=[member.id],
        )
    assert refused.value.field == "email"


@pytest.mark.parametrize("value", ["Ada\u202e", "Ada\x00", "Ada\r\nBcc: x@evil.example"])
def test_client_names_refuse_control_characters_in_the_api(client, make, db, value):
    net = make_net(make, db)
    body = new_referral(net)
    body["client"]["family_name"] = value
    response = client.post(f"{API}/referrals", json=body, headers=net["a"])
    assert response.status_code == 422
    assert "client.family_name" in response.get_json()["fields"]


def test_referral_reason_keeps_its_line_breaks(client, make, db):
    net = make_net(make, db)
    body = new_referral(net, reason="Chest pain.\nSince May.", notes="Line one\r\nLine two")
    response = client.post(f"{API}/referrals", json=body, headers=net["a"])
    assert response.status_code == 201, response.get_json()


def test_one_bad_message_never_blocks_the_others(client, make, db, smtp_server):
    """A row queued before names were checked (a header with a line break) is recorded,
    given up at once and skipped; the referral's e-mail, queued after it, still leaves."""
    net = make_net(make, db)
    bad = queue_email("victim@example.org\r\nBcc: attacker@evil.example", "Hello", "Body")
    bad_header = queue_email("gp@example.org", "Hello", "Body", {"X-Refnet-Referral": "1\r\nX: y"})
    db.session.commit()

    response = client.post(f"{API}/referrals", json=new_referral(net), headers=net["a"])
    assert response.status_code == 201, response.get_json()
    assert deliver_all() == 1
    assert [m["To"] for m in smtp_server] == [net["cardio_user"].email]
    for row in (bad, bad_header):
        db.session.refresh(row)
        assert row.sent_at is None and row.failed_at is not None and row.attempts == 1
        assert "refused" in row.last_error
    # Given up: the next delivery does not try them again, and still sends the new ones.
    queue_email("later@example.org", "Later", "Body")
    db.session.commit()
    assert deliver_pending() == 1
    assert [m["To"] for m in smtp_server][-1] == "later@example.org"
    assert all("evil" not in (m["Bcc"] or "") for m in smtp_server)


def test_a_name_saved_before_the_check_still_lets_its_notices_go(client, make, db, smtp_server):
    net = make_net(make, db)
    net["gp"].name = INJECTED  # as it was stored before this fix
    db.session.commit()
    response = client.post(f"{API}/referrals", json=new_referral(net), headers=net["a"])
    assert response.status_code == 201
    deliver_all()
    (message,) = smtp_server
    assert message["Bcc"] is None
    # The name is kept as text on one (folded) line: no header of the attacker's.
    assert message.keys().count("Bcc") == 0 and "Dr Daisy Osei" in message["Subject"]


def test_an_error_after_the_commit_does_not_say_nothing_was_saved(
    app, client, make, db, login, monkeypatch
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # the 500 page, as served
    net = make_net(make, db)

    def broken(*args, **kwargs):
        answer(*args, **kwargs)  # commits
        raise RuntimeError("something after the commit")

    monkeypatch.setattr("app.api.referrals.answer", broken)
    response = client.post(f"{API}/referrals", json=new_referral(net), headers=net["a"])
    assert response.status_code == 500
    assert "Nothing was saved" not in response.get_json()["message"]
    assert "saved" in response.get_json()["message"]
