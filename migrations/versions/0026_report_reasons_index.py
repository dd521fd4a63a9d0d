"""report reasons from indexes: the coded events, and a network's referrals with their ids

The network report counts the decline, cancel and no-show events that carry a reason code
of the referrals it covers. At a million referrals that join read every coded event's
referral by primary key (242,000 lookups, 1.2 s on a busy machine). Now:

- `ix_referral_event_reason`: a partial index of the coded events alone (referral_id,
  action, reason_code), read whole without the table;
- `ix_referral_network_id_sent_at` carries `id` and `kind` (PostgreSQL INCLUDE), so the
  network's referrals of the period come from the index alone and the two meet in a hash
  join;
- PostgreSQL: statistics on (action, reason_code) together, without which the planner takes
  the two conditions as independent, expects a fifteenth of the coded events, and keeps
  the nested loop.

Indexes and statistics are kept by the database itself: nothing to rebuild.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-26 18:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

STATISTICS = "st_referral_event_action_reason_code"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.create_index(
        "ix_referral_event_reason",
        "referral_event",
        ["referral_id", "action", "reason_code"],
        unique=False,
        postgresql_where=sa.text("reason_code IS NOT NULL"),
        sqlite_where=sa.text("reason_code IS NOT NULL"),
    )
    if _postgres():
        op.drop_index("ix_referral_network_id_sent_at", table_name="referral")
        op.create_index(
            "ix_referral_network_id_sent_at",
            "referral",
            ["network_id", "sent_at"],
            unique=False,
            postgresql_include=["id", "kind"],
        )
        op.execute(f"CREATE STATISTICS {STATISTICS} (mcv) ON action, reason_code FROM referral_event")
        op.execute("ANALYZE referral_event")


def downgrade():
    if _postgres():
        op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
        op.drop_index("ix_referral_network_id_sent_at", table_name="referral")
        op.create_index(
            "ix_referral_network_id_sent_at", "referral", ["network_id", "sent_at"], unique=False
        )
    op.drop_index("ix_referral_event_reason", table_name="referral_event")
