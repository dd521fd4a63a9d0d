"""The public intake behind a link: the client sends themselves to the link's target.

The intake becomes a referral in `sent` through the send form's own service
(`send_for_client`: every guard applies), sent by the link's owner member, with no user
acting; through a member's own link (owner = target) it has no sender at all. The client
confirms their e-mail address by a link before the referral counts as a lead. The receiver
sees the referral at once, marked "e-mail not confirmed" (it can ask, accept or decline as
with any other; the lead, and any reward hanging off it, waits for the confirmation). A
likely duplicate is held for the receiver (`possible_duplicate_of_id`), never refused to
the client, who learns nothing about other referrals.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from app import fields as f
from app.audit.service import record
from app.extensions import db
from app.links.attribution import TouchMark, credit
from app.links.codes import grouped
from app.links.conversions import record_lead
from app.mail.links import external_url
from app.mail.outbox import queue_email
from app.models import LinkAttribution, LinkIntake, LinkVisit, ReferralLink, utcnow
from app.referrals.clients import ClientInput
from app.referrals.errors import InvalidReferral
from app.referrals.notify import tell_member
from app.referrals.service import NewReferral, send_for_client
from app.refusals import Invalid, NotFound, Refusal

SALT = "refnet.intake-confirm"
CONFIRM_DAYS = 7
FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
NOTHING_HERE = "This link does not open anything."


class LinkClosed(Refusal):
    """The link was paused or has ended: it takes no new intakes."""

    status, code = 410, "gone"


@dataclass
class IntakeInput:
    given_name: object = None
    family_name: object = None
    birth_date: object = None
    email: object = None
    phone: object = None
    consent: object = False
    contact_consent: object = False
    message: object = None
    form_token: object = None
    # The honeypot: people never see it, so a value means a robot filled the form in.
    website: object = None


@dataclass(frozen=True)
class Visitor:
    address_hash: str
    browser_family: str


def ensure_open(link: ReferralLink, now: datetime) -> None:
    if not link.open_at(now):
        raise LinkClosed(
            "This link is no longer in use. Ask the person who gave it to you for a new one."
        )


def _service_of(link: ReferralLink) -> str:
    target = link.target_member
    return link.service or (target.specialties[0] if target.specialties else "Appointment")


def _own_checks(form: IntakeInput) -> f.FieldProblems:
    problems = f.FieldProblems()
    if form.website not in (None, ""):
        problems["form"] = "The form could not be sent."
    if form.email in (None, "") or (isinstance(form.email, str) and not form.email.strip()):
        problems["client.email"] = "Give your e-mail address: we send you a link to confirm it."
    return problems


def submit_intake(
    link: ReferralLink,
    form: IntakeInput,
    visitor: Visitor,
    touches: list[TouchMark],
    *,
    visit_id: int | None = None,
    now: datetime | None = None,
) -> LinkIntake:
    """Make the referral of an intake, credit it, and queue the confirmation e-mail.

    The same form (`form_token`) sent twice gives the first intake back. Raises LinkClosed,
    or InvalidReferral with every field's problem; nothing is written then."""
    now = now or utcnow()
    ensure_open(link, now)
    token = form.form_token if isinstance(form.form_token, str) else None
    if not token:  # a program that posts the fields alone: no second post to recognise
        token = secrets.token_urlsafe(24)
    elif not FORM_TOKEN.fullmatch(token):
        raise Invalid("The form has expired. Reload the page and send it again.")
    earlier = db.session.scalar(select(LinkIntake).where(LinkIntake.form_token == token))
    if earlier is not None:
        return earlier
    problems = _own_checks(form)
    new = NewReferral(
        receiver_id=link.target_member_id,
        kind=link.referral_kind.value,
        reason=form.message,
        service=_service_of(link),
        client=ClientInput(
            given_name=form.given_name,
            family_name=form.family_name,
            birth_date=form.birth_date,
            email=form.email,
            phone=form.phone,
            consent=form.consent,
            contact_consent=form.contact_consent,
        ),
    )
    note = f"The client sent themselves through the link {grouped(link.code)}"
    if link.owner_client_id is not None:
        note += f" that a client of {link.owner_member.name} shared"
    elif link.own:
        note += f", {link.owner_member.name}'s own"
    # Run the service even when our own checks failed, so that every problem shows at once;
    # the savepoint keeps none of it then.
    try:
        with db.session.begin_nested():
            referral, duplicate_of = send_for_client(
                link.owner_member, new, note=note, now=now, own_link=link.own
            )
            if problems:
                raise InvalidReferral("", {})
    except InvalidReferral as exc:
        raise InvalidReferral(
            "The form could not be sent. Check the fields.", {**exc.fields, **problems}
        ) from None
    visit_ok = visit_id is not None and db.session.scalar(
        select(LinkVisit.id).where(LinkVisit.id == visit_id, LinkVisit.link_id == link.id)
    )
    intake = LinkIntake(
        link_id=link.id,
        referral_id=referral.id,
        visit_id=visit_id if visit_ok else None,
        form_token=token,
        confirm_nonce=secrets.token_urlsafe(16),
        address_hash=visitor.address_hash,
        browser_family=visitor.browser_family,
        possible_duplicate_of_id=duplicate_of,
        created_at=now,
    )
    db.session.add(intake)
    attribution = credit(link, touches, now)
    attribution.referral_id = referral.id
    db.session.add(attribution)
    db.session.flush()
    _queue_confirmation(intake)
    record("intake", "referral", referral.id, detail=f"link={link.id}")
    return intake


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def confirm_token(intake: LinkIntake) -> str:
    return _serializer().dumps({"i": intake.id, "n": intake.confirm_nonce})


