"""The networks each reuse event counts in, recorded on the event (issue #17): a network's report reads them
instead of today's membership, so a closed period's network figure stays the same when members join or leave.

Events from before this migration are given the networks their giver or receiver belongs to now: the best that
is known, and what their network reports showed until now.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 04:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reuse_event_networks',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('network_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['reuse_events.id'], name=op.f('fk_reuse_event_networks_event_id_reuse_events')),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_reuse_event_networks_network_id_networks'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'network_id', name=op.f('pk_reuse_event_networks')),
    )
    op.create_index('ix_reuse_event_networks_network', 'reuse_event_networks', ['network_id', 'event_id'])
    op.execute(
        "INSERT INTO reuse_event_networks (event_id, network_id) "
        "SELECT DISTINCT e.id, m.network_id FROM reuse_events e JOIN network_members m "
        "ON m.organisation_id IN (e.giver_municipality_id, e.receiver_organisation_id)")


def downgrade() -> None:
    op.drop_index('ix_reuse_event_networks_network', table_name='reuse_event_networks')
    op.drop_table('reuse_event_networks')
