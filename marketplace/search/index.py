"""The full-text index behind one interface: SQLite FTS5 or a PostgreSQL tsvector with a GIN index.

Both index the same folded text (see ``text.py``), so a query finds the same items on either engine. The
index is written by the service layer in the same transaction as the item, so it is never out of step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import bindparam, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from marketplace.search.text import query_terms

# SQLite: a virtual FTS5 table keyed by the item id (its rowid). PostgreSQL: a table with a tsvector column and
# the item's municipality (migration 0014). Both are created by migration 0003, outside the ORM models (Alembic
# is told to ignore them).
INDEX_TABLE = "item_search"


class SearchIndex:
    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def save(self, session: Session, item_id: int, document: str) -> None:
        if self.postgres:
            # The item's municipality is copied from its row, so the index cannot disagree with it.
            session.execute(
                text(
                    "INSERT INTO item_search (item_id, municipality_id, document) "
                    "SELECT id, municipality_id, to_tsvector('simple', :doc) FROM items WHERE id = :id "
                    "ON CONFLICT (item_id) DO UPDATE "
                    "SET municipality_id = EXCLUDED.municipality_id, document = EXCLUDED.document"
                ),
                {"id": item_id, "doc": document},
            )
        else:
            session.execute(text("DELETE FROM item_search WHERE rowid = :id"), {"id": item_id})
            session.execute(text("INSERT INTO item_search (rowid, document) VALUES (:id, :doc)"),
                            {"id": item_id, "doc": document})

    def remove(self, session: Session, item_id: int) -> None:
        key = "item_id" if self.postgres else "rowid"
        session.execute(text(f"DELETE FROM item_search WHERE {key} = :id"), {"id": item_id})

    @contextmanager
    def planned(self, session: Session) -> Iterator[None]:
        """Run a text-search statement with the GIN index preferred to a scan of every document (PostgreSQL).

        For a broad word ("stol" is in a quarter of the documents) the planner costs the two about equal (its
        cost of ``@@`` is that of a simple comparison), but testing every long, suffix-rich tsvector takes twice
        as long as reading the matches the index lists (measured: 47 against 21 ms at 100,000 items). The
        setting is transaction-local and put back right after, so no other statement plans differently; on an
        error the transaction is rolled back, which undoes it as well.
        """
        if not self.postgres:
            yield
            return
        previous = session.execute(text(
            "SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")).scalar()
        yield
        session.execute(text("SELECT set_config('enable_seqscan', :previous, true)"), {"previous": previous})

    def matches(self, query: str, municipality_ids: Sequence[int] | None = None):
        """A subquery of (item_id, rank) for the items that match every term of ``query`` (lower rank is
        better), or None when the query has no searchable words.

        ``municipality_ids`` (None: all) narrows the matches on PostgreSQL to the viewer's reachable
        municipalities before they are joined to the visible items: the index's bitmap of a broad word is ANDed
        with theirs, so only those documents are read and ranked (a quarter of them for a viewer who reaches a
        fifth of the region). It is a narrowing only; what is visible is still decided by the join."""
        terms = query_terms(query)
        if not terms:
            return None
        if self.postgres:
            tsquery = " & ".join(f"{term}:*" for term in terms)  # terms are [a-z0-9] only: no syntax gets in
            ts = func.to_tsquery("simple", bindparam("tsquery", tsquery, literal_execute=False))
            index = table(INDEX_TABLE, column("item_id"), column("municipality_id"), column("document"))
            matches = (select(index.c.item_id.label("item_id"), (-func.ts_rank(index.c.document, ts)).label("rank"))
                       .where(index.c.document.op("@@")(ts)))
            if municipality_ids is not None:
                matches = matches.where(index.c.municipality_id.in_(municipality_ids))
            return matches.subquery("matches")
        expression = " AND ".join(f'"{term}"*' for term in terms)
        index = table(INDEX_TABLE, column("rowid"))
        return (
            select(index.c.rowid.label("item_id"), literal_column("bm25(item_search)").label("rank"))
            .where(literal_column("item_search").op("MATCH")(bindparam("fts", expression)))
            .subquery("matches")
        )

