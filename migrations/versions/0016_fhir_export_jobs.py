"""fhir export jobs: Bulk Data exports asked for at GET /fhir/$export, run by the worker

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 15:30:00
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fhir_export_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("request_url", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total_referrals", sa.Integer(), nullable=True),
        sa.Column("done_referrals", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_fhir_export_job_state_known"),
        ),
        sa.CheckConstraint(
            "done_referrals >= 0", name=op.f("ck_fhir_export_job_done_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_fhir_export_job_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_export_job")),
    )
    with op.batch_alter_table("fhir_export_job", schema=None) as batch_op:
        batch_op.create_index("ix_fhir_export_job_state_id", ["state", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fhir_export_job_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("fhir_export_job")
