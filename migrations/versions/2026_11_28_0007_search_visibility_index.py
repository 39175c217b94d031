"""Search speed: one index on items that serves the visibility condition and every search filter, count and page.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 22:15:00.000000
"""

from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COLUMNS = ['status', 'municipality_id', 'network_visible_at', 'partner_visible_at', 'category_id',
           'erasure_recorded_at', 'created_by_id', 'condition', 'published_at', 'quantity', 'unit_id',
           'available_from']


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_visibility', COLUMNS, unique=False)
    # Fresh statistics, so the planner knows the new index at once (SQLite keeps them in sqlite_stat1).
    op.execute('ANALYZE items')


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_visibility')
