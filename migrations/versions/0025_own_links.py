"""a member's own link: referrals with no sending member; links whose owner is the target

Revision ID: 0025
Revises: 0023
Create Date: 2026-11-26 18:40:00

Issue 15: "a member's own programme link given to its clients brings friends to that
member". Such a link's owner is its target (the `not_to_owner` check goes), and an intake
through it becomes a referral that no member sent: `referral.sender_id` may be NULL (the
`not_to_self` check still holds: NULL passes it). Reciprocity leaves those referrals out.

The downgrade refuses while such rows exist (it would have to invent a sender).
"""

from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referral_link", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_referral_link_not_to_owner"), type_="check")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.alter_column("sender_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    connection = op.get_bind()
    rows = connection.scalar(sa.text("SELECT count(*) FROM referral WHERE sender_id IS NULL"))
    links = connection.scalar(
        sa.text("SELECT count(*) FROM referral_link WHERE owner_member_id = target_member_id")
    )
    if rows or links:
        raise CommandError(
            f"{rows} referrals have no sender and {links} links are their owner's own: "
            "nothing was changed. Remove them, then downgrade again."
        )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.alter_column("sender_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("referral_link", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_referral_link_not_to_owner"), "owner_member_id <> target_member_id"
        )
