"""Lists cost a fixed number of SQL statements, whatever the number of rows they show.

Every row has its own client, sender and receiver (each member with a specialty), so a
relationship loaded row by row would add statements at 100 rows that 25 rows do not have.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.models import Client, Referral, ReferralKind, Role, Status, User, utcnow
from tests.test_api import API, bearer

ROWS = 110  # more than the largest page (100)


@contextmanager
def counted(db):
    """The statements run inside the block, counted on the engine."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # Each request starts with an empty identity map, as on a server.
    db.session.remove()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def crowd(make, db, login):
    """A GP that received ROWS referrals from ROWS members and sent ROWS to them, each about
    another client."""
    network = make.network(name="Crowded")
    gp = make.member(network, name="GP", specialties=["General practice"])
    others = [make.member(network, specialties=[f"Specialty {n}"]) for n in range(ROWS)]
    now = utcnow()
    rows = []
    for n, other in enumerate(others):
        for sender, receiver in ((other, gp), (gp, other)):
            client = Client(
                network_id=network.id,
                given_name=f"Client{n}",
                family_name=f"{sender.id}-{receiver.id}",
                birth_date=date(1980, 1, 1),
                consent=True,
                consent_at=now,
            )
            rows.append(
                Referral(
                    network_id=network.id,
                    sender_id=sender.id,
                    receiver_id=receiver.id,
                    client=client,
                    kind=ReferralKind.CLINICAL,
                    status=Status.SENT,
                    reason="Statement count",
                    service="Consult",
                    sent_at=now - timedelta(minutes=len(rows) + 1),
                )
            )
    db.session.add_all(rows)
    db.session.commit()
    users = {
        "practitioner": make.practitioner(gp),
        "coordinator": make.user(Role.COORDINATOR, networks=[network]),
        "admin": make.user(Role.ADMIN),
    }
    return users


def _statements(db, client, url: str, headers=None) -> int:
    with counted(db) as statements:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(statements)


# One statement each: the user with its members, networks and unread notifications (the
# header's count); the page of rows with client, sender and receiver joined, which carries
# the counts per status of the tabs (with the forwarded ones) as one more column. A
# coordinator's or admin's whole list takes its counts from the day counts instead.
PAGES = [
    ("practitioner", "/referrals/?box=inbox", 2),
    ("practitioner", "/referrals/?box=outbox", 2),
    ("practitioner", "/referrals/?box=all", 2),
    ("coordinator", "/referrals/", 3),
    ("admin", "/referrals/", 3),
]


@pytest.mark.parametrize(("role", "url", "expected"), PAGES, ids=[f"{r}{u}" for r, u, _ in PAGES])
def test_list_pages_cost_the_same_at_25_and_100_rows(crowd, db, login, role, url, expected):
    client = login(crowd[role])
    at_25 = _statements(db, client, f"{url}{'&' if '?' in url else '?'}limit=25")
    at_100 = _statements(db, client, f"{url}{'&' if '?' in url else '?'}limit=100")
    assert (at_25, at_100) == (expected, expected)


# Who calls (a token's ids, or the session's user with members and networks) and the page:
# list items carry no client data and no other row, so nothing else is loaded.
API_LISTS = [
    ("practitioner", "box=inbox"),
    ("practitioner", "box=outbox"),
    ("coordinator", "box=all"),
    ("admin", "box=all"),
]


@pytest.mark.parametrize(("role", "query"), API_LISTS, ids=[f"{r}-{q}" for r, q in API_LISTS])
def test_api_list_costs_two_statements_at_25_and_100_rows(crowd, db, client, login, role, query):
    user_id = crowd[role].id
    headers = bearer(db, crowd[role])
    # The first request of the minute notes when the token was used (an UPDATE and a commit).
    client.get(f"{API}/referrals?{query}", headers=headers)
    by_token = [
        _statements(db, client, f"{API}/referrals?{query}&limit={n}", headers) for n in (25, 100)
    ]
    # The token's check loads no ORM user: the fixture's was detached by the counting.
    signed_in = login(db.session.get(User, user_id))
    by_session = [
        _statements(db, signed_in, f"{API}/referrals?{query}&limit={n}") for n in (25, 100)
    ]
    assert by_token == by_session == [2, 2]


def test_practitioner_dashboard_loads_its_waiting_list_in_one_statement(crowd, db, login):
    """Ten referrals waiting, each from another sender about another client: the user (with
    the unread count), the waiting list, counts to and from; the network's follow-up rules
    and what is overdue for them (one UNION of the three stages)."""
    client = login(crowd["practitioner"])
    html_statements = _statements(db, client, "/dashboard")
    assert html_statements == 6


INBOX = {"sent": 2, "accepted": 1, "closed": 1, "expired": 1, "declined": 2}
EVERYTHING = {**INBOX, "sent": 3, "cancelled": 1}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("box=inbox", INBOX), ("box=inbox&status=sent", INBOX), ("box=all", EVERYTHING)],
)
def test_the_tabs_counts_carried_by_the_page_are_the_counted_ones(make, db, query, expected):
    """The counts the page's one statement carries (listing.page_and_counts) are those the
    counting statement gives (listing.tab_counts), forwarded declines apart."""
    from werkzeug.datastructures import MultiDict

    from app.referrals.list_rows import WITH_PARTIES_UNREAD
    from app.referrals.listing import page_and_counts, parse_filter, tab_counts

    network = make.network(name="Mixed")
    me, other, third = (make.member(network) for _ in range(3))
    for status in (Status.SENT, Status.SENT, Status.ACCEPTED, Status.CLOSED, Status.EXPIRED):
        make.referral(other, me, status)
    declined = make.referral(other, me, Status.DECLINED)
    make.referral(other, me, Status.DECLINED)
    make.referral(me, third, Status.SENT, forwarded_from_id=declined.id)
    make.referral(me, other, Status.CANCELLED)
    user = make.practitioner(me)
    flt = parse_filter(user, MultiDict([part.split("=") for part in query.split("&")]))
    rows, _, carried = page_and_counts(user, flt, WITH_PARTIES_UNREAD)
    assert rows and not hasattr(rows[0], "tab_counts")
    assert carried == tab_counts(user, flt)
    assert {s.value: n for s, n in carried.by_status.items()} == expected
    assert carried.forwarded == 1  # of the two declined, one has a forwarded copy


def test_the_referral_page_costs_the_same_with_more_people_on_its_timeline(make, db, login):
    """The timeline's steps come with the names of who took them in one SELECT: a step by
    one more person adds no statement (it was one for the person and two for their members
    and networks)."""
    from app.models import ReferralEvent

    network = make.network(name="Timeline")
    sender, receiver = make.member(network), make.member(network)
    referral_id = make.referral(sender, receiver, Status.SENT).id
    people = [make.practitioner(make.member(network)).id for _ in range(3)]
    client = login(make.practitioner(receiver))

    def cost_with(actors: list[int]) -> int:
        session = db.session()
        for n, actor_id in enumerate(actors):
            session.add(
                ReferralEvent(
                    referral_id=referral_id,
                    actor_id=actor_id,
                    action="send",
                    to_status=Status.SENT,
                    note=f"Step by {actor_id}, {n}",
                )
            )
        session.commit()
        client.get(f"/referrals/{referral_id}")  # reads are noted once; count the next
        with counted(db) as statements:
            page = client.get(f"/referrals/{referral_id}")
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        assert f"Step by {actors[-1]}" in page.get_data(as_text=True)
        return len(statements)

    assert cost_with(people[:1]) == cost_with(people[1:])
