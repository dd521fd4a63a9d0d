"""worklist: a referral's follow-up may be snoozed until a moment

Revision ID: 0015
Revises: 0010
Create Date: 2026-11-26 14:00:00

A coordinator sets a referral's follow-up aside until a date (the worklist's "snooze"): until
then it is not overdue on any page and the reminder engine sends it nothing.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("followup_snoozed_until", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("followup_snoozed_until")
