"""Small things that are everywhere: how pages word, link and date what they show."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.models import MemberKind, Priority, ReferralEvent, Role, Status
from app.tokens.service import create_token


def shown(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_timeline_speaks_in_the_past_and_says_by_refnet_only_for_refnets_steps(make, login, db):
    network = make.network()
    gp, clinic = make.member(network, name="GP"), make.member(network, name="Clinic")
    user = make.practitioner(gp, name="Dr Okafor")
    referral = make.referral(gp, clinic, status=Status.EXPIRED)
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    db.session.add_all(
        [
            ReferralEvent(
                referral_id=referral.id, actor_id=user.id, action="send",
                from_status=None, to_status=Status.SENT, at=at,
            ),
            ReferralEvent(  # history with no person (demo data, imports)
                referral_id=referral.id, actor_id=None, action="accept",
                from_status=Status.SENT, to_status=Status.ACCEPTED, at=at,
            ),
            ReferralEvent(
                referral_id=referral.id, actor_id=None, action="expire",
                from_status=Status.SENT, to_status=Status.EXPIRED, at=at,
            ),
        ]
    )  # fmt: skip
    db.session.commit()
    text = shown(login(user).get(f"/referrals/{referral.id}").get_data(as_text=True))
    assert "Waiting for answer Sent by Dr Okafor" in text
    assert "Accepted Accepted 02 Nov 2026" in text  # nobody named, and not refnet
    assert "Expired Expired by refnet" in text
    assert text.count("by refnet") == 1


def test_priority_badges_use_the_forms_words(make, login):
    network = make.network()
    gp, clinic = make.member(network), make.member(network)
    make.referral(gp, clinic, priority=Priority.ASAP)
    make.referral(gp, clinic, priority=Priority.STAT)
    text = shown(login(make.practitioner(gp)).get("/referrals/?box=outbox").get_data(as_text=True))
    assert "As soon as possible" in text and "Immediately (stat)" in text
    assert " asap " not in text and " stat " not in text


def test_organisation_in_british_and_no_name_said_twice(make, login):
    network = make.network()
    firm = make.member(
        network, name="Harbour Law", organization="Harbour Law", kind=MemberKind.ORGANIZATION
    )
    make.member(network, name="Dr Lind", organization="Lind Physio Ltd")
    client = login(make.user(Role.COORDINATOR, networks=[network]))
    profile = shown(client.get(f"/members/{firm.id}").get_data(as_text=True))
    assert "Organisation ·" in profile and "Organization" not in profile
    assert "Harbour Law · Harbour Law" not in profile
    directory = shown(client.get("/members/").get_data(as_text=True))
    assert directory.count("Harbour Law") == 1
    assert "Lind Physio Ltd" in directory


def test_a_member_with_no_user_has_an_invite_link_that_ticks_it(make, login):
    network = make.network()
    member = make.member(network, name="Quay Dental")
    client = login(make.user(Role.COORDINATOR, networks=[network]))
    html = client.get(f"/members/{member.id}").get_data(as_text=True)
    link = re.search(r'href="(/admin/users/new\?[^"]+)">Invite a user for Quay Dental', html)
    assert link, html
    form = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(rf'value="{member.id}" checked> Quay Dental', form)


def test_dashboard_cards_link_to_their_lists(make, login):
    network = make.network()
    gp = make.member(network)
    html = login(make.practitioner(gp)).get("/dashboard").get_data(as_text=True)
    assert 'class="tile attention" href="/referrals/?box=inbox&amp;status=sent"' in html
    assert 'href="/referrals/?box=outbox&amp;status=closed"' in html
    assert "status=sent,info_requested,accepted,scheduled,visited" in html
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    client = login(coordinator)
    html = client.get("/dashboard").get_data(as_text=True)
    links = re.findall(r'<a class="tile[^"]*" href="([^"]+)"', html)
    assert len(links) == 4
    for link in links:  # every card's list opens
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_greeting_does_not_repeat_the_name(make, login):
    network = make.network(name="Riverside")
    own = make.member(network, name="Dr Daisy Osei")
    html = (
        login(make.practitioner(own, name="Dr Daisy Osei")).get("/dashboard").get_data(as_text=True)
    )
    text = shown(html)
    assert text.count("Dr Daisy Osei") == 2  # the greeting and the account menu
    assert "Your page in the directory · Riverside" in text


def test_tokens_page_writes_dates_like_the_other_pages(make, login, db):
    user = make.practitioner()
    token, _ = create_token(user, "Nightly export")
    token.created_at = datetime(2026, 11, 2, 9, 5, tzinfo=UTC)
    db.session.commit()
    text = shown(login(user).get("/tokens/").get_data(as_text=True))
    assert "02 Nov 2026, 09:05 UTC" in text
    assert "2026-11-02" not in text
