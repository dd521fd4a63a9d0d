"""waiting indexes carry the snooze column: overdue counts stay index-only

Revision ID: 0024
Revises: 0015
Create Date: 2026-11-26 15:30:00

0015 added `followup_snoozed_until`, which every overdue query tests; the waiting indexes of
0009 did not carry it, so each count went back to the table for every waiting referral
(the admin dashboard at 1M referrals: 340 ms). Each index gains the column as its last key.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0015"
branch_labels = None
depends_on = None

WAITING_INDEXES = (
    ("ix_referral_network_id_priority_sent_at_waiting", "sent_at", "status = 'sent'"),
    (
        "ix_referral_network_id_priority_accepted_at_waiting",
        "accepted_at",
        "status = 'accepted' OR status = 'scheduled'",
    ),
    ("ix_referral_network_id_priority_visited_at_waiting", "visited_at", "status = 'visited'"),
)


def _rebuild(extra: list[str]) -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for name, column, where in WAITING_INDEXES:
            batch_op.drop_index(name)
            batch_op.create_index(
                name,
                ["network_id", "priority", column, *extra],
                unique=False,
                postgresql_where=sa.text(where),
                sqlite_where=sa.text(where),
            )


def upgrade():
    _rebuild(["followup_snoozed_until"])


def downgrade():
    _rebuild([])
