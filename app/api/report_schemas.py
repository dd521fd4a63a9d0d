"""The reports' API shapes: the query of every report, and what each report returns.

Kept beside app/api/inputs.py and schemas.py (same conventions) so that the report
operations read as one unit; the OpenAPI document is generated from them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import Id, Moment, Money
from app.reports.filters import SORTS
from app.reports.scope import KINDS, PRESETS

Share = float | None


class ReportQuery(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    period: Literal[tuple(PRESETS)] | None = Field(
        None, description="A preset period, or custom with from and to (default last_12_months)."
    )
    from_: date | None = Field(None, alias="from", description="First day (UTC), custom period.")
    to: date | None = Field(None, description="Last day (UTC, inclusive), custom period.")
    kind: Literal[KINDS] | None = Field(None, description="Which referrals (default all).")
    specialty: str | None = Field(
        None, max_length=80, description="Only members with this specialty (members table)."
    )
    sort: Literal[SORTS] | None = Field(None, description="Order of the members table.")
    dir: Literal["asc", "desc"] | None = Field(None, description="Ascending or descending.")


class Period(BaseModel):
    first_day: date
    last_day: date
    kind: Literal[KINDS]


class MemberFigures(BaseModel):
    member_id: Id
    member_name: str
    given: int
    received: int
    balance: int
    give_share: Share = Field(description="given / (given + received); null when both are 0.")
    active: bool
    accepted: int = Field(description="Of the referrals received, how many were accepted.")
    visited: int
    closed: int
    median_hours_to_answer: float | None
    median_hours_to_visit: float | None
    median_hours_to_close: float | None
    value_given: Money | None = Field(
        description="Closed-business value of the professional referrals it gave."
    )
    accepted_rate: Share = Field(description="accepted / received")
    visited_rate: Share = Field(description="visited / accepted")
    closed_rate: Share = Field(description="closed / visited")
    closed_loop_rate: Share = Field(description="closed / received")
    health: Literal["green", "amber", "red"] | None
    health_reasons: str


class MemberTable(BaseModel):
    period: Period
    items: list[MemberFigures]


class Month(BaseModel):
    month: str = Field(description="YYYY-MM (UTC)")
    sent: int
    closed: int
    closed_loop_rate: Share


class NetworkFigures(BaseModel):
    period: Period
    sent: int
    accepted: int
    visited: int
    closed: int
    declined: int
    cancelled: int
    expired: int
    reciprocal: int = Field(description="Σ over pairs of 2·min(a→b, b→a).")
    active_members: int
    givers: int
    receivers: int
    gini_received: float | None
    value: Money | None
    accepted_rate: Share
    visited_rate: Share
    closed_rate: Share
    closed_loop_rate: Share
    reciprocity: Share = Field(description="reciprocal / sent")
    months: list[Month]


class Pair(BaseModel):
    a_id: Id
    a_name: str
    b_id: Id
    b_name: str
    a_to_b: int
    b_to_a: int
    total: int
    balance: int = Field(description="a_to_b - b_to_a")


class PairTable(BaseModel):
    period: Period
    items: list[Pair]


class Partner(BaseModel):
    partner_id: Id
    partner_name: str
    you_sent: int = Field(description="Referrals the member sent this partner.")
    they_sent: int = Field(description="Referrals this partner sent the member.")
    balance: int


class BalanceMonth(BaseModel):
    month: str
    given: int
    received: int
    balance_to_date: int


class PartnerTable(BaseModel):
    period: Period
    items: list[Partner]
    months: list[BalanceMonth]


class SuggestionQuery(BaseModel):
    specialty: str = Field(min_length=1, max_length=80, description="The specialty wanted.")


class Suggestion(BaseModel):
    member_id: Id
    member_name: str
    city: str | None
    score: int = Field(description="Points of the documented score (docs/reports.md).")
    reasons: list[str] = Field(description="What the score is made of, in words.")
    distance_km: float | None = Field(description="From the sender, when both have coordinates.")


class SuggestionList(BaseModel):
    specialty: str
    items: list[Suggestion]


class Thanks(BaseModel):
    """A note of thanks on a closed referral (recognition only)."""

    id: Id
    referral_id: Id
    from_member_id: Id = Field(description="The side that thanks.")
    to_member_id: Id = Field(description="The side thanked.")
    note: str
    created_at: Moment
