"""Demo data: each demo practitioner's member has a link to another showcase member of its
network, so that "My links", its QR code and the intake page can be tried at once."""

from __future__ import annotations

from app.demo.cast import NetworkCast
from app.demo.logins import PRACTITIONER_LOGINS
from app.links.service import create_link

LABEL = "Front desk card"


def add_demo_links(casts: list[NetworkCast]) -> int:
    """One link per demo practitioner, to the first other member that takes referrals."""
    made = 0
    for _email, network, index in PRACTITIONER_LOGINS:
        members = casts[network].members
        owner = members[index]
        target = next((m for m in members if m.receives and m.id != owner.id), None)
        if owner.active and target is not None:
            create_link(None, target.id, owner_member_id=owner.id, label=LABEL)
            made += 1
    return made
