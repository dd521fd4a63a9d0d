"""The demo logins: one per role, stable e-mails, one shared password, printed by the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.demo.cast import CastMember, NetworkCast
from app.models import Role
from app.users.service import create_user

DEMO_PASSWORD = "refnet-demo-2026"  # noqa: S105 - published in the README on purpose
DEMO_EMAILS = (
    "admin@refnet.example",
    "coordinator@refnet.example",
    "coordinator.harbour@refnet.example",
    "gp@refnet.example",
    "cardiology@refnet.example",
    "lawyer@refnet.example",
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    who: str  # what the login stands for, shown next to it


def create_demo_logins(
    clinical: NetworkCast, professional: NetworkCast, anchor: datetime
) -> list[DemoLogin]:
    """Create the demo users through the users service; links showcase members to theirs."""
    created = anchor - timedelta(days=430)
    logins: list[DemoLogin] = []

    def add(
        email: str,
        name: str,
        role: Role,
        who: str,
        member: CastMember | None = None,
        network_id: int | None = None,
    ) -> None:
        user = create_user(
            email=email,
            name=name,
            role=role,
            password=DEMO_PASSWORD,
            member_ids=[member.id] if member else [],
            network_ids=[network_id] if network_id else [],
        )
        user.created_at = created
        if member is not None:
            member.user_id = user.id
        logins.append(DemoLogin(email, role.value, who))

    riverside, harbour = clinical.catalogue.name, professional.catalogue.name
    add(DEMO_EMAILS[0], "Morgan Ellis", Role.ADMIN, "administrator of every network")
    add(
        DEMO_EMAILS[1],
        "Hannah Osei",
        Role.COORDINATOR,
        f"coordinator of {riverside}",
        network_id=clinical.network_id,
    )
    add(
        DEMO_EMAILS[2],
        "Callum Brennan",
        Role.COORDINATOR,
        f"coordinator of {harbour}",
        network_id=professional.network_id,
    )
    for email, member, network in (
        (DEMO_EMAILS[3], clinical.members[0], riverside),
        (DEMO_EMAILS[4], clinical.members[1], riverside),
        (DEMO_EMAILS[5], professional.members[0], harbour),
    ):
        who = f"{member.name}, {member.profile.specialty.lower()} ({network})"
        add(email, member.name, Role.PRACTITIONER, who, member=member)
    return logins
