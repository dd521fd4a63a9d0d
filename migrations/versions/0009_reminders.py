"""reminders: follow-up rules of a network, the reminder and digest keys, scan indexes

Revision ID: 0009
Revises: 0012
Create Date: 2026-11-26 12:00:00

A reminder's (referral, stage, step) is unique: concurrent ticks and catch-ups insert it once.
A user chooses immediate reminder e-mails or a daily digest. (A network's reminder cadence and
holiday country live in its `deadlines` JSON with the deadlines: no new network column.) Two partial indexes keep the reminder scan to
the referrals that wait for a visit or an outcome.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0012"
branch_labels = None
depends_on = None

# The referrals that wait at each follow-up stage, by network, priority and start of the wait.
WAITING_INDEXES = (
    ("ix_referral_network_id_priority_sent_at_waiting", "sent_at", "status = 'sent'"),
    (
        "ix_referral_network_id_priority_accepted_at_waiting",
        "accepted_at",
        "status = 'accepted' OR status = 'scheduled'",
    ),
    ("ix_referral_network_id_priority_visited_at_waiting", "visited_at", "status = 'visited'"),
)


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reminder_mail", sa.String(length=16), server_default="immediate", nullable=False
            )
        )
        batch_op.create_check_constraint(
            "reminder_mail_choice", "reminder_mail IN ('immediate', 'digest')"
        )
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_reminder_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint(
            "referral_id", "stage", "step", name=op.f("uq_reminder_referral_id_stage_step")
        ),
    )
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reminder_referral_id_final",
            ["referral_id"],
            unique=False,
            postgresql_where=sa.text("final"),
            sqlite_where=sa.text("final"),
        )
    op.create_table(
        "reminder_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_reminder_digest_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_digest")),
        sa.UniqueConstraint("user_id", "day", name=op.f("uq_reminder_digest_user_id_day")),
    )
    op.create_table(
        "followup_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scanned_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("swept_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_mark")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for name, column, where in WAITING_INDEXES:
            batch_op.create_index(
                name,
                ["network_id", "priority", column],
                unique=False,
                postgresql_where=sa.text(where),
                sqlite_where=sa.text(where),
            )


def downgrade():
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for name, _column, _where in reversed(WAITING_INDEXES):
            batch_op.drop_index(name)
    op.drop_table("followup_mark")
    op.drop_table("reminder_digest")
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index("ix_reminder_referral_id_final")
    op.drop_table("reminder")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint("reminder_mail_choice", type_="check")
        batch_op.drop_column("reminder_mail")
