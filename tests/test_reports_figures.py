"""Every figure of the reports equals a plain Python computation over random small networks.

Hypothesis builds members (some deactivated, with specialties) and referrals in random
statuses whose stage timestamps follow the status rules (app/referrals/status_rules.py),
then a random period, kind and specialty. The reference below reads the generated
referrals, never the database, and is written the long way (the Gini coefficient from its
double sum, medians with statistics.median). Runs on SQLite and, with
REFNET_TEST_DB=postgres, on PostgreSQL.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import ReferralKind, Status
from app.reports import members as member_report
from app.reports import network as network_report
from app.reports import pairs as pair_report
from app.reports import partners as partner_report
from app.reports import service
from app.reports.health import health_days, health_of, validated_rule
from app.reports.scope import days_scope

BASE = datetime(2026, 1, 1, tzinfo=UTC)
SPECIALTIES = ["Cardiology", "Physiotherapy", "Tax"]
STAGE_TIMES = ("accepted_at", "declined_at", "visited_at", "closed_at", "cancelled_at")
STAGE_TIMES += ("expired_at",)
REACHES_ACCEPT = {Status.ACCEPTED, Status.SCHEDULED, Status.VISITED, Status.CLOSED}


@dataclass
class Spec:
    sender: int
    receiver: int
    kind: ReferralKind
    status: Status
    sent_at: datetime
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    visited_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    expired_at: datetime | None = None
    value: Decimal | None = None


@st.composite
def referral_specs(draw, size: int):
    sender = draw(st.integers(0, size - 1))
    receiver = draw(st.integers(0, size - 2))
    receiver = receiver + 1 if receiver >= sender else receiver
    kind = draw(st.sampled_from(list(ReferralKind)))
    status = draw(st.sampled_from(list(Status)))
    sent = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 150)))
    hours = [timedelta(minutes=draw(st.integers(1, 60 * 500))) for _ in range(3)]
    spec = Spec(sender, receiver, kind, status, sent)
    accepted = status in REACHES_ACCEPT or (status == Status.CANCELLED and draw(st.booleans()))
    if accepted:
        spec.accepted_at = sent + hours[0]
    if status in (Status.VISITED, Status.CLOSED):
        spec.visited_at = spec.accepted_at + hours[1]
    if status == Status.CLOSED:
        spec.closed_at = spec.visited_at + hours[2]
        if kind == ReferralKind.PROFESSIONAL and draw(st.booleans()):
            spec.value = Decimal(draw(st.integers(0, 500_000))) / 100
    if status == Status.DECLINED:
        spec.declined_at = sent + hours[0]
    if status == Status.CANCELLED:
        spec.cancelled_at = (spec.accepted_at or sent) + hours[1]
    if status == Status.EXPIRED:
        spec.expired_at = sent + timedelta(days=30)
    return spec


@st.composite
def networks(draw):
    size = draw(st.integers(2, 5))
    people = [
        (draw(st.booleans() | st.just(True)), draw(st.sampled_from(SPECIALTIES)))
        for _ in range(size)
    ]
    specs = draw(st.lists(referral_specs(size), min_size=4, max_size=30))
    # Mostly periods that hold most referrals, sometimes a narrow one (and the one before
    # it, for lapsed givers).
    first = BASE.date() + timedelta(days=draw(st.integers(0, 60)))
    last = first + timedelta(days=draw(st.integers(0, 150)))
    kind = draw(st.sampled_from([None, *ReferralKind]))
    specialty = draw(st.sampled_from([None, *SPECIALTIES]))
    # The health rule's window (months ending `today`): often inside the period, so that the
    # report counts it in the same passes, sometimes not.
    months = draw(st.integers(1, 3))
    today = first + timedelta(days=draw(st.integers(0, 160)))
    return people, specs, first, last, kind, specialty, months, today


def _save(make, db, people, specs):
    net = make.network()
    members = [
        make.member(net, specialties=[specialty], active=active) for active, specialty in people
    ]
    client = make.client(net)
    for spec in specs:
        fields = {name: getattr(spec, name) for name in STAGE_TIMES}
        extra = {}
        if spec.visited_at:
            extra["valid_until"] = spec.visited_at.date() + timedelta(days=365)
        if spec.closed_at:
            extra["outcome"] = "Seen."
        if spec.status in (Status.DECLINED, Status.CANCELLED, Status.EXPIRED):
            extra["status_reason"] = "Reason"
        make.referral(
            members[spec.sender],
            members[spec.receiver],
            spec.status,
            client=client,
            kind=spec.kind,
            sent_at=spec.sent_at,
            business_value=spec.value,
            **fields,
            **extra,
        )
    return net, members


def _in(spec: Spec, start: datetime, end: datetime, kind) -> bool:
    return start <= spec.sent_at < end and (kind is None or spec.kind == kind)


def _ratio(a, b):
    return a / b if b else None


def _median_hours(pairs):
    hours = [(end - start).total_seconds() / 3600 for start, end in pairs]
    return statistics.median(hours) if hours else None


def _gini(values):
    n = len(values)
    mean = sum(values) / n if n else 0
    if not n or not mean:
        return None
    return sum(abs(x - y) for x in values for y in values) / (2 * n * n * mean)


def _close(got, expected):
    if expected is None:
        return got is None
    return got is not None and got == pytest.approx(expected, abs=1e-4)


def _months(first: date, last: date) -> list[str]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return out


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(case=networks())
def test_every_figure_matches_a_plain_computation(make, db, case):
    people, specs, first, last, kind, specialty, months, today = case
    net, members = _save(make, db, people, specs)
    net.health_rule = validated_rule({"months": months})
    ids = [m.id for m in members]
    scope = days_scope(net.id, first, last, kind=kind, specialty=specialty and specialty.lower())
    start, end = scope.start, scope.end
    now = [s for s in specs if _in(s, start, end, kind)]

    # -- the member table
    shown = [i for i, (_a, sp) in enumerate(people) if specialty is None or sp == specialty]
    rows = {r.member_id: r for r in member_report.member_figures(scope)}
    assert set(rows) == {ids[i] for i in shown}
    for i in shown:
        row = rows[ids[i]]
        gave = [s for s in now if s.sender == i]
        got = [s for s in now if s.receiver == i]
        accepted = [s for s in got if s.accepted_at]
        visited = [s for s in got if s.visited_at]
        closed = [s for s in got if s.closed_at]
        assert (row.given, row.received) == (len(gave), len(got))
        assert row.balance == len(gave) - len(got)
        assert _close(row.give_share, _ratio(len(gave), len(gave) + len(got)))
        assert (row.accepted, row.visited, row.closed) == (
            len(accepted),
            len(visited),
            len(closed),
        )
        assert _close(row.accepted_rate, _ratio(len(accepted), len(got)))
        assert _close(row.visited_rate, _ratio(len(visited), len(accepted)))
        assert _close(row.closed_rate, _ratio(len(closed), len(visited)))
        assert _close(row.closed_loop_rate, _ratio(len(closed), len(got)))
        answered = [(s.sent_at, s.accepted_at or s.declined_at) for s in got]
        answered = [p for p in answered if p[1]]
        assert _close(row.median_hours_to_answer, _median_hours(answered))
        assert _close(
            row.median_hours_to_visit,
            _median_hours([(s.accepted_at, s.visited_at) for s in visited]),
        )
        assert _close(
            row.median_hours_to_close, _median_hours([(s.visited_at, s.closed_at) for s in closed])
        )
        values = [
            s.value for s in gave if s.value is not None and s.kind == ReferralKind.PROFESSIONAL
        ]
        expected_value = (
            sum(values, Decimal(0)) if values and kind != ReferralKind.CLINICAL else None
        )
        assert row.value_given == expected_value

    # -- the network's figures
    directed = Counter((s.sender, s.receiver) for s in now)
    reciprocal = sum(min(n, directed[(b, a)]) for (a, b), n in directed.items())
    active = [i for i, (a, _s) in enumerate(people) if a]
    received = Counter(s.receiver for s in now)
    values = [s.value for s in now if s.value is not None]
    by_month = {
        m: (
            sum(1 for s in now if s.sent_at.strftime("%Y-%m") == m),
            sum(1 for s in now if s.sent_at.strftime("%Y-%m") == m and s.closed_at),
        )
        for m in _months(first, last)
    }
    # Counted on their own, and as the report page counts them (from the member table, the
    # pairs pass and the day counts).
    report = service.network_report(None, scope, today)
    for figures in (network_report.network_figures(scope), report.figures):
        assert figures.sent == len(now)
        assert figures.accepted == sum(1 for s in now if s.accepted_at)
        assert figures.visited == sum(1 for s in now if s.visited_at)
        assert figures.closed == sum(1 for s in now if s.closed_at)
        assert figures.declined == sum(1 for s in now if s.status == Status.DECLINED)
        assert figures.cancelled == sum(1 for s in now if s.status == Status.CANCELLED)
        assert figures.expired == sum(1 for s in now if s.status == Status.EXPIRED)
        assert _close(figures.closed_loop_rate, _ratio(figures.closed, len(now)))
        assert figures.reciprocal == reciprocal  # Σ over ordered pairs of min = Σ_pairs 2·min
        assert _close(figures.reciprocity, _ratio(reciprocal, len(now)))
        assert figures.active_members == len(active)
        assert _close(figures.gini_received, _gini([received[i] for i in active]))
        assert figures.givers == len({s.sender for s in now})
        assert figures.receivers == len({s.receiver for s in now})
        assert figures.value == (
            sum(values, Decimal(0)) if values and kind != ReferralKind.CLINICAL else None
        )
        assert {m.month: (m.sent, m.closed) for m in figures.months} == by_month

    # -- the members' health: as member_health counts it on its own, whether or not the
    # period holds the rule's window (then the report counts both in the same passes)
    alone = service.member_health(None, net.id, today)
    assert {i: h.as_row() for i, h in report.health.items()} == {
        i: h.as_row() for i, h in alone.items()
    }
    assert set(alone) == set(ids)
    rows_and_health = service.member_table_and_health(None, scope, today)
    assert rows_and_health[1] == report.health
    assert [r.as_row() for r in rows_and_health[0]] == [r.as_row() for r in report.members]
    window = days_scope(net.id, *health_days(validated_rule({"months": months}), today))
    window_rows = {r.member_id: r for r in member_report.member_figures(window, ("answer",))}
    for member_id, light in report.health.items():
        assert light == health_of(window_rows[member_id], net.health_rule)

    # -- pairs, matrix, who never gives, lapsed givers
    pairs = pair_report.top_pairs(scope, limit=1000)
    expected_pairs = {}
    for (a, b), n in directed.items():
        low, high = sorted((ids[a], ids[b]))
        expected_pairs.setdefault((low, high), [0, 0])[0 if ids[a] == low else 1] += n
    assert {(p.a_id, p.b_id): [p.a_to_b, p.b_to_a] for p in pairs} == expected_pairs
    totals = [p.total for p in pairs]
    assert [p.as_row() for p in report.pairs] == [p.as_row() for p in pairs[:20]]
    assert totals == sorted(totals, reverse=True)
    matrix = pair_report.matrix(scope, size=3)
    activity = Counter()
    for s in now:
        activity[ids[s.sender]] += 1
        activity[ids[s.receiver]] += 1
    top = sorted(activity, key=lambda m: (-activity[m], m))[:3]
    assert [m for m, _name in matrix.members] == top
    for a in top:
        for b in top:
            if a != b:
                assert matrix.cell(a, b) == directed[(ids.index(a), ids.index(b))]
    table = list(rows.values())
    never = service.receive_never_give(table)
    assert {r.member_id for r in never} == {
        ids[i] for i in shown if received[i] and not any(s.sender == i for s in now)
    }
    before = scope.previous()
    gave_before = Counter(s.sender for s in specs if _in(s, before.start, before.end, kind))
    lapsed = service.lapsed_givers(None, scope, table)
    assert {r["member_id"]: r["given_before"] for r in lapsed} == {
        ids[i]: gave_before[i]
        for i in shown
        if gave_before[i] and not any(s.sender == i for s in now)
    }

    # -- one member's partners and balance by month; the CLI's rows
    me = 0
    mine = [s for s in specs if _in(s, start, end, kind) and me in (s.sender, s.receiver)]
    expected = defaultdict(lambda: [0, 0])
    for s in mine:
        if s.sender == me:
            expected[ids[s.receiver]][0] += 1
        else:
            expected[ids[s.sender]][1] += 1
    found = partner_report.partners(ids[me], start, end, kind)
    assert {p.member_id: [p.you_sent, p.they_sent] for p in found} == dict(expected)
    months = partner_report.balance_by_month(ids[me], start, end, kind)
    running, expected_months = 0, []
    for m in sorted({s.sent_at.strftime("%Y-%m") for s in mine}):
        gave = sum(1 for s in mine if s.sender == me and s.sent_at.strftime("%Y-%m") == m)
        got = sum(1 for s in mine if s.receiver == me and s.sent_at.strftime("%Y-%m") == m)
        running += gave - got
        expected_months.append((m, gave, got, running))
    assert [(b.month, b.given, b.received, b.balance_to_date) for b in months] == expected_months
    cli_rows = service.reciprocity_rows(None, days_scope(net.id, first, last, kind=kind))
    assert {r["member_id"]: (r["given"], r["received"]) for r in cli_rows} == {
        ids[i]: (
            sum(1 for s in now if s.sender == i),
            sum(1 for s in now if s.receiver == i),
        )
        for i in range(len(people))
    }
