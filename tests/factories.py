"""Small factory functions: each test builds just the data it needs."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from app.auth.passwords import hash_password
from app.models import (
    Client,
    Member,
    MemberKind,
    Network,
    NetworkKind,
    Referral,
    ReferralKind,
    Role,
    Status,
    User,
    utcnow,
)

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


class Factory:
    def __init__(self, session) -> None:
        self.session = session

    def _save(self, obj):
        self.session.add(obj)
        self.session.commit()
        return obj

    def network(self, **kw) -> Network:
        n = next(_seq)
        return self._save(
            Network(
                name=kw.pop("name", f"Network {n}"), kind=kw.pop("kind", NetworkKind.MIXED), **kw
            )
        )

    def member(
        self, network: Network | None = None, specialties=("General practice",), **kw
    ) -> Member:
        network = network or self.network()
        n = next(_seq)
        member = Member(
            network_id=network.id,
            name=kw.pop("name", f"Member {n}"),
            kind=kw.pop("kind", MemberKind.PRACTITIONER),
            **kw,
        )
        member.specialties = list(specialties)
        return self._save(member)

    def user(
        self, role: Role = Role.PRACTITIONER, members=(), networks=(), password=PASSWORD, **kw
    ) -> User:
        n = next(_seq)
        user = User(
            email=kw.pop("email", f"user{n}@example.org"),
            name=kw.pop("name", f"User {n}"),
            role=role,
            password_hash=hash_password(password) if password else None,
            members=list(members),
            networks=list(networks),
            **kw,
        )
        return self._save(user)

    def practitioner(self, member: Member | None = None, **kw) -> User:
        return self.user(Role.PRACTITIONER, members=[member or self.member()], **kw)

    def client(self, network: Network, **kw) -> Client:
        return self._save(
            Client(
                network_id=network.id,
                given_name=kw.pop("given_name", "Ada"),
                family_name=kw.pop("family_name", "Lovelace"),
                birth_date=kw.pop("birth_date", date(1980, 5, 17)),
                consent=True,
                consent_at=utcnow(),
                **kw,
            )
        )

    def referral(
        self, sender: Member, receiver: Member, status: Status = Status.SENT, **kw
    ) -> Referral:
        now = utcnow()
        fields = {"sent_at": now - timedelta(days=3)}
        if status in (Status.ACCEPTED, Status.SCHEDULED, Status.VISITED, Status.CLOSED):
            fields["accepted_at"] = now - timedelta(days=2)
        if status == Status.SCHEDULED:
            fields["scheduled_at"] = now - timedelta(days=2)
            fields["appointment_at"] = now + timedelta(days=2)
        if status in (Status.VISITED, Status.CLOSED):
            fields["visited_at"] = now - timedelta(days=1)
            fields["valid_until"] = date.today() + timedelta(days=365)
        if status == Status.CLOSED:
            fields["closed_at"] = now
            fields["outcome"] = "Seen and treated."
        if status in (Status.DECLINED, Status.CANCELLED):
            fields[f"{status.value}_at"] = now
            fields["status_reason"] = "No capacity"
        if status == Status.EXPIRED:
            fields["expired_at"] = now
            fields["status_reason"] = "No answer in time"
        fields.update(kw)
        client = fields.pop("client", None) or self.client(sender.network)
        return self._save(
            Referral(
                network_id=sender.network_id,
                sender_id=sender.id,
                receiver_id=receiver.id,
                client_id=client.id,
                kind=fields.pop("kind", ReferralKind.CLINICAL),
                reason=fields.pop("reason", "Chest pain on exertion"),
                service=fields.pop("service", "Cardiology consult"),
                status=status,
                **fields,
            )
        )
