"""outbox delivery: leases, backoff and giving up

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 12:10:00

A deliverer claims an outbox row with a lease (`claimed_by`, `claimed_until`) before it
talks to SMTP, so that two deliverers never send one message; a failed send waits until
`next_attempt_at`; a message given up carries `failed_at` (admins see it and may retry).
Messages the old code had given up (5 attempts, never sent) are marked failed.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_outbox_message_failed_at", ["failed_at"], unique=False)
    op.execute(
        "UPDATE outbox_message SET failed_at = CURRENT_TIMESTAMP "
        "WHERE sent_at IS NULL AND attempts >= 5"
    )


def downgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_failed_at")
        batch_op.drop_column("failed_at")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("next_attempt_at")
