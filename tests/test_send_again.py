"""“Send again to someone else”: the send form filled in from an expired referral."""

from __future__ import annotations

from app.models import Status


def test_the_sender_gets_the_form_filled_in_from_the_expired_referral(world, make, login, db):
    referral = world["referral"]
    referral.status, referral.expired_at = Status.EXPIRED, referral.sent_at
    referral.status_reason = "No answer in time"
    referral.priority = "urgent"
    db.session.commit()
    response = login(world["users"]["sender"]).get(f"/referrals/new?again={referral.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "MARKER-REASON-7731" in html  # the reason, in the textarea
    assert f'<option selected value="{referral.client_id}">' in html
    assert '<option selected value="urgent">' in html
    assert f"Filled in from referral #{referral.id}" in html


def test_only_the_senders_practitioners_may_send_it_again(world, login):
    referral_id = world["referral"].id
    for who, status in (("receiver", 403), ("outsider", 404)):
        client = login(world["users"][who])
        response = client.get(f"/referrals/new?again={referral_id}")
        assert response.status_code == status, who
        assert "MARKER-REASON-7731" not in response.get_data(as_text=True)
        client.post("/logout")