def _queue_confirmation(intake: LinkIntake) -> None:
    referral = intake.referral
    target = intake.link.target_member
    url = external_url("links_public.confirm", token=confirm_token(intake))
    body = (
        f"Hello {referral.client.given_name},\n\n"
        f"You asked to be referred to {target.name}. Please confirm that this is your "
        f"e-mail address by opening this link within {CONFIRM_DAYS} days:\n\n{url}\n\n"
        "If you did not ask for this, ignore this message: nothing more will be sent.\n"
    )
    queue_email(
        referral.client.email,
        f"Confirm your e-mail address for {target.name}",
        body,
        {"X-Refnet-Intake": str(intake.id)},
    )


def intake_of_token(token) -> LinkIntake:
    """The intake a confirmation link names; NotFound (the same for every failure) when it
    is forged, expired or replaced."""
    if not isinstance(token, str) or len(token) > 400:
        raise NotFound(NOTHING_HERE)
    try:
        payload = _serializer().loads(token, max_age=CONFIRM_DAYS * 24 * 3600)
    except BadSignature:
        raise NotFound(NOTHING_HERE) from None
    if not isinstance(payload, dict):
        raise NotFound(NOTHING_HERE)
    intake_id, nonce = payload.get("i"), payload.get("n")
    if not (isinstance(intake_id, int) and isinstance(nonce, str) and 0 < intake_id <= f.MAX_ID):
        raise NotFound(NOTHING_HERE)
    intake = db.session.get(LinkIntake, intake_id)
    if intake is None or not hmac.compare_digest(intake.confirm_nonce, nonce):
        raise NotFound(NOTHING_HERE)
    return intake


def confirm_intake(token, *, now: datetime | None = None) -> LinkIntake:
    """The client confirmed their e-mail address: the referral now counts as a lead.
    Confirming twice changes nothing."""
    intake = intake_of_token(token)
    if intake.confirmed_at is None:
        intake.confirmed_at = now or utcnow()
        record_lead(intake.referral, intake.confirmed_at)
        record("confirm-email", "referral", intake.referral_id, detail=f"intake={intake.id}")
        _tell_owner(intake)
    return intake


def _tell_owner(intake: LinkIntake) -> None:
    """The link's owner learns that its link brought a lead: in refnet, and by an e-mail
    queued to the outbox (sent after the commit). No client data in either."""
    link, referral = intake.link, intake.referral
    message = (
        f"Your link {grouped(link.code)} brought a lead: referral #{referral.id}, "
        "the client confirmed their e-mail address"
    )
    url = external_url("referrals.detail", referral_id=referral.id)
    body = f"{message}.\n\nOpen the referral in refnet to see the details:\n{url}\n"
    tell_member(link.owner_member, referral, "lead", message, body, None)


def intake_of_referral(referral_id: int) -> LinkIntake | None:
    return db.session.scalar(select(LinkIntake).where(LinkIntake.referral_id == referral_id))


def source_of(referral_id: int) -> dict | None:
    """Where a referral came from, for the API: None unless a client sent it through a link."""
    intake = intake_of_referral(referral_id)
    attribution = db.session.get(LinkAttribution, referral_id)
    if intake is None or attribution is None:
        return None
    return {
        "link_id": attribution.link_id,
        "source_link_id": intake.link_id,
        "touch": attribution.touch.value,
        "channel": attribution.visit.channel.value if attribution.visit else None,
        "email_confirmed": intake.confirmed,
        "possible_duplicate_of": intake.possible_duplicate_of_id,
    }
