"""The programme form and the small action forms: CSRF, labels and choices; the services
(app/rewards/programmes.py, review.py) check every value."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from app.rewards.programmes import LABELS

REWARDED = [
    SelectChoice("referrer", "The referrer"),
    SelectChoice("client", "The new client"),
    SelectChoice("both", "Both"),
]
STAGES = [
    SelectChoice("lead", "Lead (the client confirmed the intake)"),
    SelectChoice("accepted", "Accepted"),
    SelectChoice("visited", "Visited"),
    SelectChoice("closed", "Closed"),
]
KINDS = [SelectChoice(k.value, label) for k, label in LABELS.items()]
PERIODS = [
    SelectChoice("", "No cap"),
    SelectChoice("month", "Month"),
    SelectChoice("quarter", "Quarter"),
    SelectChoice("year", "Year"),
    SelectChoice("ever", "Ever"),
]


class ProgrammeForm(FlaskForm):
    name = StringField("Name")
    network_id = SelectField("Network", choices=[], description="A programme of the network.")
    owner_member_id = SelectField("Run by", choices=[])
    rewarded = SelectField("Who is rewarded", choices=REWARDED)
    reward_kind = SelectField(
        "Reward",
        choices=KINDS,
        description="On a clinical network only thanks: never money or anything per referral.",
    )
    amount = StringField(
        "Amount", description="Money, a percentage for a discount, or a number of points."
    )
    description = TextAreaField("Description", description="What the reward is, in words.")
    stage = SelectField("Rewarded when the referral is", choices=STAGES, default="closed")
    tier_from = StringField("Tier from conversion", description="From this one on (2 or more)…")
    tier_amount = StringField("Tier amount", description="…this amount instead.")
    cap_count = StringField("Cap per referrer")
    cap_period = SelectField("Cap period", choices=PERIODS)
    credit_expires_days = StringField("Unused credit expires after (days)")
    reverse_within_days = StringField(
        "Reverse if the referral is cancelled within (days)", default="30"
    )
    auto_approve = BooleanField("Approve rewards automatically (when no fraud signal)")
    variant_b_kind = SelectField(
        "Variant B reward (A/B test across links)",
        choices=[SelectChoice("", "No variant B"), *KINDS],
    )
    variant_b_amount = StringField("Variant B amount")
    attribution = SelectField(
        "Attribution",
        choices=[SelectChoice("last", "Last touch"), SelectChoice("first", "First touch")],
    )
    window_days = StringField("Attribution window (days)", default="30")
    leaderboard = BooleanField("Show a leaderboard to the network's members")


class NetworkRewardsForm(FlaskForm):
    monetary_rewards_allowed = BooleanField("Allow rewards worth money")
    reward_disclosure = TextAreaField(
        "Disclosure shown on the intake page",
        description="Required when money is allowed: clients are told that the referrer may "
        "be rewarded (lawyers' and real-estate rules require disclosure or forbid fees).",
    )


class ActionForm(FlaskForm):
    """Approve, pay, pause: CSRF only."""


class NoteActionForm(FlaskForm):
    note = TextAreaField("Reason")
