"""The traffic-light rule: its levels, its reasons, and the validation of a network's rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import ReferralKind, Role, Status, utcnow
from app.refusals import Invalid
from app.reports.health import DEFAULT_RULE, health_of, validated_rule
from app.reports.members import MemberFigures
from app.reports.service import member_health, set_health_rule


def figures(**kw) -> MemberFigures:
    return MemberFigures(1, "M", **kw)


def test_green_amber_red_and_the_reasons():
    rule = validated_rule({})
    assert health_of(figures(given=5, received=4, closed=3), rule).light == "green"
    amber = health_of(figures(given=2, received=0), rule)
    assert (amber.light, amber.reasons) == ("amber", ["gave 2 (amber)"])
    red = health_of(figures(given=5, received=10, closed=1, median_hours_to_answer=200.0), rule)
    assert red.light == "red"
    assert red.reasons == [
        "closed the loop on 1 of 10 received (red)",
        "answers in 200 h (median) (red)",
    ]
    # Too few received to judge the share and the loop.
    assert health_of(figures(given=3, received=2), rule).light == "green"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"months": 0}, "months"),
        ({"months": True}, "months"),
        ({"given": {"amber": 1, "red": 3}}, "given"),
        ({"answer_hours": {"amber": 200, "red": 100}}, "answer_hours"),
        ({"give_share": {"amber": 1.5, "red": 0.1}}, "give_share.amber"),
        ({"closed_loop": {"amber": 0.5}}, "closed_loop"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_wrong_rule_is_refused_with_its_field(rule, field):
    with pytest.raises(Invalid) as refused:
        validated_rule(rule)
    assert field in refused.value.fields


def test_network_rule_changes_the_lights(make, db):
    net = make.network()
    a, b = make.member(net), make.member(net)
    make.referral(a, b, Status.ACCEPTED, sent_at=utcnow() - timedelta(days=2))
    today = utcnow().date()
    assert member_health(None, net.id, today)[a.id].light == "amber"  # gave 1 < 3
    set_health_rule(None, net.id, {"given": {"amber": 1, "red": 0}})
    db.session.commit()
    assert net.health_rule["months"] == DEFAULT_RULE["months"]
    assert member_health(None, net.id, today)[a.id].light == "green"
    assert member_health(None, net.id, today)[b.id].light == "amber"  # gave 0 < 1


def test_only_managers_set_the_rule(make, db):
    net = make.network()
    member = make.member(net)
    practitioner = make.practitioner(member)
    other = make.user(Role.COORDINATOR, networks=[make.network()])
    from app.refusals import Forbidden, NotFound

    with pytest.raises(Forbidden):
        set_health_rule(practitioner, net.id, {})
    with pytest.raises(NotFound):
        set_health_rule(other, net.id, {})


def test_the_report_counts_health_in_its_own_passes_when_its_period_holds_the_window(
    make, db, monkeypatch
):
    from app.reports import members as member_report
    from app.reports.scope import days_scope
    from app.reports.service import network_report

    net = make.network()
    a, b, c = make.member(net), make.member(net), make.member(net)
    now = utcnow()
    for days, sender, receiver, status in (
        (2, a, b, Status.CLOSED),
        (3, b, a, Status.ACCEPTED),
        (40, a, c, Status.DECLINED),
        (250, c, a, Status.CLOSED),  # before the 6 months: counts for the period only
        (5, b, c, Status.SENT),
    ):
        make.referral(sender, receiver, status, sent_at=now - timedelta(days=days))
    today = now.date()
    alone = member_health(None, net.id, today)
    year = days_scope(net.id, today - timedelta(days=400), today)
    clinical = days_scope(net.id, today - timedelta(days=400), today, kind=ReferralKind.CLINICAL)
    separate = network_report(None, clinical, today)  # a kind: the window is counted apart
    assert {i: h.as_row() for i, h in separate.health.items()} == {
        i: h.as_row() for i, h in alone.items()
    }

    def no_separate_pass(*args, **kw):
        raise AssertionError("the window was counted in a pass of its own")

    monkeypatch.setattr(member_report, "member_figures", no_separate_pass)
    report = network_report(None, year, today)
    assert {i: h.as_row() for i, h in report.health.items()} == {
        i: h.as_row() for i, h in alone.items()
    }
    assert {r.member_id: r.given for r in report.members} == {a.id: 2, b.id: 2, c.id: 1}
    assert report.health[c.id].light != "green"  # gave 0 in the window, 1 in the year
