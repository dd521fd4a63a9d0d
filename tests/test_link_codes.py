"""Link codes and the link service: alphabet, case, uniqueness, who may make and pause."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.links.codes import ALPHABET, LENGTH, grouped, new_code, normalized
from app.links.service import create_link, link_of_code, pause_link, resume_link
from app.models import ReferralKind, Role
from app.refusals import Forbidden, Invalid, NotFound


def test_alphabet_has_no_look_alikes():
    assert not set("0O1IL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31


def test_codes_draw_from_the_alphabet_and_do_not_repeat():
    codes = {new_code() for _ in range(5000)}
    assert len(codes) == 5000
    assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in codes)
    # Every symbol turns up: the draw is not stuck on part of the alphabet.
    assert set("".join(codes)) == set(ALPHABET)


def test_codes_are_read_case_insensitively_and_strictly():
    code = new_code()
    assert normalized(code.lower()) == code
    assert normalized(grouped(code).lower()) == code
    assert normalized(f" {code[:3]} {code[3:]} ") == code
    for bad in (code[:-1], code + "A", "O" + code[1:], "0" + code[1:], None, 7, "x" * 500):
        assert normalized(bad) is None


def test_a_practitioner_makes_a_link_for_its_member_and_finds_it_by_code(make):
    network = make.network(kind="professional")
    owner, target = make.member(network), make.member(network)
    user = make.practitioner(owner)
    link = create_link(user, target.id)
    db.session.commit()
    assert link.owner_member_id == owner.id and link.target_member_id == target.id
    assert link.referral_kind == ReferralKind.PROFESSIONAL
    assert link_of_code(link.code.lower()).id == link.id
    assert link_of_code("ZZZZZZZZZZ") is None
    codes = {create_link(user, target.id).code for _ in range(20)} | {link.code}
    assert len(codes) == 21


def test_links_elsewhere_or_for_others_are_refused_and_an_own_link_is_made(make):
    network = make.network()
    owner, target = make.member(network), make.member(network)
    outsider = make.member(make.network())
    user = make.practitioner(owner)
    own = create_link(user, owner.id)  # the member's own link: it brings clients to it
    assert own.owner_member_id == own.target_member_id == owner.id and own.own
    with pytest.raises(Invalid):
        create_link(user, outsider.id)
    with pytest.raises(Invalid):
        create_link(user, target.id, owner_member_id=target.id)
    with pytest.raises(Forbidden):
        create_link(make.user(Role.COORDINATOR, networks=[network]), target.id)


def test_pause_and_resume_only_by_those_who_see_the_link(make):
    network = make.network()
    owner, target = make.member(network), make.member(network)
    user = make.practitioner(owner)
    link = create_link(user, target.id)
    db.session.commit()
    with pytest.raises(NotFound):
        pause_link(make.practitioner(target), link.id)
    assert pause_link(make.user(Role.COORDINATOR, networks=[network]), link.id).paused
    assert not resume_link(user, link.id).paused
    with pytest.raises(NotFound):
        pause_link(make.user(Role.COORDINATOR, networks=[make.network()]), link.id)
