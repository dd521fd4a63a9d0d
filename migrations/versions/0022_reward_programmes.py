"""reward programmes and rewards; networks may allow monetary rewards (off by default)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-26 15:20:00

A programme says who earns what for which conversion of a link's referral; a reward is one
earning, pending → approved → paid or redeemed. On a clinical network a programme and a
reward can only say thanks: CHECK constraints on a `clinical` column copied from the network.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

REWARD_KINDS = ("credit", "discount", "fixed", "points", "service", "thanks")
STAGES = ("lead", "accepted", "visited", "closed")
STATUSES = ("pending", "held", "approved", "paid", "redeemed", "rejected", "reversed", "expired")


def _enum(name, values):
    return sa.Enum(
        *values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(v) for v in values),
    )


def upgrade():
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "monetary_rewards_allowed", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(sa.Column("reward_disclosure", sa.Text(), nullable=True))

    op.create_table(
        "reward_programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("owner_member_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("clinical", sa.Boolean(), nullable=False),
        sa.Column("rewarded", _enum("rewarded", ("referrer", "client", "both")), nullable=False),
        sa.Column("reward_kind", _enum("reward_kind", REWARD_KINDS), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("stage", _enum("conversion_stage", STAGES), nullable=False),
        sa.Column("tier_from", sa.Integer(), nullable=True),
        sa.Column("tier_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("cap_count", sa.Integer(), nullable=True),
        sa.Column(
            "cap_period", _enum("cap_period", ("month", "quarter", "year", "ever")), nullable=True
        ),
        sa.Column("credit_expires_days", sa.Integer(), nullable=True),
        sa.Column("reverse_within_days", sa.Integer(), nullable=False),
        sa.Column("auto_approve", sa.Boolean(), nullable=False),
        sa.Column("variant_b_kind", _enum("variant_b_kind", REWARD_KINDS), nullable=True),
        sa.Column("variant_b_amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("attribution", _enum("touch", ("first", "last")), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("leaderboard", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "clinical = false OR (reward_kind = 'thanks' AND amount IS NULL AND tier_from IS NULL"
            " AND tier_amount IS NULL AND variant_b_kind IS NULL AND variant_b_amount IS NULL"
            " AND cap_count IS NULL AND leaderboard = false)",
            name=op.f("ck_reward_programme_clinical_thanks_only"),
        ),
        sa.CheckConstraint(
            "(reward_kind IN ('credit', 'discount', 'fixed', 'points')) = (amount IS NOT NULL)",
            name=op.f("ck_reward_programme_amount_by_kind"),
        ),
        sa.CheckConstraint(
            "amount IS NULL OR amount > 0", name=op.f("ck_reward_programme_amount_positive")
        ),
        sa.CheckConstraint(
            "reward_kind <> 'discount' OR amount <= 100",
            name=op.f("ck_reward_programme_discount_at_most_100"),
        ),
        sa.CheckConstraint(
            "(tier_from IS NULL) = (tier_amount IS NULL)",
            name=op.f("ck_reward_programme_tier_complete"),
        ),
        sa.CheckConstraint(
            "tier_from IS NULL OR tier_from >= 2", name=op.f("ck_reward_programme_tier_from_second")
        ),
        sa.CheckConstraint(
            "tier_amount IS NULL OR tier_amount > 0",
            name=op.f("ck_reward_programme_tier_amount_positive"),
        ),
        sa.CheckConstraint(
            "(cap_count IS NULL) = (cap_period IS NULL)",
            name=op.f("ck_reward_programme_cap_complete"),
        ),
        sa.CheckConstraint(
            "cap_count IS NULL OR cap_count >= 1",
            name=op.f("ck_reward_programme_cap_count_positive"),
        ),
        sa.CheckConstraint(
            "variant_b_kind IS NOT NULL OR variant_b_amount IS NULL",
            name=op.f("ck_reward_programme_variant_b_has_kind"),
        ),
        sa.CheckConstraint(
            "variant_b_amount IS NULL OR variant_b_amount > 0",
            name=op.f("ck_reward_programme_variant_b_amount_positive"),
        ),
        sa.CheckConstraint(
            "window_days BETWEEN 1 AND 365", name=op.f("ck_reward_programme_window_days_range")
        ),
        sa.CheckConstraint(
            "reverse_within_days BETWEEN 0 AND 365",
            name=op.f("ck_reward_programme_reverse_within_range"),
        ),
        sa.CheckConstraint(
            "credit_expires_days IS NULL OR (credit_expires_days >= 1 AND credit_expires_days <= 3650)",
            name=op.f("ck_reward_programme_credit_expiry_range"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_reward_programme_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_reward_programme_network_id_network")
        ),
        sa.ForeignKeyConstraint(
            ["owner_member_id"],
            ["member.id"],
            name=op.f("fk_reward_programme_owner_member_id_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_programme")),
    )
    op.create_index(
        op.f("ix_reward_programme_network_id_active"), "reward_programme", ["network_id", "active"]
    )
    op.create_index(
        op.f("ix_reward_programme_owner_member_id"), "reward_programme", ["owner_member_id"]
    )

    op.create_table(
        "reward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("clinical", sa.Boolean(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("earner_role", _enum("earner_role", ("referrer", "client")), nullable=False),
        sa.Column("earner_member_id", sa.Integer(), nullable=True),
        sa.Column("earner_client_id", sa.Integer(), nullable=True),
        sa.Column("stage", _enum("conversion_stage", STAGES), nullable=False),
        sa.Column("variant", sa.String(length=1), nullable=False),
        sa.Column("kind", _enum("reward_kind", REWARD_KINDS), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", _enum("reward_status", STATUSES), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=True),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payout_batch", sa.String(length=40), nullable=True),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "clinical = false OR (kind = 'thanks' AND amount IS NULL)",
            name=op.f("ck_reward_clinical_thanks_only"),
        ),
        sa.CheckConstraint(
            "(earner_member_id IS NULL) <> (earner_client_id IS NULL)",
            name=op.f("ck_reward_one_earner"),
        ),
        sa.CheckConstraint("amount IS NULL OR amount > 0", name=op.f("ck_reward_amount_positive")),
        sa.CheckConstraint("variant IN ('A', 'B')", name=op.f("ck_reward_variant_a_or_b")),
        sa.CheckConstraint(
            "status NOT IN ('approved', 'paid', 'redeemed', 'expired') OR approved_at IS NOT NULL",
            name=op.f("ck_reward_approved_at_required"),
        ),
        sa.CheckConstraint(
            "(status = 'paid') = (paid_at IS NOT NULL AND payout_batch IS NOT NULL)",
            name=op.f("ck_reward_paid_by_status"),
        ),
        sa.CheckConstraint(
            "(status = 'redeemed') = (redeemed_at IS NOT NULL)",
            name=op.f("ck_reward_redeemed_by_status"),
        ),
        sa.CheckConstraint(
            "(status = 'reversed') = (reversed_at IS NOT NULL)",
            name=op.f("ck_reward_reversed_by_status"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["user_account.id"],
            name=op.f("fk_reward_approved_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["earner_client_id"], ["client.id"], name=op.f("fk_reward_earner_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["earner_member_id"], ["member.id"], name=op.f("fk_reward_earner_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_reward_network_id_network")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["reward_programme.id"],
            name=op.f("fk_reward_programme_id_reward_programme"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_reward_referral_id_referral")
        ),
        sa.ForeignKeyConstraint(
            ["link_id"], ["referral_link.id"], name=op.f("fk_reward_link_id_referral_link")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward")),
        sa.UniqueConstraint(
            "programme_id",
            "referral_id",
            "earner_role",
            name=op.f("uq_reward_programme_id_referral_id_earner_role"),
        ),
    )
    op.create_index(
        op.f("ix_reward_network_id_status_created_at"),
        "reward",
        ["network_id", "status", "created_at"],
    )
    op.create_index(
        op.f("ix_reward_earner_member_id_status"), "reward", ["earner_member_id", "status"]
    )
    op.create_index(op.f("ix_reward_referral_id"), "reward", ["referral_id"])
    op.create_index(op.f("ix_reward_earner_client_id"), "reward", ["earner_client_id"])
    op.create_index(op.f("ix_reward_link_id"), "reward", ["link_id"])


def downgrade():
    op.drop_table("reward")
    op.drop_table("reward_programme")
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.drop_column("reward_disclosure")
        batch_op.drop_column("monetary_rewards_allowed")
