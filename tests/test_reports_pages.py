"""The network report page, its downloads, the member page's section and the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest

from app.models import ReferralKind, Role, Status, utcnow


@pytest.fixture
def network(make):
    net = make.network(name="Reports Network")
    gp = make.member(net, name="Alpha GP")
    cardio = make.member(net, name="Beta Cardiology", specialties=["Cardiology"])
    lawyer = make.member(net, name="Gamma Law")
    for _ in range(3):
        make.referral(gp, cardio, Status.CLOSED)
    make.referral(cardio, gp, Status.DECLINED)
    make.referral(
        lawyer, gp, Status.CLOSED, kind=ReferralKind.PROFESSIONAL, business_value=Decimal("250")
    )
    coordinator = make.user(Role.COORDINATOR, networks=[net])
    return {"net": net, "gp": gp, "cardio": cardio, "lawyer": lawyer, "coordinator": coordinator}


def test_coordinator_reads_the_report(network, login):
    client = login(network["coordinator"])
    page = client.get(f"/reports/networks/{network['net'].id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Reciprocity report: Reports Network" in html
    assert "Beta Cardiology" in html and "Heat map" in html
    # Alpha GP received one decline from cardiology and one closed lawyer referral.
    assert "Receive but never give" in html


def test_report_link_in_navigation_and_dashboard(network, login):
    client = login(network["coordinator"])
    assert "/reports/" in client.get("/dashboard").get_data(as_text=True)
    one_network = client.get("/reports/")
    assert one_network.status_code == 302
    assert one_network.headers["Location"].endswith(f"/reports/networks/{network['net'].id}")


def test_outsiders_get_no_report(network, make, login):
    other = make.user(Role.COORDINATOR, networks=[make.network()], email="other@example.org")
    url = f"/reports/networks/{network['net'].id}"
    assert login(other).get(url).status_code == 404
    assert login(other).get(url + "/members.csv").status_code == 404


def test_practitioners_get_no_network_report(network, make, login):
    practitioner = make.practitioner(network["gp"], email="gp@example.org")
    client = login(practitioner)
    assert client.get(f"/reports/networks/{network['net'].id}").status_code == 403
    assert client.get("/reports/").status_code == 403


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("period=custom&from=2026-02-31&to=2026-03-01", "from", "from must be"),
        ("period=custom&from=2026-03-01&to=2026-01-01", "to", "before the first"),
        ("period=custom&from=&to=2026-01-01", "from", "Give the first day"),
        ("period=someday", "period", "period must be one of"),
        ("sort=password", "sort", "sort must be one of"),
        ("kind=money", "kind", "kind must be one of"),
    ],
)
def test_bad_filters_are_a_400_with_the_message(network, login, query, field, message):
    client = login(network["coordinator"])
    page = client.get(f"/reports/networks/{network['net'].id}?{query}")
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    download = client.get(f"/reports/networks/{network['net'].id}/members.csv?{query}")
    assert download.status_code == 400
    assert field in download.get_data(as_text=True)


def test_sorting_by_a_whitelisted_column(network, login):
    client = login(network["coordinator"])
    url = f"/reports/networks/{network['net'].id}/members.csv?sort=received&dir=desc"
    rows = list(csv.DictReader(io.StringIO(client.get(url).get_data(as_text=True))))
    assert [r["member_name"] for r in rows] == ["Beta Cardiology", "Alpha GP", "Gamma Law"]
    assert [r["received"] for r in rows] == ["3", "2", "0"]


def test_downloads_csv_and_json(network, login):
    client = login(network["coordinator"])
    base = f"/reports/networks/{network['net'].id}"
    members_csv = client.get(base + "/members.csv")
    assert members_csv.mimetype == "text/csv"
    header = members_csv.get_data(as_text=True).splitlines()[0]
    assert header.startswith("member_id,member_name,given,received,balance,give_share")
    figures = json.loads(client.get(base + "/network.json").get_data(as_text=True))[0]
    assert figures["sent"] == 5 and figures["closed"] == 4
    assert figures["value"] == "250.00"
    pairs = json.loads(client.get(base + "/pairs.json").get_data(as_text=True))
    assert pairs[0]["total"] == 4 and {pairs[0]["a_to_b"], pairs[0]["b_to_a"]} == {3, 1}
    clinical = json.loads(client.get(base + "/network.json?kind=clinical").get_data(as_text=True))
    assert clinical[0]["value"] is None  # clinical referrals never carry money


def test_lapsed_givers_gave_before_and_not_now(network, make, login):
    old = make.member(network["net"], name="Delta Lapsed")
    make.referral(old, network["gp"], sent_at=utcnow() - timedelta(days=500))
    client = login(network["coordinator"])
    lapsed = client.get(f"/reports/networks/{network['net'].id}/lapsed.json").get_json()
    assert lapsed == [{"member_id": old.id, "member_name": "Delta Lapsed", "given_before": 1}]


def test_member_page_shows_each_partner(network, make, login):
    user = make.practitioner(network["cardio"], email="cardio@example.org")
    html = login(user).get(f"/members/{network['cardio'].id}").get_data(as_text=True)
    assert "they sent 3, Beta Cardiology sent them 1" in html
    assert "Balance over time" in html


def test_member_page_hides_partners_from_other_practitioners(network, make, login):
    other = make.practitioner(network["lawyer"], email="law@example.org")
    html = login(other).get(f"/members/{network['cardio'].id}").get_data(as_text=True)
    assert "Beta Cardiology" in html
    assert "Given and received with each member" not in html


def test_cli_reciprocity_csv_and_json(network, app):
    runner = app.test_cli_runner()
    done = runner.invoke(
        args=["reports", "reciprocity", "--from", "2000-01-01", "--to", "2100-01-01"]
    )
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == (
        "member_id,member_name,given,received,balance,give_share,network_id,network_name"
    )
    gp = next(line for line in lines if ",Alpha GP," in line)
    assert gp.split(",")[2:6] == ["3", "2", "1", "0.6000"]
    one = runner.invoke(
        args=["reports", "reciprocity", "--network", str(network["net"].id), "--format", "json"]
    )
    assert {r["member_name"] for r in json.loads(one.output)} == {
        "Alpha GP",
        "Beta Cardiology",
        "Gamma Law",
    }
    bad = runner.invoke(args=["reports", "reciprocity", "--from", "2026-13-01"])
    assert bad.exit_code != 0 and "not a date" in bad.output
    missing = runner.invoke(args=["reports", "reciprocity", "--network", "999999"])
    assert missing.exit_code != 0 and "no such network" in missing.output


def test_cli_health_rule_is_validated(network, app):
    runner = app.test_cli_runner()
    nid = str(network["net"].id)
    wrong = runner.invoke(
        args=[
            "reports",
            "health-rule",
            "--network",
            nid,
            "--set",
            '{"given": {"amber": 0, "red": 2}}',
        ]
    )
    assert wrong.exit_code != 0 and "amber must be at least red" in wrong.output
    right = runner.invoke(
        args=["reports", "health-rule", "--network", nid, "--set", '{"months": 3}']
    )
    assert right.exit_code == 0 and json.loads(right.output)["months"] == 3


def test_api_reports(network, make, db):
    from tests.test_api import bearer

    nid = network["net"].id
    headers = bearer(db, network["coordinator"])
    from flask import current_app

    client = current_app.test_client()
    table = client.get(
        f"/api/v1/reports/networks/{nid}/members?sort=given&dir=desc", headers=headers
    )
    assert table.status_code == 200, table.get_json()
    assert table.get_json()["items"][0]["member_name"] == "Alpha GP"
    figures = client.get(f"/api/v1/reports/networks/{nid}/figures", headers=headers).get_json()
    assert figures["sent"] == 5 and figures["value"] == "250.00"
    pairs = client.get(f"/api/v1/reports/networks/{nid}/pairs", headers=headers).get_json()
    assert pairs["items"][0]["total"] == 4
    bad = client.get(f"/api/v1/reports/networks/{nid}/pairs?period=custom&from=x", headers=headers)
    assert bad.status_code == 422 and "from" in bad.get_json()["fields"]
    partners = client.get(
        f"/api/v1/reports/members/{network['gp'].id}/partners", headers=headers
    ).get_json()
    assert {p["partner_name"]: (p["you_sent"], p["they_sent"]) for p in partners["items"]} == {
        "Beta Cardiology": (3, 1),
        "Gamma Law": (0, 1),
    }
    practitioner = make.practitioner(network["lawyer"], email="law@example.org")
    theirs = bearer(db, practitioner)
    assert client.get(f"/api/v1/reports/networks/{nid}/figures", headers=theirs).status_code == 403
    other = f"/api/v1/reports/members/{network['gp'].id}/partners"
    assert client.get(other, headers=theirs).status_code == 403
    own = f"/api/v1/reports/members/{network['lawyer'].id}/partners"
    assert client.get(own, headers=theirs).status_code == 200


def test_reasons_and_advice_are_counted(network, make, login, db):
    from app.models import AdviceRequest
    from app.referrals.service import perform

    receiver = make.practitioner(network["cardio"])
    for code in ("no_capacity", "no_capacity", "wrong_specialty"):
        referral = make.referral(network["gp"], network["cardio"])
        perform(
            referral, "decline", receiver, values={"reason_code": code, "reason": "Full this month"}
        )
    client = make.client(network["net"])
    now = utcnow()
    for status, due in (("open", now - timedelta(days=1)), ("open", now + timedelta(days=3))):
        db.session.add(
            AdviceRequest(
                network_id=network["net"].id,
                asker_id=network["gp"].id,
                asked_member_id=network["cardio"].id,
                client_id=client.id,
                kind=ReferralKind.CLINICAL,
                subject="A question",
                question="Why?",
                status=status,
                answer_due_at=due,
            )
        )
    db.session.commit()

    page = login(network["coordinator"])
    base = f"/reports/networks/{network['net'].id}"
    html = page.get(base).get_data(as_text=True)
    assert "Why referrals ended early" in html and "Wrong specialty" in html
    reasons = json.loads(page.get(base + "/reasons.json").get_data(as_text=True))
    assert [(r["action"], r["reason_code"], r["count"]) for r in reasons] == [
        ("decline", "no_capacity", 2),
        ("decline", "wrong_specialty", 1),
    ]
    advice = json.loads(page.get(base + "/advice.json").get_data(as_text=True))[0]
    assert (advice["asked"], advice["open"], advice["open_overdue"]) == (2, 2, 1)


# The member table's loop as the template wrote it before app/reports/html.py built the rows
# in Python: the HTML must stay the same, byte for byte.
TEMPLATE_ROWS = """\
    {% for r in rows %}{% set h = health.get(r.member_id) %}
      <tr{% if not r.active %} class="inactive"{% endif %}>
        <th scope="row"><a href="{{ url_for('members.profile', member_id=r.member_id) }}">{{ r.member_name }}</a>{% if not r.active %} <small>(deactivated)</small>{% endif %}</th>
        <td>{% if h %}<span class="badge health-{{ h.light }}">{{ h.light }}</span>{% if h.reasons %}<small class="reasons">{{ h.reasons | join('; ') }}</small>{% endif %}{% endif %}</td>
        <td class="num">{{ r.given }}</td><td class="num">{{ r.received }}</td><td class="num">{{ r.balance }}</td>
        <td class="num">{{ r.give_share | pct }}</td><td class="num">{{ r.accepted_rate | pct }}</td><td class="num">{{ r.visited_rate | pct }}</td>
        <td class="num">{{ r.closed_rate | pct }}</td><td class="num">{{ r.closed_loop_rate | pct }}</td>
        <td class="num">{{ r.median_hours_to_answer | hours }}</td><td class="num">{{ r.median_hours_to_visit | hours }}</td><td class="num">{{ r.median_hours_to_close | hours }}</td>
        <td class="num">{{ r.value_given if r.value_given is not none else '—' }}</td>
      </tr>
    {% endfor %}
