"""referrals counted per network, status and day sent (referral_day_count)

The dashboards and the network lists' tabs read these counts instead of counting every
referral on every view; app/referrals/day_counts.py keeps them in step. The upgrade counts
the referrals already there, so the table starts in step.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

STATUSES = ('sent', 'accepted', 'declined', 'scheduled', 'visited', 'closed', 'cancelled', 'expired')


def upgrade():
    op.create_table('referral_day_count',
    sa.Column('network_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum(*STATUSES, name='status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.CheckConstraint('n >= 0', name=op.f('ck_referral_day_count_n_not_negative')),
    sa.ForeignKeyConstraint(['network_id'], ['network.id'], name=op.f('fk_referral_day_count_network_id_network')),
    sa.PrimaryKeyConstraint('network_id', 'status', 'sent_on', name=op.f('pk_referral_day_count'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        day = "CAST(timezone('UTC', sent_at) AS DATE)"
    else:
        day = 'date(sent_at)'
    op.execute(
        'INSERT INTO referral_day_count (network_id, status, sent_on, n) '
        f'SELECT network_id, status, {day}, count(*) FROM referral '
        f'GROUP BY network_id, status, {day}'
    )


def downgrade():
    op.drop_table('referral_day_count')
