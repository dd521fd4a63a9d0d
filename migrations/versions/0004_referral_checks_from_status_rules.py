"""referral CHECK constraints generated from the status rules, holding both ways

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00

The old checks only said what a status must carry ("closed has an outcome"); nothing kept
a field out of a status that may not carry it, so a sent referral with closed_at, outcome
or declined_at was accepted. The new ones come from app/referrals/status_rules.py (through
app/models/referral.py stage_field_checks) and hold both ways.

Before any change, the upgrade looks for referrals that break a new check and, if there
are any, stops and names each check and its first referral ids, so they can be mended.
The downgrade needs no such look: every new check implies the old ones it replaces.
"""

from alembic import op
from alembic.util import CommandError
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Copied here as text, not imported: a migration must do tomorrow what it does today,
# whatever the rules table becomes. tests/test_migrations.py compares them with the models.
NEW_CHECKS = {
    "ck_referral_accepted_at_required": "status NOT IN ('accepted', 'scheduled', 'visited', 'closed') OR accepted_at IS NOT NULL",
    "ck_referral_accepted_at_allowed": "status IN ('accepted', 'scheduled', 'visited', 'closed', 'cancelled') OR accepted_at IS NULL",
    "ck_referral_declined_at_by_status": "(status = 'declined') = (declined_at IS NOT NULL)",
    "ck_referral_scheduled_at_required": "status <> 'scheduled' OR scheduled_at IS NOT NULL",
    "ck_referral_scheduled_at_allowed": "status IN ('scheduled', 'visited', 'closed', 'cancelled') OR scheduled_at IS NULL",
    "ck_referral_appointment_at_required": "status <> 'scheduled' OR appointment_at IS NOT NULL",
    "ck_referral_appointment_at_allowed": "status IN ('scheduled', 'visited', 'closed', 'cancelled') OR appointment_at IS NULL",
    "ck_referral_visited_at_by_status": "(status IN ('visited', 'closed')) = (visited_at IS NOT NULL)",
    "ck_referral_closed_at_by_status": "(status = 'closed') = (closed_at IS NOT NULL)",
    "ck_referral_cancelled_at_by_status": "(status = 'cancelled') = (cancelled_at IS NOT NULL)",
    "ck_referral_expired_at_by_status": "(status = 'expired') = (expired_at IS NOT NULL)",
    "ck_referral_valid_until_by_status": "(status IN ('visited', 'closed')) = (valid_until IS NOT NULL)",
    "ck_referral_status_reason_by_status": "(status IN ('declined', 'cancelled', 'expired')) = (status_reason IS NOT NULL)",
    "ck_referral_outcome_by_status": "(status = 'closed') = (outcome IS NOT NULL)",
    "ck_referral_business_value_allowed": "status = 'closed' OR business_value IS NULL",
    "ck_referral_suggested_member_id_allowed": "status = 'declined' OR suggested_member_id IS NULL",
}
# As revision 0001 made them.
OLD_CHECKS = {
    "ck_referral_accepted_has_time": "status NOT IN ('accepted', 'scheduled', 'visited', 'closed') OR (accepted_at IS NOT NULL)",
    "ck_referral_scheduled_has_appointment": "status NOT IN ('scheduled') OR (appointment_at IS NOT NULL)",
    "ck_referral_visit_recorded": "status NOT IN ('visited', 'closed') OR (visited_at IS NOT NULL AND valid_until IS NOT NULL)",
    "ck_referral_closed_has_outcome": "status NOT IN ('closed') OR (closed_at IS NOT NULL AND outcome IS NOT NULL)",
    "ck_referral_declined_has_reason": "status NOT IN ('declined') OR (declined_at IS NOT NULL AND status_reason IS NOT NULL)",
    "ck_referral_cancelled_has_reason": "status NOT IN ('cancelled') OR (cancelled_at IS NOT NULL AND status_reason IS NOT NULL)",
    "ck_referral_expired_has_time": "status NOT IN ('expired') OR (expired_at IS NOT NULL)",
}
SHOWN_IDS = 10


def referrals_breaking(connection, checks):
    """{check name: (how many referrals break it, the first SHOWN_IDS of their ids)}."""
    broken = {}
    for name, condition in checks.items():
        # A CHECK lets NULL through; NOT (NULL) selects nothing, so the two agree.
        where = f"NOT ({condition})"
        count = connection.scalar(sa.text(f"SELECT count(*) FROM referral WHERE {where}"))
        if count:
            ids = connection.scalars(
                sa.text(f"SELECT id FROM referral WHERE {where} ORDER BY id LIMIT {SHOWN_IDS}")
            ).all()
            broken[name] = (count, ids)
    return broken


def _refuse_breaking_rows(checks):
    broken = referrals_breaking(op.get_bind(), checks)
    if not broken:
        return
    lines = [
        f"{len(broken)} of the new referral checks would fail on rows already in the "
        "database; nothing was changed. Mend or remove these referrals, then upgrade again:"
    ]
    for name, (count, ids) in broken.items():
        shown = ", ".join(str(i) for i in ids)
        more = f" and {count - len(ids)} more" if count > len(ids) else ""
        referrals = "referral" if count == 1 else "referrals"
        lines.append(f"  {name} ({checks[name]}): {referrals} {shown}{more}")
    raise CommandError("\n".join(lines))


def upgrade():
    _refuse_breaking_rows(NEW_CHECKS)
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for name in OLD_CHECKS:
            batch_op.drop_constraint(op.f(name), type_="check")
        for name, condition in NEW_CHECKS.items():
            batch_op.create_check_constraint(op.f(name), condition)


def downgrade():
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for name in NEW_CHECKS:
            batch_op.drop_constraint(op.f(name), type_="check")
        for name, condition in OLD_CHECKS.items():
            batch_op.create_check_constraint(op.f(name), condition)
