"""Small factory functions: each test builds just the data it needs."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import Enum, MetaData, Table, insert

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
        if status == Status.INFO_REQUESTED:
            fields["info_requested_at"] = now - timedelta(days=1)
            fields["info_question"] = "Could you send the latest results?"
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


class OldSchemaFactory(Factory):
    """Rows written at an older revision (migration tests): plain INSERTs of the columns
    that the database has, so that columns the models gained later stay out. The objects
    returned are not in the session; they carry their values and their new id."""

    def _save(self, obj):
        model_table = obj.__table__
        # The table as the database has it: no column (and no default) it does not know.
        table = Table(model_table.name, MetaData(), autoload_with=self.session.connection())
        values = {}
        for column in model_table.columns:
            if column.name not in table.c or column.primary_key:
                continue
            value = getattr(obj, column.key, None)
            default = column.default
            if value is None and default is not None:
                value = default.arg(None) if default.is_callable else default.arg
            if value is not None:
                values[column.name] = (
                    model_table.c[column.name].type.bind_processor(self.session.get_bind().dialect)(
                        value
                    )
                    if _needs_processing(model_table.c[column.name])
                    else value
                )
        new_id = self.session.execute(insert(table).values(values).returning(table.c.id))
        obj.id = new_id.scalar_one()
        self.session.commit()
        return obj

    def referral(self, sender, receiver, status=Status.SENT, **kw):
        kw.setdefault("client", self.client(SimpleNamespace(id=sender.network_id)))
        return super().referral(sender, receiver, status, **kw)


def _needs_processing(column) -> bool:
    """Enums and timestamps are written as the model's column types write them."""
    return isinstance(column.type, Enum) or column.type.__class__.__name__ == "UTCDateTime"
