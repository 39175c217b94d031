"""Search speed: two covering indexes on items for the visibility condition and every search filter,
count and page (by municipality, and newest first).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 22:15:00.000000
"""

from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# See marketplace/search/models.py: the columns of the visibility condition and of every search filter.
VISIBILITY = ['network_visible_at', 'partner_visible_at', 'category_id', 'erasure_recorded_at', 'created_by_id',
              'condition', 'quantity', 'unit_id', 'available_from']


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_visibility', ['status', 'municipality_id', *VISIBILITY, 'published_at'],
                              unique=False)
        batch_op.create_index('ix_items_visibility_newest', ['status', 'published_at', 'id', 'municipality_id',
                                                             *VISIBILITY], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_visibility_newest')
        batch_op.drop_index('ix_items_visibility')
