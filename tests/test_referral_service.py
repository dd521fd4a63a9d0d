"""The referral service: sending, each transition, guards, what gets recorded."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.models import (
    AuditLog,
    Notification,
    OutboxMessage,
    Referral,
    ReferralEvent,
    ReferralKind,
    Role,
    Status,
    utcnow,
)
from app.referrals.clients import ClientInput
from app.referrals.errors import (
    ActionForbidden,
    InvalidReferral,
    PossibleDuplicate,
    ReferralNotFound,
    StaleReferral,
    TransitionNotAllowed,
)
from app.referrals.service import NewReferral, perform, send_referral


@pytest.fixture
def pair(make):
    network = make.network(validity_months=12)
    gp = make.member(network, name="Riverside GP", specialties=["General practice"])
    cardio = make.member(network, name="Heart Clinic", specialties=["Cardiology"])
    return {
        "network": network,
        "gp": gp,
        "cardio": cardio,
        "gp_user": make.practitioner(gp, name="Dr GP"),
        "cardio_user": make.practitioner(cardio, name="Dr Heart"),
    }


def _new(pair, **kw):
    fields = {
        "receiver_id": pair["cardio"].id,
        "kind": "clinical",
        "priority": "urgent",
        "reason": "Chest pain on exertion",
        "service": "Cardiology consult",
        "client": ClientInput("Ada", "Lovelace", "1980-05-17", consent=True),
    }
    fields.update(kw)
    return NewReferral(**fields)


def test_full_journey_records_events_and_tells_the_other_side(pair, db):
    referral = send_referral(pair["gp_user"], _new(pair))
    db.session.commit()
    assert referral.status == Status.SENT and referral.version == 1
    cardio_user = pair["cardio_user"]
    steps = [
        ("accept", {}),
        ("schedule", {"appointment_at": (utcnow() + timedelta(days=2)).isoformat()}),
        ("record-visit", {"visit_date": date.today().isoformat(), "confirm_early_visit": True}),
        ("close", {"outcome": "Stable angina; treatment started."}),
    ]
    for action, values in steps:
        perform(referral, action, cardio_user, version=referral.version, values=values)
        db.session.commit()
    assert referral.status == Status.CLOSED
    assert referral.version == 5
    assert referral.valid_until is not None
    actions = [e.action for e in db.session.query(ReferralEvent).order_by(ReferralEvent.id)]
    assert actions == ["send", "accept", "schedule", "record-visit", "close"]
    # The sender's practitioner was told of each of the receiver's steps, and by e-mail.
    gp_notes = db.session.query(Notification).filter_by(user_id=pair["gp_user"].id).count()
    assert gp_notes == 4
    bodies = [m.body for m in db.session.query(OutboxMessage)]
    assert len(bodies) == 5
    assert not any("Lovelace" in b or "1980" in b or "Chest pain" in b for b in bodies)
    assert db.session.query(AuditLog).filter_by(entity="referral").count() == 5


def test_validity_starts_at_first_visit(pair, db):
    referral = send_referral(pair["gp_user"], _new(pair), now=utcnow() - timedelta(days=3))
    perform(referral, "accept", pair["cardio_user"])
    visit = date.today() - timedelta(days=1)
    perform(referral, "record-visit", pair["cardio_user"], values={"visit_date": visit.isoformat()})
    assert referral.valid_until == visit.replace(year=visit.year + 1)


def test_stale_version_is_refused(pair, db):
    referral = send_referral(pair["gp_user"], _new(pair))
    perform(referral, "accept", pair["cardio_user"], version=1)
    with pytest.raises(StaleReferral):
        perform(
            referral,
            "schedule",
            pair["cardio_user"],
            version=1,
            values={"appointment_at": "2030-01-01T09:00"},
        )


def test_wrong_party_and_wrong_state(pair, db):
    referral = send_referral(pair["gp_user"], _new(pair))
    with pytest.raises(ActionForbidden):
        perform(referral, "accept", pair["gp_user"])
    with pytest.raises(TransitionNotAllowed):
        perform(referral, "close", pair["cardio_user"], values={"outcome": "done"})


def test_outsider_gets_not_found(pair, make, db):
    referral = send_referral(pair["gp_user"], _new(pair))
    outsider = make.practitioner(make.member(pair["network"]))
    with pytest.raises(ReferralNotFound):
        perform(referral, "accept", outsider)


def test_clinical_close_refuses_money(pair, db):
    referral = send_referral(pair["gp_user"], _new(pair))
    perform(referral, "accept", pair["cardio_user"])
    perform(referral, "record-visit", pair["cardio_user"], values={"visit_date": date.today()})
    with pytest.raises(InvalidReferral) as refused:
        perform(referral, "close", pair["cardio_user"], values={"outcome": "ok", "value": "100"})
    assert "value" in refused.value.fields
    assert referral.status == Status.VISITED


def test_professional_close_records_value(make, db):
    network = make.network(kind="professional")
    lawyer, accountant = make.member(network), make.member(network)
    sender = make.practitioner(lawyer)
    referral = send_referral(
        sender,
        NewReferral(
            receiver_id=accountant.id,
            kind="professional",
            reason="Tax return help",
            service="Accounting",
            client=ClientInput("Sam", "Doe"),
        ),
    )
    receiver = make.practitioner(accountant)
    perform(referral, "accept", receiver)
    perform(referral, "record-visit", receiver, values={"visit_date": date.today().isoformat()})
    perform(referral, "close", receiver, values={"outcome": "Engaged", "value": "1250.50"})
    assert referral.business_value == Decimal("1250.50")


def test_guards_on_send(pair, make, db):
    with pytest.raises(InvalidReferral) as refused:
        send_referral(pair["gp_user"], _new(pair, receiver_id=pair["gp"].id))
    assert refused.value.fields["receiver_id"] == "A member cannot refer a client to itself."
    closed = make.member(pair["network"], accepting=False, name="Full Clinic")
    with pytest.raises(InvalidReferral) as refused:
        send_referral(pair["gp_user"], _new(pair, receiver_id=closed.id))
    assert "not accepting" in refused.value.fields["receiver_id"]
    with pytest.raises(InvalidReferral) as refused:
        send_referral(
            pair["gp_user"], _new(pair, client=ClientInput("A", "B", None, consent=False))
        )
    assert {"client.consent", "client.birth_date"} <= set(refused.value.fields)
    db.session.rollback()
    assert db.session.query(Referral).count() == 0


def test_possible_duplicate_needs_confirmation(pair, db):
    first = send_referral(pair["gp_user"], _new(pair))
    db.session.commit()
    with pytest.raises(PossibleDuplicate):
        send_referral(pair["gp_user"], _new(pair, client=None, client_id=first.client_id))
    db.session.rollback()
    second = send_referral(
        pair["gp_user"], _new(pair, client=None, client_id=first.client_id, confirm_duplicate=True)
    )
    assert second.id != first.id


def test_forward_creates_linked_referral(pair, make, db):
    other = make.member(pair["network"], name="Other Cardio")
    referral = send_referral(pair["gp_user"], _new(pair))
    perform(referral, "forward", pair["cardio_user"], values={"receiver_id": other.id})
    db.session.commit()
    copy = db.session.query(Referral).filter_by(forwarded_from_id=referral.id).one()
    assert referral.status == Status.DECLINED and copy.status == Status.SENT
    assert copy.receiver_id == other.id and copy.sender_id == pair["gp"].id


def test_no_show_returns_to_accepted_or_cancels(pair, db):
    referral = send_referral(pair["gp_user"], _new(pair))
    perform(referral, "accept", pair["cardio_user"])
    when = (utcnow() + timedelta(days=1)).isoformat()
    perform(referral, "schedule", pair["cardio_user"], values={"appointment_at": when})
    perform(referral, "no-show", pair["cardio_user"])
    assert referral.status == Status.ACCEPTED and referral.appointment_at is None
    perform(referral, "schedule", pair["cardio_user"], values={"appointment_at": when})
    perform(
        referral,
        "no-show",
        pair["cardio_user"],
        values={"cancel": True, "reason_code": "client_unreachable"},
    )
    assert referral.status == Status.CANCELLED


def test_coordinator_cancels_and_system_expires(pair, make, db):
    coordinator = make.user(Role.COORDINATOR, networks=[pair["network"]])
    first = send_referral(pair["gp_user"], _new(pair))
    perform(
        first, "cancel", coordinator, values={"reason_code": "other", "reason": "Sent by mistake"}
    )
    assert first.status == Status.CANCELLED
    second = send_referral(pair["gp_user"], _new(pair, confirm_duplicate=True))
    perform(second, "expire", None)
    assert second.status == Status.EXPIRED
    with pytest.raises(ActionForbidden):
        perform(second, "expire", coordinator)


def test_kind_must_fit_the_network(make, db):
    network = make.network(kind="clinical")
    a, b = make.member(network), make.member(network)
    with pytest.raises(InvalidReferral) as refused:
        send_referral(
            make.practitioner(a),
            NewReferral(
                receiver_id=b.id,
                kind=ReferralKind.PROFESSIONAL.value,
                reason="Help",
                service="Law",
                client=ClientInput("X", "Y"),
            ),
        )
    assert "clinical network" in refused.value.fields["kind"]


def test_decline_suggests_only_another_active_member(pair, make, db):
    left = make.member(pair["network"], active=False)
    for bad in (pair["cardio"].id, pair["gp"].id, left.id):
        referral = send_referral(pair["gp_user"], _new(pair, confirm_duplicate=True))
        with pytest.raises(InvalidReferral) as refused:
            perform(
                referral,
                "decline",
                pair["cardio_user"],
                values={"reason_code": "no_capacity", "suggested_member_id": bad},
            )
        assert "suggested_member_id" in refused.value.fields
        db.session.rollback()
