"""the client kept informed: consent to be contacted, the client's link, e-mail attachments

Revision ID: 0012
Revises: 0014
Create Date: 2026-11-26 12:10:00

`client.contact_consent` (false for every client so far: nobody agreed yet), one
`client_link` row per referral whose client may be contacted (the nonce its signed links
carry, and the client's reply), and `outbox_message.attachments` (the .ics appointment).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachments", sa.JSON(), nullable=True))
    op.create_table(
        "client_link",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply", sa.String(length=16), nullable=True),
        sa.Column("reply_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply_message", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_client_link_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_client_link")),
    )


def downgrade():
    op.drop_table("client_link")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("attachments")
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("contact_consent")
