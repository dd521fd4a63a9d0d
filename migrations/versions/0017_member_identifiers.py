"""member identifiers: members named by other systems' identifiers; imported referrals' ids

Revision ID: 0017
Revises: 0020
Create Date: 2026-11-26 15:30:00

FHIR import (issue 13) matches the sender and receiver of an incoming referral by identifier
(an NPI…), and finds a referral posted twice by the identifier its sender gave it.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_member_identifier_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_identifier")),
        sa.UniqueConstraint("system", "value", name=op.f("uq_member_identifier_system_value")),
    )
    op.create_index(
        op.f("ix_member_identifier_member_id"), "member_identifier", ["member_id"], unique=False
    )
    op.create_table(
        "referral_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_referral_identifier_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["member.id"], name=op.f("fk_referral_identifier_sender_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_identifier")),
        sa.UniqueConstraint(
            "sender_id", "system", "value", name=op.f("uq_referral_identifier_sender_id_system_value")
        ),
    )
    op.create_index(
        op.f("ix_referral_identifier_referral_id"),
        "referral_identifier",
        ["referral_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_referral_identifier_referral_id"), table_name="referral_identifier")
    op.drop_table("referral_identifier")
    op.drop_index(op.f("ix_member_identifier_member_id"), table_name="member_identifier")
    op.drop_table("member_identifier")
