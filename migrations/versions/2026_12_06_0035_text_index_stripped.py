"""Search at 100,000 items (PostgreSQL): the text index keeps its words without their positions.

``item_search.document`` becomes ``strip(document)``: each word (and each indexed ending, see
``search/text.py``) once, without the list of positions it was found at. A row shrinks from about 600 to about
400 bytes, so the rows a word's matches are read from fill about a third fewer blocks (100,000 items: 8,000 →
5,700), and every search that reads them reads that much less. Matching is unchanged (``@@`` with prefix terms
needs no positions). Ranking: a one-word query ranks exactly as before (every word of a document is indexed
once, so it had one position, and a stripped word counts as one); a query of several words can no longer tell
documents whose words stand close together from the others, so those rank alike and the newest come first.

The table is rebuilt as migration 0032 rebuilt it (a copy, then its keys and indexes), so no index is updated
a million times; the trigger of 0032 names the table and follows it. SQLite's FTS5 table is not changed.

Downgrade keeps the stripped documents (the positions cannot be recovered from them; a stripped document is a
valid one, and an item saved again is indexed with positions by the code of that revision).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 20:00:00
"""

from alembic import op


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE item_search_new (item_id INTEGER NOT NULL, document TSVECTOR NOT NULL, "
               "municipality_id INTEGER NOT NULL, published_at TIMESTAMP WITH TIME ZONE)")
    op.execute("INSERT INTO item_search_new (item_id, document, municipality_id, published_at) "
               "SELECT item_id, strip(document), municipality_id, published_at FROM item_search ORDER BY item_id")
    op.execute("DROP TABLE item_search")
    op.execute("ALTER TABLE item_search_new RENAME TO item_search")
    op.execute("ALTER TABLE item_search ADD CONSTRAINT item_search_pkey PRIMARY KEY (item_id)")
    op.execute("ALTER TABLE item_search ADD CONSTRAINT item_search_item_id_fkey FOREIGN KEY (item_id) "
               "REFERENCES items(id) ON DELETE CASCADE")
    op.execute("CREATE INDEX ix_item_search_document ON item_search USING GIN (document)")
    op.execute("CREATE INDEX ix_item_search_municipality ON item_search (municipality_id)")
    op.execute("CREATE INDEX ix_item_search_published ON item_search (published_at, item_id) "
               "WHERE published_at IS NOT NULL")
    op.execute("ALTER TABLE item_search ALTER COLUMN municipality_id SET STATISTICS 1000")  # as 0032 set it
    op.execute("ANALYZE item_search")


def downgrade() -> None:
    pass  # the documents stay stripped: see the docstring
