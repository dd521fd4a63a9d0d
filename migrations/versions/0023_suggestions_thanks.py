"""suggestions and thanks: members' coordinates, thanks for a referral, the leaderboard setting

`member.latitude` / `member.longitude` (optional, set by an admin) order the accepting
alternatives offered after a decline or an expiry, nearest first. `thanks` holds one note of
thanks per referral and side (the sender thanking the receiver for the care, the receiver
thanking the sender for the client). `network.show_leaderboard` shows the "most thanked /
most completed" table on the network report (off by default: nothing is volume-priced).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-26 15:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_member_coordinates_valid"),
            "(latitude IS NULL AND longitude IS NULL) OR "
            "(abs(latitude) <= 90 AND abs(longitude) <= 180)",
        )
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("show_leaderboard", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("from_member_id", sa.Integer(), nullable=False),
        sa.Column("to_member_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_thanks_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["from_member_id"], ["member.id"], name=op.f("fk_thanks_from_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["to_member_id"], ["member.id"], name=op.f("fk_thanks_to_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_thanks_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thanks")),
        sa.UniqueConstraint(
            "referral_id", "from_member_id", name=op.f("uq_thanks_referral_id_from_member_id")
        ),
    )
    op.create_index("ix_thanks_to_member_id_created_at", "thanks", ["to_member_id", "created_at"])


def downgrade():
    op.drop_index("ix_thanks_to_member_id_created_at", table_name="thanks")
    op.drop_table("thanks")
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.drop_column("show_leaderboard")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_member_coordinates_valid"), type_="check")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
