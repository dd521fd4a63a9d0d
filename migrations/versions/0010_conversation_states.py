"""conversation states: info_requested, the sender's waiting time

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-26 12:30:00

The receiver may ask the sender for more information (`request-info`): the referral waits
in a status of its own, `info_requested`, with the question and when it was asked, until
the sender answers (`provide-info`, back to `sent`). `sender_wait_seconds` adds up the time
referrals waited on their senders, so that the receiver's answer clock can leave it out.

The status columns (referral, referral_event, referral_day_count) store the enum's value
in a VARCHAR with a CHECK of the allowed values: both grow to take `info_requested`.
The downgrade refuses while any referral or event is in the new status.
"""

from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

# Copied as text, not imported (a migration must do tomorrow what it does today).
OLD_STATUSES = (
    "sent", "accepted", "declined", "scheduled", "visited", "closed", "cancelled", "expired",
)  # fmt: skip
NEW_STATUSES = (
    "sent", "info_requested", "accepted", "declined", "scheduled", "visited", "closed",
    "cancelled", "expired",
)  # fmt: skip
# (table, column, nullable): every column that holds a referral status.
STATUS_COLUMNS = (
    ("referral", "status", False),
    ("referral_event", "from_status", True),
    ("referral_event", "to_status", False),
    ("referral_day_count", "status", False),
)
NEW_REFERRAL_CHECKS = {
    "ck_referral_info_requested_at_required": "status <> 'info_requested' OR info_requested_at IS NOT NULL",
    "ck_referral_info_requested_at_allowed": "status IN ('info_requested', 'cancelled') OR info_requested_at IS NULL",
    "ck_referral_info_question_required": "status <> 'info_requested' OR info_question IS NOT NULL",
    "ck_referral_info_question_allowed": "status IN ('info_requested', 'cancelled') OR info_question IS NULL",
    "ck_referral_sender_wait_not_negative": "sender_wait_seconds >= 0",
}


def _in(column: str, values) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


def _status_columns(statuses, length_from: int, length_to: int) -> None:
    for table, column, nullable in STATUS_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
            batch_op.alter_column(
                column,
                existing_type=sa.String(length=length_from),
                type_=sa.String(length=length_to),
                existing_nullable=nullable,
            )
            batch_op.create_check_constraint(op.f(f"ck_{table}_{column}"), _in(column, statuses))


def upgrade():
    _status_columns(NEW_STATUSES, 9, 14)
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("info_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("info_question", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("sender_wait_seconds", sa.Integer(), server_default="0", nullable=False)
        )
        for name, condition in NEW_REFERRAL_CHECKS.items():
            batch_op.create_check_constraint(op.f(name), condition)


def downgrade():
    connection = op.get_bind()
    waiting = connection.scalar(
        sa.text(
            "SELECT count(*) FROM referral WHERE status = 'info_requested' OR id IN "
            "(SELECT referral_id FROM referral_event WHERE to_status = 'info_requested')"
        )
    )
    if waiting:
        raise CommandError(
            f"{waiting} referrals are or were waiting for information (info_requested), "
            "which revision 0007 cannot hold; nothing was changed."
        )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for name in NEW_REFERRAL_CHECKS:
            batch_op.drop_constraint(op.f(name), type_="check")
        batch_op.drop_column("sender_wait_seconds")
        batch_op.drop_column("info_question")
        batch_op.drop_column("info_requested_at")
    op.execute("DELETE FROM referral_day_count WHERE status = 'info_requested'")
    _status_columns(OLD_STATUSES, 14, 9)
