"""Services authorize their caller: called directly, as a CLI or a job would, an outsider and
a coordinator of another network are refused and nothing changes.

Each case is one service call on the victim network's records. It is made once by someone
who may (so a refusal below cannot come from a broken call), then by the outsider
practitioner and by the other network's coordinator, who must get a refusal (404 or 403 or a
422 naming the field) and leave every table as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from app.advice.access import read_advice
from app.advice.service import (
    NewAdvice,
    advice_documents,
    ask_advice,
    close_advice,
    convert_advice,
)
from app.audit.service import AuditQuery, audit_trail
from app.extensions import db as _db
from app.mail.failures import retry_message, undelivered
from app.members.service import (
    create_member,
    deactivate_member,
    member_for,
    member_profile,
    reactivate_member,
    update_member,
)
from app.models import Member, Role, User
from app.notifications.service import open_notification
from app.referrals.access import read_referral, referral_for
from app.referrals.documents import documents_of, download_document
from app.referrals.service import NewReferral, perform, send_referral
from app.refusals import Refusal
from app.reports import service as reports
from app.reports.scope import days_scope
from app.threads.places import advice_thread, referral_thread
from app.threads.service import post_message, read_thread
from app.tokens.service import create_token, revoke_token, token_of
from app.users.service import (
    create_user,
    deactivate_user,
    reactivate_user,
    send_invitation,
    update_user,
    user_for,
)

Call = Callable[[User, dict], object]


def _ask_as_victim(actor, w):
    new = NewAdvice(
        kind="clinical",
        subject="Opinion",
        question="Why so?",
        asked_member_id=w["member"].id,
        client_id=w["referral"].client_id,
    )
    return ask_advice(actor, new)


def _scope(w):
    return days_scope(w["member"].network_id, date(2000, 1, 1), date(2100, 1, 1))


def _new_practitioner(actor, w, role=Role.PRACTITIONER):
    return create_user(
        actor,
        email="new.person@example.org",
        name="New Person",
        role=role,
        member_ids=[w["member"].id] if role == Role.PRACTITIONER else [],
        network_ids=[w["member"].network_id] if role == Role.COORDINATOR else [],
    )


def _edit_user(actor, w):
    receiver = w["users"]["receiver"]
    return update_user(
        actor,
        receiver,
        name="Renamed",
        role=Role.PRACTITIONER,
        member_ids=receiver.member_ids,
        network_ids=[],
    )


def _send_as_victim(actor, w):
    victim_sender = w["users"]["sender"].members[0]
    return send_referral(
        actor,
        NewReferral(
            receiver_id=w["member"].id,
            sender_id=victim_sender.id,
            kind="clinical",
            reason="Breathless on stairs",
            service="Cardiology consult",
            client_id=w["referral"].client_id,
            confirm_duplicate=True,
        ),
    )


# (name, call, who may make it)
CASES: list[tuple[str, Call, str]] = [
    ("member_for", lambda a, w: member_for(a, w["member"].id), "sender"),
    ("member_profile", lambda a, w: member_profile(a, w["member"].id), "sender"),
    (
        "create_member",
        lambda a, w: create_member(
            a, w["member"].network_id, {"name": "Intruder", "kind": "practitioner"}, ["GP"]
        ),
        "coordinator",
    ),
    (
        "update_member",
        lambda a, w: update_member(a, w["member"], {"name": "Renamed"}, ["GP"]),
        "coordinator",
    ),
    ("deactivate_member", lambda a, w: deactivate_member(a, w["member"]), "coordinator"),
    ("reactivate_member", lambda a, w: reactivate_member(a, w["member"]), "coordinator"),
    ("user_for", lambda a, w: user_for(a, w["users"]["receiver"].id), "coordinator"),
    ("create_user", _new_practitioner, "coordinator"),
    ("create_user as coordinator", lambda a, w: _new_practitioner(a, w, Role.COORDINATOR), "admin"),
    ("update_user", _edit_user, "coordinator"),
    ("deactivate_user", lambda a, w: deactivate_user(a, w["users"]["receiver"]), "coordinator"),
    ("reactivate_user", lambda a, w: reactivate_user(a, w["users"]["receiver"]), "coordinator"),
    ("send_invitation", lambda a, w: send_invitation(a, _no_password(w)), "coordinator"),
    ("open_notification", lambda a, w: open_notification(a, w["notification"].id), "receiver"),
    ("audit_trail", lambda a, w: audit_trail(a, AuditQuery()), "admin"),
    ("undelivered", lambda a, w: undelivered(a), "admin"),
    ("retry_message", lambda a, w: retry_message(a, w["ids"]["message_id"]), "admin"),
    ("referral_for", lambda a, w: referral_for(a, w["referral"].id), "receiver"),
    ("read_referral", lambda a, w: read_referral(a, w["referral"].id), "receiver"),
    ("perform accept", lambda a, w: perform(w["referral"], "accept", a), "receiver"),
    (
        "perform cancel",
        lambda a, w: perform(
            w["referral"], "cancel", a, values={"reason_code": "other", "reason": "Gone"}
        ),
        "coordinator",
    ),
    ("send_referral", _send_as_victim, "sender"),
    ("documents_of", lambda a, w: documents_of(a, w["referral"]), "receiver"),
    ("network_report", lambda a, w: reports.network_report(a, _scope(w)), "coordinator"),
    ("member_table", lambda a, w: reports.member_table(a, _scope(w)), "coordinator"),
    (
        "member_table_and_health",
        lambda a, w: reports.member_table_and_health(a, _scope(w), date.today()),
        "coordinator",
    ),
    (
        "network_report with health",
        lambda a, w: reports.network_report(a, _scope(w), date.today()),
        "coordinator",
    ),
    ("network_summary", lambda a, w: reports.network_summary(a, _scope(w)), "coordinator"),
    ("top_pairs", lambda a, w: reports.top_pairs(a, _scope(w)), "coordinator"),
    (
        "member_health",
        lambda a, w: reports.member_health(a, w["member"].network_id, date.today()),
        "coordinator",
    ),
    (
        "set_health_rule",
        lambda a, w: reports.set_health_rule(a, w["member"].network_id, {}),
        "admin",
    ),
    ("reciprocity_rows", lambda a, w: reports.reciprocity_rows(a, _scope(w)), "coordinator"),
    ("member_partners", lambda a, w: reports.member_partners(a, w["member"].id), "receiver"),
    ("member_balance", lambda a, w: reports.member_balance(a, w["member"].id), "receiver"),
    (
        "download_document",
        lambda a, w: download_document(a, w["referral"].id, w["ids"]["document_id"]),
        "receiver",
    ),
    (
        "read_thread",
        lambda a, w: read_thread(a, referral_thread(a, w["referral"].id)),
        "receiver",
    ),
    (
        "post_message",
        lambda a, w: post_message(a, referral_thread(a, w["referral"].id), "Hello"),
        "coordinator",
    ),
    ("read_advice", lambda a, w: read_advice(a, w["advice"].id), "receiver"),
    (
        "post_message on advice",
        lambda a, w: post_message(a, advice_thread(a, w["advice"].id), "An answer"),
        "receiver",
    ),
    ("ask_advice", _ask_as_victim, "sender"),
    ("close_advice", lambda a, w: close_advice(a, w["advice"].id), "sender"),
    (
        "convert_advice",
        lambda a, w: convert_advice(a, w["advice"].id, confirm_duplicate=True),
        "sender",
    ),
    ("advice_documents", lambda a, w: advice_documents(a, w["advice"].id), "receiver"),
    ("token_of", lambda a, w: token_of(a, w["token"].id), "receiver"),
    ("revoke_token", lambda a, w: revoke_token(w["token"], actor=a), "receiver"),
    (
        "create_token",
        lambda a, w: create_token(w["users"]["receiver"], "mine now", actor=a),
        "receiver",
    ),
]
OUTSIDERS = ("outsider", "other_coordinator")


def _no_password(w) -> User:
    user = w["users"]["receiver"]
    user.password_hash = None
    return user


def _snapshot(session) -> dict:
    """Row counts of every table, and the victim's records as they are."""
    counts = {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in _db.metadata.sorted_tables
    }
    members = session.execute(select(Member.id, Member.name, Member.active)).all()
    users = session.execute(select(User.id, User.name, User.role, User.active)).all()
    return {"counts": counts, "members": sorted(members), "users": sorted(users)}