"""  # noqa: E501


def test_member_rows_are_the_html_the_template_wrote(app):
    from app.reports.health import Health
    from app.reports.html import member_rows_html
    from app.reports.members import MemberFigures

    rows = [
        MemberFigures(
            7, 'Dr <b>"Ann"</b> & Co\'s', given=3, received=10, accepted=7, visited=5, closed=2
        ),
        MemberFigures(
            8,
            "Zed",
            active=False,
            given=12,
            received=4,
            accepted=4,
            visited=4,
            closed=4,
            median_hours_to_answer=2.25,
            median_hours_to_visit=1 / 3,
            median_hours_to_close=100.05,
            value_given=Decimal("1234.50"),
        ),
        MemberFigures(9, "No health"),
    ]
    health = {
        7: Health(7, "red", ["gave 3 for 10 received (red)", "closed <2> of 10 (amber)"]),
        8: Health(8, "green", []),
    }
    with app.test_request_context("/"):
        expected = app.jinja_env.from_string(TEMPLATE_ROWS).render(rows=rows, health=health)
        got = member_rows_html(rows, health)
    assert str(got) == expected
    assert "&lt;b&gt;&#34;Ann&#34;&lt;/b&gt; &amp; Co&#39;s" in got


def test_no_member_of_the_specialty_says_so(network, login):
    client = login(network["coordinator"])
    page = client.get(f"/reports/networks/{network['net'].id}?specialty=Dermatology")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '    <tbody>\n<tr><td colspan="14">No member matches.</td></tr>    </tbody>' in html
