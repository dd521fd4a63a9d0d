"""The members of the demo networks, their users, and whom each one likes to refer to.

Everything is drawn from one `random.Random`, in a fixed order, so a seed gives one cast.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

from app.demo.catalogue import NetworkCatalogue, Profile
from app.demo.catalogue.people import (
    FAMILY_NAMES,
    GIVEN_NAMES,
    LANDLINE_PREFIX,
    POSTCODE_LETTERS,
    STREETS,
)

DEACTIVATED_SHARE = 0.03
NOT_ACCEPTING_SHARE = 0.1
WITH_USER_SHARE = 0.85
MEMBER_COLUMNS = (
    "id", "network_id", "name", "kind", "organization", "address", "city", "postcode", "email",
    "phone", "bio", "accepting", "capacity", "active", "created_at", "deactivated_at",
    "latitude", "longitude",
)  # fmt: skip
SPECIALTY_COLUMNS = ("member_id", "name", "key")
USER_COLUMNS = (
    "id", "email", "name", "role", "password_hash", "active", "created_at", "last_login_at",
    "deactivated_at",
)  # fmt: skip
USER_MEMBER_COLUMNS = ("user_id", "member_id")


@dataclass(slots=True)
class CastMember:
    id: int
    index: int  # position in its network's member list
    network_id: int
    profile: Profile
    name: str
    person: tuple[str, str]  # the practitioner, or the organisation's contact person
    is_person: bool
    organization: str
    town_index: int
    email_domain: str
    active: bool
    accepting: bool
    created_at: datetime
    deactivated_at: datetime | None
    activity: float
    user_id: int | None = None
    has_user: bool = True
    favourites: list[int] = field(default_factory=list)  # indexes in the network's members

    @property
    def receives(self) -> bool:
        return self.active and self.accepting


@dataclass(slots=True)
class NetworkCast:
    catalogue: NetworkCatalogue
    network_id: int
    members: list[CastMember]
    send_cum: list[float] = field(default_factory=list)
    receive_cum: list[float] = field(default_factory=list)
    # Specialty → indexes of active, accepting members: where a referral can be forwarded.
    receivers_by_specialty: dict[str, list[int]] = field(default_factory=dict)


def slug(text: str) -> str:
    kept = "".join(c if c.isalnum() else " " for c in text.lower().replace("'", ""))
    return "-".join(kept.split())


def split_members(total: int, networks: int) -> list[int]:
    """Roughly 60/40 for two networks, the clinical one first."""
    if networks == 1:
        return [total]
    first = max(2, min(total - 2, round(total * 0.6)))
    return [first, total - first]


def weighted_index(cum: list[float], rng_random) -> int:
    return min(bisect_right(cum, rng_random() * cum[-1]), len(cum) - 1)


class CastBuilder:
    def __init__(self, rng: random.Random, anchor: datetime) -> None:
        self.rng = rng
        self.anchor = anchor

    def network(
        self, catalogue: NetworkCatalogue, network_id: int, count: int, first_id: int
    ) -> NetworkCast:
        rng = self.rng
        profiles = catalogue.profiles
        share_cum = list(accumulate(p.share for p in profiles))
        # Showcase members, one of each profile, are always active and accepting.
        showcase = min(count, len(profiles))
        members = []
        for index in range(count):
            if index < showcase:
                profile = profiles[index]
            else:
                profile = profiles[weighted_index(share_cum, rng.random)]
            members.append(self._member(catalogue, profile, network_id, first_id + index, index))
        self._deactivate_some(members[showcase:])
        cast = NetworkCast(catalogue, network_id, members)
        self._choose_favourites(cast)
        return cast

    def _member(
        self, catalogue: NetworkCatalogue, profile: Profile, network_id: int, id_: int, index: int
    ) -> CastMember:
        rng = self.rng
        # The first members are showcase members with demo logins: always named people.
        is_person = index < 2 or rng.random() < profile.person_share
        person = (rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES))
        town_index = rng.randrange(len(catalogue.towns))
        organization = self._organization(catalogue, profile, town_index)
        name = " ".join(p for p in (profile.title, *person) if p) if is_person else organization
        created = self.anchor - timedelta(days=420 + rng.randrange(300), minutes=rng.randrange(600))
        return CastMember(
            id=id_,
            index=index,
            network_id=network_id,
            profile=profile,
            name=name,
            person=person,
            is_person=is_person,
            organization=organization,
            town_index=town_index,
            email_domain=f"{slug(organization)}.example",
            active=True,
            accepting=True,
            created_at=created,
            deactivated_at=None,
            activity=0.3 + 1.4 * rng.random(),
            has_user=index < 2 or rng.random() < WITH_USER_SHARE,
        )

    def _organization(self, catalogue: NetworkCatalogue, profile: Profile, town: int) -> str:
        rng = self.rng
        word = rng.choice(profile.practice_words)
        if word.startswith("&"):
            return f"{rng.choice(FAMILY_NAMES)} {word}"
        if catalogue.kind == "professional" and rng.random() < 0.5:
            first, second = rng.choice(FAMILY_NAMES), rng.choice(FAMILY_NAMES)
            return f"{first} {word}" if first == second else f"{first} & {second} {word}"
        if rng.random() < 0.35:
            return f"{rng.choice(STREETS)} {word}"
        return f"{catalogue.towns[town]} {word}"

    def _deactivate_some(self, candidates: list[CastMember]) -> None:
        """A few members left the network and a few stopped taking new referrals."""
        rng = self.rng
        if len(candidates) < 3:
            return
        chosen = rng.sample(candidates, max(1, round(len(candidates) * DEACTIVATED_SHARE)))
        for member in chosen:
            member.active = False
            member.accepting = False
            member.deactivated_at = self.anchor - timedelta(
                days=20 + rng.randrange(40), hours=9 + rng.randrange(8)
            )
        still_active = [m for m in candidates if m.active]
        for member in rng.sample(
            still_active, min(len(still_active), round(len(candidates) * NOT_ACCEPTING_SHARE))
        ):
            member.accepting = False

    def _choose_favourites(self, cast: NetworkCast) -> None:
        """Each member refers mostly to a few favourites; some favour it back, some do not."""
        rng = self.rng
        members = cast.members
        cast.send_cum = list(accumulate(m.profile.send_weight * m.activity for m in members))
        cast.receive_cum = list(accumulate(m.profile.receive_weight * m.activity for m in members))
        for index, member in enumerate(members):
            if member.receives:
                cast.receivers_by_specialty.setdefault(member.profile.specialty, []).append(index)
        if len(members) < 2:
            return
        for index, member in enumerate(members):
            wanted = min(2 + rng.randrange(5), len(members) - 1)
            for _ in range(wanted * 3):
                other = weighted_index(cast.receive_cum, rng.random)
                if other != index and other not in member.favourites:
                    member.favourites.append(other)
                if len(member.favourites) >= wanted:
                    break
        for index, member in enumerate(members):
            for other in member.favourites[:2]:
                back = members[other].favourites
                if index not in back and rng.random() < 0.45:
                    back.append(index)


def coordinates(town_index: int, member_id: int) -> tuple[float, float]:
    """Where a demo member sees clients: its town's centre (towns ~15 km apart on a line in
    northern England) and a spread of a few km, from the member's id (the random stream is
    left as it was, so the rest of the demo stays the same for a seed)."""
    spread = (member_id * 7919) % 1000 / 1000, (member_id * 104729) % 1000 / 1000
    lat = 53.70 + 0.09 * (town_index % 5) + 0.04 * (spread[0] - 0.5)
    lon = -1.80 + 0.12 * (town_index // 5) + 0.06 * (spread[1] - 0.5)
    return round(lat, 5), round(lon, 5)


def member_rows(cast: NetworkCast, rng: random.Random) -> tuple[list[tuple], list[tuple]]:
    """Rows for `member` and `specialty`."""
    catalogue = cast.catalogue
    members, specialties = [], []
    for m in cast.members:
        profile = m.profile
        district = m.town_index + 1
        postcode = (
            f"{catalogue.postcode_area}{district} {rng.randrange(1, 10)}"
            f"{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
        )
        if m.is_person:
            email = f"{slug(m.person[0])}.{slug(m.person[1])}@{m.email_domain}"
        else:
            email = f"{'reception' if catalogue.kind == 'clinical' else 'hello'}@{m.email_domain}"
        low, high = profile.capacity
        members.append(
            (
                m.id,
                m.network_id,
                m.name,
                "practitioner" if m.is_person else "organization",
                m.organization,
                f"{rng.randrange(1, 240)} {rng.choice(STREETS)}",
                catalogue.towns[m.town_index],
                postcode,
                email,
                f"{LANDLINE_PREFIX}{rng.randrange(1000):03d}",
                rng.choice(profile.bios),
                m.accepting,
                rng.randint(low, high) if rng.random() < 0.85 else None,
                m.active,
                m.created_at,
                m.deactivated_at,
                *coordinates(m.town_index, m.id),
            )
        )
        names = [profile.specialty]
        extras = rng.sample(profile.extra_specialties, rng.randrange(3))
        names += [e for e in extras if e not in names]
        specialties += [(m.id, name, name.lower()) for name in names]
    return members, specialties


def user_rows(casts: list[NetworkCast], first_id: int) -> tuple[list[tuple], list[tuple]]:
    """Rows for `user_account` and `user_member`: one practitioner user for most members.

    Users without a password are invited and have not signed in yet; only the demo logins
    (made through the users service) can sign in.
    """
    users, links = [], []
    taken: set[str] = set()
    next_id = first_id
    for cast in casts:
        for m in cast.members:
            if m.user_id is not None or not m.has_user:
                continue
            given, family = m.person
            local = f"{slug(given)}.{slug(family)}"
            email = f"{local}@{m.email_domain}"
            serial = 2
            while email in taken:
                email = f"{local}{serial}@{m.email_domain}"
                serial += 1
            taken.add(email)
            name = m.name if m.is_person else f"{given} {family}"
            m.user_id = next_id
            created = m.created_at + timedelta(days=1)
            users.append(
                (
                    next_id,
                    email,
                    name,
                    "practitioner",
                    None,
                    m.active,
                    created,
                    None,
                    m.deactivated_at,
                )
            )
            links.append((next_id, m.id))
            next_id += 1
    return users, links


def anchor_datetime(day) -> datetime:
    """Midnight UTC at the start of `day`: every generated time is relative to it."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
