"""Every main page, as each role sees it, at 1280 and 360 px: axe-core finds no violation
(the bar is serious or critical; there is none of lower impact either), and at 360 px nothing
scrolls sideways (WCAG 1.4.10, reflow). A business network's pages are measured too.

The data is made to be awkward on purpose: long e-mail addresses and names, a list of 25
rows, a referral in every status, so that what a real network holds is what is measured.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page

from app.models import (
    AdviceRequest,
    Message,
    NetworkKind,
    Notification,
    OutboxMessage,
    ReferralKind,
    Role,
    Status,
    utcnow,
)
from app.referrals.client_links import client_link
from app.tokens.service import create_token
from tests.browser.a11y import PHONE_NARROW, axe_violations, sideways_overflow
from tests.browser.steps import DESKTOP, screenshot, sign_in

pytestmark = pytest.mark.browser

LONG_EMAIL = "appointments.and.referrals.department@riverside-cardiology-and-vascular.example.org"
WIDTHS = {"1280": DESKTOP, "360": PHONE_NARROW}


def awkward_network(make):
    network = make.network(name="Riverside Health Network")
    gp = make.member(
        network,
        name="Riverside General Practice",
        organization="Riverside General Practice",
        city="Riverton",
        email=LONG_EMAIL,
        phone="+44 20 7946 0000",
    )
    clinic = make.member(
        network,
        name="Riverton Heart and Vascular Clinic",
        organization="Riverton Hospitals NHS Foundation Trust",
        specialties=["Cardiology", "Echocardiography", "Cardiac rehabilitation"],
        city="Riverton",
        email=LONG_EMAIL,
    )
    gp_user = make.practitioner(gp, name="Dr Adaeze Okafor-Whitfield", email=LONG_EMAIL)
    make.practitioner(clinic, name="Dr Rivera")
    coordinator = make.user(Role.COORDINATOR, networks=[network], name="Cora Ordinator")
    admin = make.user(Role.ADMIN, name="Ada Admin")
    client = make.client(network, email=LONG_EMAIL, given_name="Maximiliana")
    statuses = list(Status)
    referrals = [
        make.referral(
            clinic if n % 2 else gp,
            gp if n % 2 else clinic,
            status=statuses[(n // 2) % len(statuses)],
            client=client,
            notes="Please call the client first: " + LONG_EMAIL,
        )
        for n in range(26)
    ]
    # Long overdue at each stage: rows of the coordinators' worklist.
    long_ago = utcnow() - timedelta(days=40)
    for status, started in (
        (Status.SENT, {"sent_at": long_ago}),
        (Status.ACCEPTED, {"sent_at": long_ago, "accepted_at": long_ago}),
        (Status.VISITED, {"sent_at": long_ago, "accepted_at": long_ago, "visited_at": long_ago}),
    ):
        make.referral(gp, clinic, status=status, client=client, **started)
    for n, referral in enumerate(referrals[:6]):
        make.session.add(
            Notification(
                user_id=gp_user.id,
                referral_id=referral.id,
                kind="send",
                message=f"Riverton Heart and Vascular Clinic sent referral #{referral.id}",
                created_at=utcnow() - timedelta(hours=n),
            )
        )
    create_token(gp_user, "Nightly export to the practice system")
    long_error = (
        "451 4.7.1 Greylisted: please try again later, see https://mail.example/greylisting"
    )
    make.session.add_all(
        [
            OutboxMessage(
                to=LONG_EMAIL,
                subject="Riverton Heart and Vascular Clinic accepted referral #12345",
                body="",
                attempts=8,
                last_error=long_error,
                failed_at=utcnow(),
                next_attempt_at=utcnow(),
            ),
            OutboxMessage(
                to=LONG_EMAIL,
                subject="You are invited to refnet",
                body="",
                attempts=2,
                last_error="server unreachable: [Errno 111] Connection refused",
                next_attempt_at=utcnow() + timedelta(minutes=2),
            ),
        ]
    )
    make.session.commit()
    received = next(r for r in referrals if r.receiver_id == gp.id and r.status == Status.SENT)
    clinic_user = make.practitioner(clinic, name="Dr Evangelina Rivera-Montgomery")
    advice = AdviceRequest(
        network_id=network.id,
        asker_id=gp.id,
        asked_member_id=clinic.id,
        client_id=client.id,
        kind=ReferralKind.CLINICAL,
        subject="Echocardiography opinion before a referral",
        question="Is a murmur heard at 70 worth an echo? " + LONG_EMAIL,
        answer_due_at=utcnow() - timedelta(days=1),  # overdue, as lists must show
    )
    make.session.add(advice)
    make.session.flush()
    for thread in ({"referral_id": received.id}, {"advice_request_id": advice.id}):
        for author, member, side in ((clinic_user, clinic, "receiver"), (gp_user, gp, "sender")):
            side = (
                {"receiver": "adviser", "sender": "asker"}[side]
                if "advice_request_id" in thread
                else side
            )
            make.session.add(
                Message(
                    **thread,
                    author_id=author.id,
                    member_id=member.id,
                    side=side,
                    body="Please send the last ECG and the notes: " + LONG_EMAIL,
                )
            )
    make.session.commit()
    return {
        "gp": gp,
        "clinic": clinic,
        "gp_user": gp_user,
        "coordinator": coordinator,
        "admin": admin,
        "received": received,
        "advice": advice,
    }


def business_network(make):
    network = make.network(name="Harbour Business Circle", kind=NetworkKind.PROFESSIONAL)
    firm = make.member(network, name="Harbour Law LLP", specialties=["Commercial law"])
    accountant = make.member(network, name="Quay Accountants", specialties=["Tax"])
    lawyer = make.practitioner(firm, name="Tomasz Evans")
    client = make.client(network, birth_date=None)
    referral = make.referral(
        accountant, firm, status=Status.SCHEDULED, kind=ReferralKind.PROFESSIONAL, client=client
    )
    return lawyer, referral


def pages_of(role: str, world) -> list[str]:
    gp, clinic = world["gp"], world["clinic"]
    if role == "practitioner":
        return [
            "/dashboard",
            "/referrals/",
            "/referrals/?box=outbox",
            f"/referrals/{world['received'].id}",
            "/referrals/new",
            "/members/",
            f"/members/{clinic.id}",
            f"/members/{gp.id}",  # its own member: the reciprocity section and its chart
            "/notifications/",
            "/tokens/",
            "/advice/",
            "/advice/new",
            f"/advice/{world['advice'].id}",
        ]
    if role == "coordinator":
        return [
            "/dashboard",
            "/referrals/",
            f"/referrals/{world['received'].id}",
            "/members/",
            f"/members/{gp.id}",
            f"/members/{gp.id}/edit",
            "/admin/users/",
            "/admin/users/new",
            f"/admin/users/{world['gp_user'].id}/edit",
            "/advice/",
            f"/advice/{world['advice'].id}",
            f"/reports/networks/{gp.network_id}",
            f"/reports/networks/{gp.network_id}?sort=balance&dir=desc&kind=clinical",
            f"/networks/{gp.network_id}/rules",
            "/worklist/",
        ]
    return [
        "/dashboard",
        "/admin/audit/",
        "/admin/outbox/",
        "/admin/users/",
        "/members/",
        "/reports/",
    ]


def check_pages(open_page, email: str | None, paths: list[str], name: str) -> list[str]:
    problems = []
    for width, viewport in WIDTHS.items():
        page: Page = open_page(viewport)
        if email:
            sign_in(page, email)
            page.wait_for_url("**/dashboard")
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.ok, f"{path} answered {response}"
            for violation in axe_violations(page):
                problems.append(f"{path} at {width}: {violation}")
            if viewport["width"] < 640:
                overflow = sideways_overflow(page)
                if overflow:
                    problems.append(f"{path} at {width}: {overflow}")
            slug = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
            screenshot(page, f"a11y-{name}-{slug}-{width}")
    return problems


def test_pages_of_a_business_network(open_page, make):
    lawyer, referral = business_network(make)
    paths = [
        "/dashboard",
        "/referrals/",
        f"/referrals/{referral.id}",
        "/referrals/new",
        "/advice/",
        "/advice/new",
    ]
    assert check_pages(open_page, lawyer.email, paths, "lawyer") == []


def test_the_client_page(open_page, make):
    """The page a client opens from their e-mail (no account), with the answers shown."""
    world = awkward_network(make)
    client = make.client(
        world["gp"].network, email=LONG_EMAIL, contact_consent=True, given_name="Maximiliana"
    )
    world["clinic"].address = "Riverton Hospitals NHS Foundation Trust, Cardiology Wing, Level 4"
    referral = make.referral(world["gp"], world["clinic"], Status.SCHEDULED, client=client)
    path = "/c/" + client_link(referral).split("/c/", 1)[1]
    make.session.commit()
    assert check_pages(open_page, None, [path], "client") == []


def test_sign_in_page(open_page):
    assert check_pages(open_page, None, ["/login"], "anonymous") == []


@pytest.mark.parametrize("role", ["practitioner", "coordinator", "admin"])
def test_main_pages_of_each_role(open_page, make, role):
    world = awkward_network(make)
    email = {
        "practitioner": world["gp_user"].email,
        "coordinator": world["coordinator"].email,
        "admin": world["admin"].email,
    }[role]
    problems = check_pages(open_page, email, pages_of(role, world), role)
    assert problems == [], "\n".join(problems)


def test_worklist_with_its_follow_up_forms_open(open_page, make):
    """The worklist's row forms are folded away: unfolded, they pass too and fit 360 px."""
    world = awkward_network(make)
    problems = []
    for width, viewport in WIDTHS.items():
        page: Page = open_page(viewport)
        sign_in(page, world["coordinator"].email)
        page.wait_for_url("**/dashboard")
        page.goto("/worklist/")
        summaries = page.locator("details.action summary")
        assert summaries.count() == 3
        for n in range(summaries.count()):
            summaries.nth(n).click()
        problems += [f"{width}: {v}" for v in axe_violations(page)]
        if viewport["width"] < 640 and (overflow := sideways_overflow(page)):
            problems.append(f"{width}: {overflow}")
        screenshot(page, f"a11y-coordinator-worklist-open-{width}")
    assert problems == [], "\n".join(problems)
