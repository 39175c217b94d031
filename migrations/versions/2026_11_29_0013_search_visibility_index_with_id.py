"""Search speed, part 2: the items' visibility index by municipality also holds the item id, so a text search
joins the visible items to its matches from that index alone (PostgreSQL needs the id in the index for an
index-only scan; SQLite has it as the rowid anyway, the column costs it a few bytes per entry).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 01:40:00.000000
"""

from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# As in 0007 (see marketplace/search/models.py): the columns of the visibility condition and of every filter.
VISIBILITY = ['network_visible_at', 'partner_visible_at', 'category_id', 'erasure_recorded_at', 'created_by_id',
              'condition', 'quantity', 'unit_id', 'available_from']


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_visibility')
        batch_op.create_index('ix_items_visibility',
                              ['status', 'municipality_id', *VISIBILITY, 'published_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_visibility')
        batch_op.create_index('ix_items_visibility', ['status', 'municipality_id', *VISIBILITY, 'published_at'],
                              unique=False)
