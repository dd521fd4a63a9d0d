"""A business network speaks of meetings and clients; a clinical one of visits and patients."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from app.models import NetworkKind, OutboxMessage, ReferralKind, Status
from app.referrals.status_rules import STATUS_LABELS
from app.referrals.vocabulary import CLINICAL, PROFESSIONAL, words

CLINICAL_WORDS = (
    "visit", "Visit", "patient", "Birth date", "consents to sharing", "Appointment", "appointment",
)  # fmt: skip


def shown(html: str) -> str:
    """What a person reads: the text between the tags (not ids, names or URLs)."""
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def firm(make):
    network = make.network(kind=NetworkKind.PROFESSIONAL, name="Harbour Business Circle")
    lawyer = make.member(network, name="Harbour Law", specialties=["Family law"])
    accountant = make.member(network, name="Quay Accountants", specialties=["Tax"])
    return {
        "network": network,
        "lawyer": lawyer,
        "accountant": accountant,
        "lawyer_user": make.practitioner(lawyer, name="Lena Law"),
        "accountant_user": make.practitioner(accountant, name="Aki Count"),
    }


def test_every_status_has_a_label_in_each_kind():
    for status in Status:
        assert words(ReferralKind.CLINICAL).status(status) == STATUS_LABELS[status]
        assert "isit" not in words(ReferralKind.PROFESSIONAL).status(status)
    assert words("nonsense") is CLINICAL


def test_send_form_of_a_business_network_asks_no_birth_date(firm, login):
    html = login(firm["lawyer_user"]).get("/referrals/new").get_data(as_text=True)
    assert 'name="birth_date"' not in html
    text = shown(html)
    assert "Clinical (a patient)" not in html
    assert PROFESSIONAL.consent_label in text
    assert 'name="kind" value="professional"' in html
    assert "Cardiology" not in text and "Cardiology" not in html  # examples from its trade
    for word in CLINICAL_WORDS:
        assert word not in text, word


def test_send_form_of_a_clinical_network_offers_no_professional_kind(make, login):
    """Choosing it always failed with a 422 (found by the tester)."""
    network = make.network(kind=NetworkKind.CLINICAL)
    html = (
        login(make.practitioner(make.member(network))).get("/referrals/new").get_data(as_text=True)
    )
    assert "Professional (a client)" not in html
    assert 'name="kind" value="clinical"' in html


def test_send_form_of_a_mixed_network_says_the_birth_date_is_clinical(make, login):
    network = make.network(kind=NetworkKind.MIXED)
    user = make.practitioner(make.member(network))
    html = login(user).get("/referrals/new").get_data(as_text=True)
    assert "Clinical referrals only" in html


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.ACCEPTED, ["Schedule the meeting", "Record the meeting", "Meeting time"]),
        (
            Status.SCHEDULED,
            ["Meeting scheduled", "Client did not attend", "Meeting date", "Meeting time"],
        ),
        (Status.VISITED, ["Met", "Close with outcome"]),
    ],
)
def test_referral_page_of_a_business_referral_speaks_of_meetings(
    firm, make, login, status, expected
):
    client = make.client(firm["network"], birth_date=None)
    referral = make.referral(
        firm["accountant"],
        firm["lawyer"],
        status=status,
        kind=ReferralKind.PROFESSIONAL,
        client=client,
        service="Divorce settlement",
    )
    html = login(firm["lawyer_user"]).get(f"/referrals/{referral.id}").get_data(as_text=True)
    text = shown(html)
    for label in expected:
        assert label in text, label
    for word in CLINICAL_WORDS:
        assert word not in text, word


def test_the_sender_is_told_of_a_meeting_not_a_visit(firm, make, login, db):
    referral = make.referral(
        firm["accountant"], firm["lawyer"], status=Status.ACCEPTED, kind=ReferralKind.PROFESSIONAL
    )
    client = login(firm["lawyer_user"])
    soon = f"{datetime.now() + timedelta(days=7):%Y-%m-%dT10:00}"
    response = client.post(
        f"/referrals/{referral.id}/actions/schedule",
        data={"version": referral.version, "appointment_at": soon},
        follow_redirects=True,
    )
    assert "The meeting is scheduled." in response.get_data(as_text=True)
    subjects = [m.subject for m in db.session.query(OutboxMessage)]
    assert subjects == [f"refnet: Harbour Law scheduled a meeting for referral #{referral.id}"]


def test_an_early_meeting_is_asked_about_in_meeting_words(firm, make, db):
    """The confirmation added with reschedule spoke of visits and appointments (the tester)."""
    from app.referrals.errors import InvalidReferral
    from app.referrals.service import perform

    referral = make.referral(
        firm["lawyer"], firm["accountant"], Status.SCHEDULED, kind=ReferralKind.PROFESSIONAL
    )
    today = datetime.now().date().isoformat()
    with pytest.raises(InvalidReferral) as asked:
        perform(referral, "record-visit", firm["accountant_user"], values={"visit_date": today})
    message = asked.value.fields["confirm_early_visit"]
    assert message.startswith("Meeting date is before the meeting time on ")
    assert "visit" not in message and "appointment" not in message


def test_the_person_referred_is_a_patient_or_a_client(firm, make, login):
    clinic = make.network(kind=NetworkKind.CLINICAL)
    gp, cardio = make.member(clinic), make.member(clinic)
    clinical = make.referral(gp, cardio, Status.SENT)
    browser = login(make.practitioner(cardio))
    page = browser.get(f"/referrals/{clinical.id}").get_data(as_text=True)
    assert '<h2 id="client-h">Patient</h2>' in page
    browser.post("/logout")
    business = make.referral(
        firm["lawyer"], firm["accountant"], Status.SENT, kind=ReferralKind.PROFESSIONAL
    )
    page = login(firm["accountant_user"]).get(f"/referrals/{business.id}").get_data(as_text=True)
    assert '<h2 id="client-h">Client</h2>' in page
