"""Who a request acts as, in ids only: enough for reads that filter by member and network.

The API list needs the caller's role, members and coordinated networks, never the user's
other columns nor ORM objects; building those was more than half of a list request
(docs/performance.md). `User` has the same attributes, so code that reads only these takes
either.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models.enums import Role


@dataclass(frozen=True)
class Acting:
    id: int
    role: Role
    # The members a practitioner acts for, ordered by id.
    member_ids: list[int]
    # The networks a coordinator looks after, ordered by id.
    coordinated_network_ids: list[int]
    # The networks of its members, ordered by id.
    member_network_ids: list[int]

    @property
    def network_ids(self) -> list[int]:
        """Networks this user works in: its own for coordinators, its members' otherwise."""
        return sorted(set(self.coordinated_network_ids) | set(self.member_network_ids))
