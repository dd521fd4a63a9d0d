"""Setting up a reward programme: who may, what it may carry, and the compliance rules.

One rule, here and in the database (app/models/programme.py CLINICAL_THANKS_ONLY): a
programme on a clinical (or mixed) network carries nothing worth money and nothing per
volume — it says thanks. A professional network allows rewards worth money only when its
coordinators turned `monetary_rewards_allowed` on; the intake page then shows the
network's disclosure (app/rewards/disclosure.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from app import fields as f
from app.audit.service import record
from app.auth.policy import NO_ACCESS, manages_network
from app.extensions import db
from app.models import Member, Network, Programme, ReferralLink, Role, User
from app.models.programme import (
    AMOUNT_KINDS,
    MONETARY_KINDS,
    CapPeriod,
    ConversionStage,
    Rewarded,
    RewardKind,
    Touch,
)
from app.refusals import Forbidden, Invalid, NotFound

DEFAULT_TOUCH, DEFAULT_WINDOW_DAYS = Touch.LAST, 30

CLINICAL_REFUSAL = (
    "A clinical network's programme can only say thanks: paying or rewarding clinical "
    "referrals with anything of value, or per referral, is against the law in many places "
    "(anti-kickback rules)."
)
MONETARY_REFUSAL = (
    "This network does not allow rewards worth money (credit, discount, fixed amount, "
    "service). Its coordinators can allow them, with a disclosure shown to clients."
)

LABELS = {
    RewardKind.CREDIT: "Account credit",
    RewardKind.DISCOUNT: "Discount (%)",
    RewardKind.FIXED: "Fixed amount",
    RewardKind.POINTS: "Points",
    RewardKind.SERVICE: "A service",
    RewardKind.THANKS: "Thanks (recognition only)",
}


@dataclass
class ProgrammeInput:
    """What a form, the API or a test gives; every value is checked here."""

    name: object = None
    network_id: object = None
    owner_member_id: object = None
    rewarded: object = Rewarded.REFERRER.value
    reward_kind: object = None
    amount: object = None
    description: object = None
    stage: object = ConversionStage.CLOSED.value
    tier_from: object = None
    tier_amount: object = None
    cap_count: object = None
    cap_period: object = None
    credit_expires_days: object = None
    reverse_within_days: object = 30
    auto_approve: object = False
    variant_b_kind: object = None
    variant_b_amount: object = None
    attribution: object = DEFAULT_TOUCH.value
    window_days: object = DEFAULT_WINDOW_DAYS
    leaderboard: object = False


def _choice(problems, name, value, enum_cls, label, *, required=True):
    if value is None or value == "":
        if required:
            problems[name] = f"{label} is required."
        return None
    try:
        return enum_cls(value)
    except ValueError:
        choices = ", ".join(v.value for v in enum_cls)
        problems[name] = f"{label} must be one of: {choices}."
        return None


def _count(problems, name, value, label, low, high, *, required=False):
    """A programme setting: a whole number within bounds, optional unless said."""
    return f.whole_number(problems, name, value, label=label, low=low, high=high, required=required)


def _flag(value) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true", "on", "y"))


def _amount(problems, name, value, kind, label):
    amount = f.money(problems, name, value, label=label)
    if name in problems or kind is None:
        return None
    if kind in AMOUNT_KINDS:
        if amount is None or amount <= 0:
            problems[name] = f"{label} is required and more than 0 for {LABELS[kind].lower()}."
            return None
        if kind == RewardKind.DISCOUNT and amount > 100:
            problems[name] = f"{label}: a discount is at most 100%."
            return None
        return amount
    if amount is not None:
        problems[name] = f"{label}: {LABELS[kind].lower()} carries no amount."
    return None


def _owner_and_network(
    actor: User, given: ProgrammeInput, problems
) -> tuple[Member | None, Network | None]:
    """The owning member (practitioners: one they act for) and the network."""
    owner = None
    if given.owner_member_id not in (None, ""):
        owner_id = f.integer(problems, "owner_member_id", given.owner_member_id, label="Member")
        owner = db.session.get(Member, owner_id) if owner_id else None
        if owner_id and owner is None:
            raise NotFound(NO_ACCESS)
    elif actor is not None and actor.role == Role.PRACTITIONER:
        if len(actor.members) != 1:
            problems["owner_member_id"] = "Choose the member that runs the programme."
            return None, None
        owner = actor.members[0]
    if owner is not None:
        network = owner.network
    else:
        network_id = f.integer(problems, "network_id", given.network_id, label="Network")
        network = db.session.get(Network, network_id) if network_id else None
        if network_id and network is None:
            raise NotFound(NO_ACCESS)
    return owner, network


def may_run(actor: User | None, network_id: int, owner_member_id: int | None) -> bool:
    """Coordinators (and admins) run any programme of their networks; a practitioner the
    programmes of the members it acts for."""
    if manages_network(actor, network_id):
        return True
    return (
        owner_member_id is not None
        and actor.role == Role.PRACTITIONER
        and owner_member_id in actor.member_ids
    )


def compliance_problems(network: Network, kind, values: dict) -> f.FieldProblems:
    """What the network's rules forbid in these values; empty when the programme may run."""
    problems = f.FieldProblems()
    if network.is_clinical:
        if kind is not None and kind != RewardKind.THANKS:
            problems["reward_kind"] = CLINICAL_REFUSAL
        per_volume = ("tier_from", "tier_amount", "cap_count", "variant_b_kind", "amount")
        for name in per_volume:
            if values.get(name) is not None and name not in problems:
                problems[name] = CLINICAL_REFUSAL
        if values.get("leaderboard"):
            problems["leaderboard"] = (
                "A clinical network ranks nobody by the number of referrals they bring."
            )
        return problems
    if not network.monetary_rewards_allowed:
        for name in ("reward_kind", "variant_b_kind"):
            if values.get(name) in MONETARY_KINDS:
                problems[name] = MONETARY_REFUSAL
    return problems


