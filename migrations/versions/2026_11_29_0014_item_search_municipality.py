"""Search speed, part 3 (PostgreSQL): the text index holds each item's municipality, with an index of its own,
so a broad word's matches are narrowed to the viewer's reachable municipalities before they are read and
joined (the two bitmaps are ANDed). SQLite's FTS5 table has no such column and needs none: nothing changes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 04:00:00.000000
"""

from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE item_search ADD COLUMN municipality_id INTEGER")
    op.execute("UPDATE item_search SET municipality_id = items.municipality_id FROM items "
               "WHERE items.id = item_search.item_id")
    op.execute("ALTER TABLE item_search ALTER COLUMN municipality_id SET NOT NULL")
    op.execute("CREATE INDEX ix_item_search_municipality ON item_search (municipality_id)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_item_search_municipality")
    op.execute("ALTER TABLE item_search DROP COLUMN municipality_id")
