"""conversation states: info_requested, the sender's waiting time, reason codes, reopening

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 12:30:00

The receiver may ask the sender for more information (`request-info`): the referral waits
in a status of its own, `info_requested`, with the question and when it was asked, until
the sender answers (`provide-info`, back to `sent`). `sender_wait_seconds` adds up the time
referrals waited on their senders, so that the receiver's answer clock can leave it out.

The status columns (referral, referral_event, referral_day_count) store the enum's value
in a VARCHAR with a CHECK of the allowed values: both grow to take `info_requested`.
Declines, cancellations and missed visits carry a reason code from a short list
(`reason_code` on the referral and on its event). Referrals declined (but not forwarded)
or cancelled before this revision get the code `other`: their text stays as it was; their
events keep no code.

A network says for how many days a closed or cancelled referral may be reopened
(`network.reopen_within_days`, 30 by default).

The downgrade refuses while any referral or event is in the new status.
"""

from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
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
    "ck_referral_reason_code_allowed": "status IN ('declined', 'cancelled') OR reason_code IS NULL",
}
REASON_CODES = (
    "no_capacity", "outside_service_area", "not_eligible", "missing_information",
    "wrong_specialty", "client_declined", "client_unreachable", "other",
)  # fmt: skip
# A forward is stored as a decline whose copy links back: it has no reason code.
CODE_OLD_REASONS = (
    "UPDATE referral SET reason_code = 'other' WHERE status = 'cancelled' OR "
    "(status = 'declined' AND NOT EXISTS "
    "(SELECT 1 FROM referral AS copy WHERE copy.forwarded_from_id = referral.id))"
)


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
        batch_op.add_column(sa.Column("reason_code", sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_referral_reason_code"), _in("reason_code", REASON_CODES)
        )
        for name, condition in NEW_REFERRAL_CHECKS.items():
            batch_op.create_check_constraint(op.f(name), condition)
    op.execute(CODE_OLD_REASONS)
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reopen_within_days", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_network_reopen_within_days_range"), "reopen_within_days BETWEEN 1 AND 365"
        )
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_code", sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_referral_event_reason_code"), _in("reason_code", REASON_CODES)
        )


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
    with op.batch_alter_table("network", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_network_reopen_within_days_range"), type_="check")
        batch_op.drop_column("reopen_within_days")
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_referral_event_reason_code"), type_="check")
        batch_op.drop_column("reason_code")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for name in NEW_REFERRAL_CHECKS:
            batch_op.drop_constraint(op.f(name), type_="check")
        batch_op.drop_constraint(op.f("ck_referral_reason_code"), type_="check")
        batch_op.drop_column("reason_code")
        batch_op.drop_column("sender_wait_seconds")
        batch_op.drop_column("info_question")
        batch_op.drop_column("info_requested_at")
    op.execute("DELETE FROM referral_day_count WHERE status = 'info_requested'")
    _status_columns(OLD_STATUSES, 14, 9)