def set_up_programme(actor: User | None, given: ProgrammeInput) -> Programme:
    """A new active programme, or Invalid (422) naming each field that is wrong or that
    the network's rules forbid; Forbidden when the actor may not run it."""
    problems = f.FieldProblems()
    owner, network = _owner_and_network(actor, given, problems)
    if network is not None and not may_run(actor, network.id, owner.id if owner else None):
        raise Forbidden("Only the network's coordinators or the member's own users can do this.")
    name = f.text(problems, "name", given.name, label="Name", required=True, max_len=120)
    kind = _choice(problems, "reward_kind", given.reward_kind, RewardKind, "Reward")
    values = {
        "rewarded": _choice(problems, "rewarded", given.rewarded, Rewarded, "Who is rewarded"),
        "reward_kind": kind,
        "amount": _amount(problems, "amount", given.amount, kind, "Amount"),
        "description": f.text(
            problems,
            "description",
            given.description,
            label="Description",
            required=kind == RewardKind.SERVICE,
            max_len=500,
            multiline=True,
        ),
        "stage": _choice(problems, "stage", given.stage, ConversionStage, "Conversion"),
        "tier_from": _count(problems, "tier_from", given.tier_from, "Tier from", 2, 10_000),
        "tier_amount": f.money(problems, "tier_amount", given.tier_amount, label="Tier amount"),
        "cap_count": _count(problems, "cap_count", given.cap_count, "Cap", 1, 100_000),
        "cap_period": _choice(
            problems, "cap_period", given.cap_period, CapPeriod, "Cap period", required=False
        ),
        "credit_expires_days": _count(
            problems, "credit_expires_days", given.credit_expires_days, "Expiry (days)", 1, 3650
        ),
        "reverse_within_days": _count(
            problems,
            "reverse_within_days",
            given.reverse_within_days,
            "Reversal window (days)",
            0,
            365,
            required=True,
        ),
        "auto_approve": _flag(given.auto_approve),
        "variant_b_kind": _choice(
            problems,
            "variant_b_kind",
            given.variant_b_kind,
            RewardKind,
            "Variant B",
            required=False,
        ),
        "attribution": _choice(problems, "attribution", given.attribution, Touch, "Attribution"),
        "window_days": _count(
            problems, "window_days", given.window_days, "Window (days)", 1, 365, required=True
        ),
        "leaderboard": _flag(given.leaderboard),
    }
    values["variant_b_amount"] = _amount(
        problems,
        "variant_b_amount",
        given.variant_b_amount,
        values["variant_b_kind"],
        "Variant B amount",
    )
    if (values["tier_from"] is None) != (values["tier_amount"] is None):
        problems.setdefault("tier_amount", "Give both the tier's first conversion and its amount.")
    if values["tier_amount"] is not None and kind not in AMOUNT_KINDS:
        problems.setdefault("tier_amount", "Only a reward with an amount has tiers.")
    if values["tier_amount"] is not None and values["tier_amount"] <= 0:
        problems.setdefault("tier_amount", "Tier amount must be more than 0.")
    if (values["cap_count"] is None) != (values["cap_period"] is None):
        problems.setdefault("cap_period", "Give both the cap and its period.")
    if network is not None:
        # The compliance refusal wins over any other message of the same field.
        problems.update(compliance_problems(network, kind, values))
    if problems:
        raise Invalid("The programme could not be set up. Check the fields.", problems)
    programme = Programme(
        network_id=network.id,
        owner_member_id=owner.id if owner else None,
        created_by_id=actor.id if actor else None,
        name=name,
        clinical=network.is_clinical,
        **values,
    )
    db.session.add(programme)
    db.session.flush()
    apply_attribution(programme)
    record("create", "reward_programme", programme.id, user=actor)
    return programme