@pytest.fixture(autouse=True)
def request_context(app):
    """Invitations build an external link, as they do inside a request."""
    with app.test_request_context():
        yield


@pytest.mark.parametrize("name, call, insider", CASES, ids=[c[0] for c in CASES])
def test_the_one_who_may_is_served(world, db, name, call, insider):
    call(world["users"][insider], world)  # raises if the case itself is broken
    db.session.rollback()


@pytest.mark.parametrize("outsider", OUTSIDERS)
@pytest.mark.parametrize("name, call, insider", CASES, ids=[c[0] for c in CASES])
def test_outsiders_are_refused_and_nothing_changes(world, db, name, call, insider, outsider):
    actor = world["users"][outsider]
    db.session.commit()
    before = _snapshot(db.session)
    with pytest.raises(Refusal) as refused:
        call(actor, world)
    assert refused.value.status in (403, 404, 422), refused.value
    if refused.value.status == 422:  # a field the outsider may not choose, named
        assert refused.value.fields, refused.value.message
    db.session.rollback()
    assert _snapshot(db.session) == before


def test_coordinators_cannot_hand_out_more_than_they_have(world, db):
    coordinator = world["users"]["coordinator"]
    for role in (Role.ADMIN, Role.COORDINATOR):
        with pytest.raises(Refusal) as refused:
            _new_practitioner(coordinator, world, role)
        assert refused.value.fields == {"role": "You can only invite and edit practitioners."}
        db.session.rollback()
    outsider_member = world["users"]["outsider"].members[0]
    with pytest.raises(Refusal) as refused:
        update_user(
            coordinator,
            world["users"]["receiver"],
            name="Moved",
            role=Role.PRACTITIONER,
            member_ids=[outsider_member.id],
            network_ids=[],
        )
    assert "member_ids" in refused.value.fields
