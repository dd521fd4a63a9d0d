"""Bulk export: every resource of the clinical referrals a scope covers, and the directory,
streamed into one NDJSON file per type with a Bulk Data manifest (DESIGN.md).

Rows are read with a server-side cursor in batches (yield_per), turned into FHIR JSON by
the mapping builders and written at once, so memory stays flat however many referrals
there are. The referrals' members are all in the directory part, and the clients are read
by a sub-select of the same referrals, so every reference resolves inside the export.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson
from sqlalchemy import ColumnElement, func, or_, select, text

from app.extensions import db
from app.fhir.ids import instant
from app.fhir.mapping_messages import MESSAGE_COLUMNS, communication
from app.fhir.mapping_people import CLIENT_COLUMNS, MEMBER_COLUMNS, member_resources, patient
from app.fhir.mapping_referral import REFERRAL_COLUMNS, referral_resources
from app.models import Client, Member, Message, Referral, ReferralKind
from app.models.base import utcnow
from app.models.member import Specialty

BATCH = 2000
# The order of the manifest's output: the directory, then the referrals and what they need.
TYPES = (
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "HealthcareService",
    "Patient",
    "ServiceRequest",
    "Task",
    "Appointment",
    "Encounter",
    "Communication",
)


def _line(resource: dict) -> bytes:
    return orjson.dumps(resource, option=orjson.OPT_APPEND_NEWLINE)


referral_table = Referral.__table__
member_table = Member.__table__
client_table = Client.__table__
message_table = Message.__table__


@dataclass
class Scope:
    """What an export covers. `referrals`: a condition on `referral` (None: all of them);
    `network_ids`: the directory's networks (None: every network); `since`: only what
    changed since then (the directory is always whole, so that references resolve)."""

    since: datetime | None = None
    referrals: ColumnElement[bool] | None = None
    network_ids: list[int] | None = None


@dataclass
class Manifest:
    transaction_time: datetime
    request: str
    counts: dict[str, int] = field(default_factory=dict)

    def as_json(self, url_of: Callable[[str], str], requires_token: bool) -> dict:
        return {
            "transactionTime": instant(self.transaction_time),
            "request": self.request,
            "requiresAccessToken": requires_token,
            "output": [
                {"type": t, "url": url_of(file_name(t)), "count": self.counts[t]}
                for t in TYPES
                if self.counts.get(t)
            ],
            "error": [],
        }


def file_name(resource_type: str) -> str:
    return f"{resource_type}.ndjson"


class NdjsonFiles:
    """One file per type, opened when its first resource comes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: dict[str, object] = {}
        self.counts: dict[str, int] = defaultdict(int)

    def write(self, resource: dict) -> None:
        resource_type = resource["resourceType"]
        out = self.files.get(resource_type)
        if out is None:
            path = self.directory / file_name(resource_type)
            out = self.files[resource_type] = path.open("wb")
        out.write(_line(resource))
        self.counts[resource_type] += 1

    def close(self) -> None:
        for out in self.files.values():
            out.close()


def referral_condition(scope: Scope) -> list[ColumnElement[bool]]:
    """The referrals of the export: clinical ones in scope (professional never leave)."""
    c = referral_table.c
    conditions = [c.kind == ReferralKind.CLINICAL]
    if scope.referrals is not None:
        conditions.append(scope.referrals)
    if scope.since is not None:
        new_messages = select(message_table.c.referral_id).where(
            message_table.c.created_at >= scope.since, message_table.c.referral_id.is_not(None)
        )
        conditions.append(or_(c.updated_at >= scope.since, c.id.in_(new_messages)))
    return conditions


def count_referrals(scope: Scope) -> int:
    statement = select(func.count()).select_from(referral_table).where(*referral_condition(scope))
    return db.session.execute(statement).scalar_one()


def _stream(statement):
    return db.session.execute(statement.execution_options(yield_per=BATCH))


def _members(scope: Scope, out: NdjsonFiles) -> None:
    c = member_table.c
    members = select(*(c[name] for name in MEMBER_COLUMNS)).order_by(c.id)
    specialties = select(Specialty.member_id, Specialty.name).order_by(
        Specialty.member_id, Specialty.name
    )
    if scope.network_ids is not None:
        # The networks' members, and any other side of a referral in scope.
        parties = (
            select(referral_table.c.sender_id)
            .where(*referral_condition(scope))
            .union(select(referral_table.c.receiver_id).where(*referral_condition(scope)))
        )
        wanted = or_(c.network_id.in_(scope.network_ids), c.id.in_(parties))
        members = members.where(wanted)
        specialties = specialties.join(member_table, member_table.c.id == Specialty.member_id)
        specialties = specialties.where(wanted)
    names: dict[int, list[str]] = defaultdict(list)
    for member_id, name in db.session.execute(specialties):
        names[member_id].append(name)
    for row in _stream(members):
        for resource in member_resources(row, names.get(row.id, ())):
            out.write(resource)


def _patients(scope: Scope, out: NdjsonFiles) -> None:
    c = client_table.c
    clients = select(referral_table.c.client_id).where(*referral_condition(scope))
    statement = select(*(c[name] for name in CLIENT_COLUMNS)).where(c.id.in_(clients))
    for row in _stream(statement.order_by(c.id)):
        out.write(patient(row))


def _referrals(scope: Scope, out: NdjsonFiles, advance: Callable[[int], None]) -> None:
    c = referral_table.c
    statement = select(*(c[name] for name in REFERRAL_COLUMNS)).where(*referral_condition(scope))
    done = 0
    for row in _stream(statement.order_by(c.id)):
        for resource in referral_resources(row):
            out.write(resource)
        done += 1
        if done == BATCH:
            advance(done)
            done = 0
    advance(done)


def _messages(scope: Scope, out: NdjsonFiles) -> None:
    m, r = message_table.c, referral_table.c
    statement = (
        select(
            *(m[name] for name in MESSAGE_COLUMNS),
            r.sender_id.label("referral_sender_id"),
            r.receiver_id.label("referral_receiver_id"),
            r.client_id.label("referral_client_id"),
        )
        .join(referral_table, referral_table.c.id == m.referral_id)
        .where(*referral_condition(scope))
    )
    if scope.since is not None:
        statement = statement.where(m.created_at >= scope.since)
    for row in _stream(statement.order_by(m.id)):
        out.write(communication(row))


def export_resources(
    directory: Path,
    scope: Scope,
    request: str,
    advance: Callable[[int], None] = lambda n: None,
) -> Manifest:
    """Write the NDJSON files of `scope` into `directory`; returns the manifest's facts
    (write_manifest puts them beside the files)."""
    directory.mkdir(parents=True, exist_ok=True)
    if db.session.get_bind().dialect.name == "postgresql":
        # Server-side cursors are planned for their first rows (cursor_tuple_fraction 0.1):
        # on a fresh database without statistics that made the clients' semi-join a nested
        # loop over every referral for every client. Plan for the whole result instead.
        db.session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
    manifest = Manifest(transaction_time=utcnow(), request=request)
    out = NdjsonFiles(directory)
    try:
        _members(scope, out)
        _patients(scope, out)
        _referrals(scope, out, advance)
        _messages(scope, out)
    finally:
        out.close()
    manifest.counts = dict(out.counts)
    return manifest


MANIFEST_NAME = "manifest.json"


def write_manifest(
    directory: Path, manifest: Manifest, url_of: Callable[[str], str] = str, requires_token=False
) -> Path:
    path = directory / MANIFEST_NAME
    path.write_text(json.dumps(manifest.as_json(url_of, requires_token), indent=2) + "\n")
    return path