def apply_attribution(programme: Programme) -> int:
    """The programme's touch and window on the links of its scope (the network's, or those
    to the member that runs it); how many links. Links made later read attribution_rule."""
    scope = [ReferralLink.network_id == programme.network_id]
    if programme.owner_member_id is not None:
        scope.append(ReferralLink.target_member_id == programme.owner_member_id)
    changed = db.session.execute(
        update(ReferralLink)
        .where(*scope)
        .values(touch=programme.attribution, window_days=programme.window_days)
        .execution_options(synchronize_session="fetch")
    )
    return changed.rowcount


def programme_for(actor: User | None, programme_id: int) -> Programme:
    """A programme the actor may see (its network); NotFound otherwise."""
    programme = db.session.get(Programme, programme_id)
    if programme is None or not (
        actor is None or actor.role == Role.ADMIN or programme.network_id in actor.network_ids
    ):
        raise NotFound(NO_ACCESS)
    return programme


def set_active(actor: User | None, programme: Programme, active: bool) -> Programme:
    if not may_run(actor, programme.network_id, programme.owner_member_id):
        raise Forbidden("Only the network's coordinators or the member's own users can do this.")
    programme.active = active
    record("resume" if active else "pause", "reward_programme", programme.id, user=actor)
    return programme


def visible_programmes(actor: User, network_id: int | None = None) -> list[Programme]:
    query = select(Programme).order_by(Programme.network_id, Programme.name, Programme.id)
    if actor.role != Role.ADMIN:
        query = query.where(Programme.network_id.in_(actor.network_ids))
    if network_id is not None:
        query = query.where(Programme.network_id == network_id)
    return list(db.session.scalars(query))


def programmes_for(network_id: int, receiver_id: int, stage: ConversionStage) -> list[Programme]:
    """The active programmes a conversion of a referral to `receiver_id` counts for: the
    network's own and the receiver's."""
    query = select(Programme).where(
        Programme.network_id == network_id,
        Programme.active.is_(True),
        Programme.stage == stage,
        (Programme.owner_member_id.is_(None)) | (Programme.owner_member_id == receiver_id),
    )
    return list(db.session.scalars(query.order_by(Programme.id)))


def attribution_rule(network_id: int, target_member_id: int | None) -> tuple[str, int]:
    """First or last touch and the window in days that attribution of a referral to this
    target uses: the target's own active programme first, then the network's, else the
    default (last touch, 30 days)."""
    query = select(Programme.attribution, Programme.window_days).where(
        Programme.network_id == network_id,
        Programme.active.is_(True),
        (Programme.owner_member_id.is_(None)) | (Programme.owner_member_id == target_member_id),
    )
    # The member's own programme (owner not null) before the network's.
    row = db.session.execute(
        query.order_by(Programme.owner_member_id.is_(None), Programme.id).limit(1)
    ).first()
    if row is None:
        return DEFAULT_TOUCH.value, DEFAULT_WINDOW_DAYS
    return Touch(row.attribution).value, row.window_days


def money_kind(kind: RewardKind | None) -> bool:
    return kind in MONETARY_KINDS


def tier_amount_for(programme: Programme, nth: int, base: Decimal | None) -> Decimal | None:
    if programme.tier_from is not None and nth >= programme.tier_from:
        return programme.tier_amount
    return base
