"""The demo logins: one per role, stable e-mails, one shared password, printed by the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.demo.cast import NetworkCast
from app.models import Role
from app.users.service import create_user

DEMO_PASSWORD = "refnet-demo-2026"  # noqa: S105 - published in the README on purpose
# (e-mail, name, role, index of the network it coordinates or None)
STAFF_LOGINS = (
    ("admin@refnet.example", "Morgan Ellis", Role.ADMIN, None),
    ("coordinator@refnet.example", "Hannah Osei", Role.COORDINATOR, 0),
    ("coordinator.harbour@refnet.example", "Callum Brennan", Role.COORDINATOR, 1),
)
# (e-mail, index of the network, index of the showcase member it acts for)
PRACTITIONER_LOGINS = (
    ("gp@refnet.example", 0, 0),
    ("cardiology@refnet.example", 0, 1),
    ("lawyer@refnet.example", 1, 0),
)
DEMO_EMAILS = tuple(login[0] for login in (*STAFF_LOGINS, *PRACTITIONER_LOGINS))


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    who: str  # what the login stands for, shown next to it


def create_demo_logins(casts: list[NetworkCast], anchor: datetime) -> list[DemoLogin]:
    """Create the demo users through the users service; link showcase members to theirs."""
    logins = []
    for email, name, role, network in STAFF_LOGINS:
        networks = [] if network is None else [casts[network].network_id]
        _create(email, name, role, networks=networks, anchor=anchor)
        who = (
            "administrator"
            if network is None
            else f"coordinator of {casts[network].catalogue.name}"
        )
        logins.append(DemoLogin(email, role.value, who))
    for email, network, index in PRACTITIONER_LOGINS:
        member = casts[network].members[index]
        member.user_id = _create(
            email, member.name, Role.PRACTITIONER, members=[member.id], anchor=anchor
        )
        who = f"{member.name}, {member.profile.specialty.lower()} ({casts[network].catalogue.name})"
        logins.append(DemoLogin(email, Role.PRACTITIONER.value, who))
    return logins


def _create(
    email: str,
    name: str,
    role: Role,
    *,
    anchor: datetime,
    members: Sequence[int] = (),
    networks: Sequence[int] = (),
) -> int:
    links = {"member_ids": list(members), "network_ids": list(networks)}
    # None: refnet itself, loading the demo.
    user = create_user(None, email=email, name=name, role=role, password=DEMO_PASSWORD, **links)
    user.created_at = anchor - timedelta(days=430)  # reproducible, like every generated time
    return user.id
