"""reports: a covering index for the reciprocity reports; each network's health rule

The network report groups a network's referrals by receiver (and by sender, month and
pair) over a period. The index on (network_id, receiver_id, sent_at), carrying the few
columns the figures read (PostgreSQL INCLUDE), lets PostgreSQL answer from the index alone,
already in receiver order: no sort of the network's referrals, no read of their wide rows.
An index is kept in step by the database itself, so nothing can leave it behind.

`network.health_rule` holds the thresholds of the member traffic lights (NULL: the defaults
of app/reports/health.py).

Revision ID: 0014
Revises: 0011
Create Date: 2026-11-26 12:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None

INCLUDED = ['sender_id', 'kind', 'status', 'accepted_at', 'declined_at', 'visited_at',
            'closed_at', 'business_value']


def upgrade():
    with op.batch_alter_table('network', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health_rule', sa.JSON(), nullable=True))
    op.create_index(
        'ix_referral_network_id_receiver_id_sent_at',
        'referral',
        ['network_id', 'receiver_id', 'sent_at'],
        unique=False,
        postgresql_include=INCLUDED,
    )


def downgrade():
    op.drop_index('ix_referral_network_id_receiver_id_sent_at', table_name='referral')
    with op.batch_alter_table('network', schema=None) as batch_op:
        batch_op.drop_column('health_rule')
