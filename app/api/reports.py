"""Reports in the API: the same services and figures as the report page and its downloads."""

from __future__ import annotations

from flask import request

from app import fields as f
from app.api import report_schemas as shapes
from app.api.auth import api_user
from app.api.body import json_object
from app.api.errors import invalid
from app.api.idempotency import answer, idempotent
from app.api.inputs import NewThanks, validated
from app.api.registry import operation
from app.api.serialize import as_json
from app.models import utcnow
from app.reports import service
from app.reports.filters import Filters, read_filters, sorted_rows
from app.reports.tables import member_rows
from app.reports.thanks import thank

NETWORK_ID = "<int(min=1, max=2147483647):network_id>"
MEMBER_ID = "<int(min=1, max=2147483647):member_id>"
NETWORK_REPORT = {
    "errors": (403, 404, 422),
    "query": shapes.ReportQuery,
    "description": "Coordinators of the network and admins. Definitions: docs/reports.md.",
}


def _filters() -> Filters:
    filters, problems = read_filters(request.args, utcnow().date())
    if problems:
        raise invalid(problems, "The report could not be made. Check the parameters.")
    return filters


def _period(filters: Filters) -> shapes.Period:
    return shapes.Period(first_day=filters.first, last_day=filters.last, kind=filters.kind)


@operation(
    "GET",
    f"/reports/networks/{NETWORK_ID}/members",
    "getNetworkMembersReport",
    summary="Each member's given, received, balance, funnel, timing and health",
    answer=(200, shapes.MemberTable, "The members table."),
    **NETWORK_REPORT,
)
def network_members(network_id: int):
    filters = _filters()
    scope = filters.scope(network_id)
    rows, health = service.member_table_and_health(api_user(), scope, utcnow().date())
    ordered = sorted_rows(rows, health, filters.sort, filters.descending)
    items = [shapes.MemberFigures(**row) for row in member_rows(None, health, ordered)]
    return as_json(shapes.MemberTable(period=_period(filters), items=items))


@operation(
    "GET",
    f"/reports/networks/{NETWORK_ID}/figures",
    "getNetworkFigures",
    summary="Totals, funnel, closed-loop rate, reciprocity, Gini of received, by month",
    answer=(200, shapes.NetworkFigures, "The network's figures."),
    **NETWORK_REPORT,
)
def network_figures(network_id: int):
    filters = _filters()
    figures = service.network_summary(api_user(), filters.scope(network_id))
    months = [shapes.Month(**m.as_row()) for m in figures.months]
    return as_json(
        shapes.NetworkFigures(period=_period(filters), months=months, **figures.as_dict())
    )


@operation(
    "GET",
    f"/reports/networks/{NETWORK_ID}/pairs",
    "getNetworkPairs",
    summary="The pairs of members that exchanged most referrals, both directions",
    answer=(200, shapes.PairTable, "Top pairs, most exchanged first."),
    **NETWORK_REPORT,
)
def network_pairs(network_id: int):
    filters = _filters()
    found = service.top_pairs(api_user(), filters.scope(network_id))
    items = [shapes.Pair(**p.as_row()) for p in found]
    return as_json(shapes.PairTable(period=_period(filters), items=items))


@operation(
    "GET",
    f"/reports/members/{MEMBER_ID}/partners",
    "getMemberPartners",
    summary="What a member exchanged with each other member, and its balance by month",
    answer=(200, shapes.PartnerTable, "Partners, most exchanged first."),
    errors=(403, 404, 422),
    query=shapes.ReportQuery,
    description="The member's own users, its network's coordinators and admins.",
)
def member_partners(member_id: int):
    filters = _filters()
    scope = filters.scope(None)
    kind = scope.kind
    found = service.member_partners(api_user(), member_id, scope.start, scope.end, kind)
    months = service.member_balance(api_user(), member_id, scope.start, scope.end, kind)
    return as_json(
        shapes.PartnerTable(
            period=_period(filters),
            items=[shapes.Partner(**p.as_row()) for p in found],
            months=[shapes.BalanceMonth(**m.as_row()) for m in months],
        )
    )


@operation(
    "GET",
    f"/reports/members/{MEMBER_ID}/suggestions",
    "getSendSuggestions",
    summary="Whom the member might send a client of a specialty to, best score first",
    answer=(200, shapes.SuggestionList, "Up to five accepting members, with the reasons."),
    errors=(403, 404, 422),
    query=shapes.SuggestionQuery,
    description="The member's own users. The score: docs/reports.md, Suggestions.",
)
def send_suggestions(member_id: int):
    service.suggestions_sender(api_user(), member_id)  # who may ask, before what is asked
    terms, problems = f.search_terms(request.args, ("specialty",), max_len=80)
    specialty = terms["specialty"]
    if not problems and not specialty:
        problems["specialty"] = "Give the specialty wanted."
    if problems:
        raise invalid(problems, "No suggestions: check the specialty.")
    found = service.send_suggestions(api_user(), member_id, specialty)
    return as_json(
        shapes.SuggestionList(
            specialty=specialty, items=[shapes.Suggestion(**s.as_row()) for s in found]
        )
    )


@operation(
    "POST",
    "/referrals/<int(min=1, max=2147483647):referral_id>/thanks",
    "thankForReferral",
    summary="Thank the other side of a closed referral (once a side)",
    answer=(201, shapes.Thanks, "The thanks; the other side is told."),
    errors=(400, 403, 404, 409, 413, 415, 422),
    body=NewThanks,
    idempotent=True,
    description="The sender's or the receiver's practitioners, once the referral is closed; "
    "a second thanks from the same side is 422. Recognition only: nothing is paid or counted "
    "for a reward. Definitions: docs/reports.md, Thanks and recognition.",
)
@idempotent
def thank_for_referral(referral_id: int):
    body = validated(NewThanks, json_object())
    given = thank(api_user(), referral_id, body.note)
    out = shapes.Thanks.model_validate(given, from_attributes=True)
    return answer(as_json(out), 201, is_referral=False)
