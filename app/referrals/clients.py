"""The client of a new referral: an existing one the sender may use, or a new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select

from app import fields as f
from app.extensions import db
from app.models import Client, Member, Referral, ReferralKind, User
from app.referrals.errors import InvalidReferral


@dataclass
class ClientInput:
    given_name: object = None
    family_name: object = None
    birth_date: object = None
    email: object = None
    phone: object = None
    identifier: object = None
    consent: object = False
    contact_consent: object = False


def clients_of(actor: User, sender: Member):
    """Clients the sender's practitioners may pick again: registered by, or referred with, it."""
    involved = select(Referral.client_id).where(
        or_(Referral.sender_id == sender.id, Referral.receiver_id == sender.id)
    )
    return select(Client).where(
        Client.network_id == sender.network_id,
        or_(Client.created_by_member_id == sender.id, Client.id.in_(involved)),
    )


def clients_to_choose(actor: User, sender: Member, limit: int = 300) -> list[Client]:
    """The sender's clients by name, for the send form; only for those who act for it."""
    if sender.id not in actor.member_ids:
        raise InvalidReferral("You do not act for this member.", {"sender_id": "Not yours."})
    return list(
        db.session.scalars(
            clients_of(actor, sender).order_by(Client.family_name, Client.given_name).limit(limit)
        )
    )


def _consented(value) -> bool:
    return value is True or value in ("true", "1", "on", "yes", "y")


def resolve_client(
    actor: User,
    sender: Member,
    kind: ReferralKind | None,
    client_id,
    new: ClientInput | None,
    problems: f.FieldProblems,
    now: datetime,
) -> Client | None:
    if client_id not in (None, ""):
        number = f.integer(problems, "client_id", client_id, label="Client")
        client = (
            db.session.scalar(clients_of(actor, sender).where(Client.id == number))
            if number
            else None
        )
        if number and client is None:
            problems["client_id"] = "Choose one of your clients, or enter a new one."
        if client is not None and kind == ReferralKind.CLINICAL:
            if not client.consent:
                problems["client.consent"] = "The client has not consented to sharing."
            if client.birth_date is None:
                problems["client.birth_date"] = "A clinical referral needs the birth date."
        return client
    if new is None:
        problems["client"] = "Choose a client or enter a new one."
        return None
    names = {}
    for name, label in (("given_name", "Given name"), ("family_name", "Family name")):
        names[name] = f.text(
            problems, f"client.{name}", getattr(new, name), label=label, required=True, max_len=100
        )
    birth = None
    if new.birth_date not in (None, ""):
        birth = f.day(problems, "client.birth_date", new.birth_date, label="Birth date")
        if birth is not None and not date(1900, 1, 1) <= birth <= now.date():
            problems["client.birth_date"] = "The birth date must be in the past."
    email = f.text(problems, "client.email", new.email, label="E-mail", required=False, max_len=254)
    if email and ("@" not in email or " " in email):
        problems["client.email"] = "Give a valid e-mail address."
    phone = f.text(problems, "client.phone", new.phone, label="Phone", required=False, max_len=40)
    identifier = f.text(
        problems,
        "client.identifier",
        new.identifier,
        label="Identifier",
        required=False,
        max_len=64,
    )
    consent = _consented(new.consent)
    contact_consent = _consented(new.contact_consent)
    if contact_consent and not email and "client.email" not in problems:
        problems["client.contact_consent"] = (
            "To e-mail the client about this referral, give their e-mail address "
            "(or leave this unticked)."
        )
    if kind == ReferralKind.CLINICAL:
        if not consent:
            problems["client.consent"] = (
                "A clinical referral needs the client's consent to share their data."
            )
        if birth is None and "client.birth_date" not in problems:
            problems["client.birth_date"] = "A clinical referral needs the birth date."
    if problems:
        return None
    client = Client(
        network_id=sender.network_id,
        created_by_member_id=sender.id,
        birth_date=birth,
        email=email,
        phone=phone,
        identifier=identifier,
        consent=consent,
        consent_at=now if consent else None,
        contact_consent=contact_consent,
        **names,
    )
    db.session.add(client)
    db.session.flush()
    return client
