"""The shapes of the catalogue: one profile per specialty, one catalogue per network."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    """A service a member offers and the reasons senders give when they ask for it."""

    name: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """One kind of member (a specialty) and how it behaves in the network."""

    specialty: str
    # Secondary specialties a member of this kind may list next to the main one.
    extra_specialties: tuple[str, ...]
    # Endings of organisation names: "Heart Clinic" gives "Kingsmere Heart Clinic".
    practice_words: tuple[str, ...]
    # Title of a named practitioner ("Dr") or "" for none; organisations have no title.
    title: str
    # Chance that a member of this kind is a named person rather than an organisation.
    person_share: float
    # Relative number of members of this kind.
    share: float
    # How often a member of this kind sends and receives referrals, relative to others.
    send_weight: float
    receive_weight: float
    capacity: tuple[int, int]
    services: tuple[Service, ...]
    outcomes: tuple[str, ...]
    bios: tuple[str, ...]
    # Closed professional business is worth this much (GBP); None for clinical work.
    value_range: tuple[int, int] | None = None


@dataclass(frozen=True)
class NetworkCatalogue:
    """Everything needed to invent one network."""

    name: str
    kind: str  # a NetworkKind value
    timezone: str
    validity_months: int
    expire_after_days: int
    towns: tuple[str, ...]
    postcode_area: str
    # The first profiles are given one member each, in this order, before the mix by share.
    profiles: tuple[Profile, ...]
    decline_reasons: tuple[str, ...]
    cancel_reasons: tuple[str, ...]
    no_show_reasons: tuple[str, ...]
    notes: tuple[str, ...]
    client_age: tuple[int, int]
    identifier_prefix: str
