"""messages on referrals and advice requests: the conversation around a referral

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-26 12:00:00

`message` holds the threads of referrals and of advice requests (exactly one of the two);
`thread_read` how far each user has read each thread (the unread badge); `advice_request`
the questions asked before a referral (asked of a member or of a specialty's pool). A
document may now belong to a message and to an advice request (a conversion gives it to the
referral as well), so `document.referral_id` becomes optional.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "advice_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("asked_member_id", sa.Integer(), nullable=True),
        sa.Column("specialty", sa.String(length=80), nullable=True),
        sa.Column("specialty_key", sa.String(length=80), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "clinical",
                "professional",
                name="referral_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "answered",
                "closed",
                "converted",
                name="advice_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'converted') = (referral_id IS NOT NULL)",
            name=op.f("ck_advice_request_converted_has_referral"),
        ),
        sa.CheckConstraint(
            "(status IN ('closed', 'converted')) = (ended_at IS NOT NULL)",
            name=op.f("ck_advice_request_ended_at_status"),
        ),
        sa.CheckConstraint(
            "status <> 'answered' OR answered_at IS NOT NULL",
            name=op.f("ck_advice_request_answered_has_answered_at"),
        ),
        sa.CheckConstraint(
            "(asked_member_id IS NULL) <> (specialty IS NULL)",
            name=op.f("ck_advice_request_one_adviser"),
        ),
        sa.CheckConstraint(
            "asked_member_id IS NULL OR asked_member_id <> asker_id",
            name=op.f("ck_advice_request_not_self"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["member.id"], name=op.f("fk_advice_request_answered_by_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["asked_member_id"],
            ["member.id"],
            name=op.f("fk_advice_request_asked_member_id_member"),
        ),
        sa.ForeignKeyConstraint(
            ["asker_id"], ["member.id"], name=op.f("fk_advice_request_asker_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_advice_request_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_advice_request_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_advice_request_network_id_network")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_advice_request_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advice_request")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_advice_request_referral_id")),
    )
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_advice_request_asked_member_id_status", ["asked_member_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_advice_request_asker_id_status", ["asker_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_advice_request_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "ix_advice_request_network_id_specialty_key",
            ["network_id", "specialty_key"],
            unique=False,
        )

    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("advice_request_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "side IN ('sender', 'receiver', 'coordinator', 'asker', 'adviser')",
            name=op.f("ck_message_side_known"),
        ),
        sa.CheckConstraint(
            "(referral_id IS NULL) <> (advice_request_id IS NULL)",
            name=op.f("ck_message_one_thread"),
        ),
        sa.ForeignKeyConstraint(
            ["advice_request_id"],
            ["advice_request.id"],
            name=op.f("fk_message_advice_request_id_advice_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_message_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_message_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_message_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_advice_request_id_id", ["advice_request_id", "id"], unique=False
        )
        batch_op.create_index("ix_message_referral_id_id", ["referral_id", "id"], unique=False)

    op.create_table(
        "thread_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("advice_request_id", sa.Integer(), nullable=True),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(referral_id IS NULL) <> (advice_request_id IS NULL)",
            name=op.f("ck_thread_read_one_thread"),
        ),
        sa.ForeignKeyConstraint(
            ["advice_request_id"],
            ["advice_request.id"],
            name=op.f("fk_thread_read_advice_request_id_advice_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_thread_read_referral_id_referral"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_thread_read_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_read")),
        sa.UniqueConstraint(
            "user_id", "advice_request_id", name=op.f("uq_thread_read_user_id_advice_request_id")
        ),
        sa.UniqueConstraint(
            "user_id", "referral_id", name=op.f("uq_thread_read_user_id_referral_id")
        ),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("advice_request_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notification_advice_request_id"), ["advice_request_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_advice_request_id_advice_request"),
            "advice_request",
            ["advice_request_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("advice_request_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch_op.alter_column("referral_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_document_advice_request_id"), ["advice_request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_document_message_id"), ["message_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_document_advice_request_id_advice_request"),
            "advice_request",
            ["advice_request_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_document_message_id_message"),
            "message",
            ["message_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            op.f("ck_document_has_owner"),
            "referral_id IS NOT NULL OR advice_request_id IS NOT NULL",
        )


def downgrade():
    op.execute("DELETE FROM document WHERE referral_id IS NULL")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_document_has_owner"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_document_message_id_message"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_document_advice_request_id_advice_request"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_document_message_id"))
        batch_op.drop_index(batch_op.f("ix_document_advice_request_id"))
        batch_op.alter_column("referral_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("message_id")
        batch_op.drop_column("advice_request_id")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notification_advice_request_id_advice_request"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notification_advice_request_id"))
        batch_op.drop_column("advice_request_id")
    op.drop_table("thread_read")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_referral_id_id")
        batch_op.drop_index("ix_message_advice_request_id_id")

    op.drop_table("message")
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.drop_index("ix_advice_request_network_id_specialty_key")
        batch_op.drop_index(batch_op.f("ix_advice_request_client_id"))
        batch_op.drop_index("ix_advice_request_asker_id_status")
        batch_op.drop_index("ix_advice_request_asked_member_id_status")

    op.drop_table("advice_request")
