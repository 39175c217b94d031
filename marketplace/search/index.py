"""The full-text index behind one interface: SQLite FTS5 or a PostgreSQL tsvector with a GIN index.

Both index the same folded text (see ``text.py``), so a query finds the same items on either engine. The
index is written by the service layer in the same transaction as the item, so it is never out of step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (BindParameter, ColumnElement, Select, Subquery, bindparam, case, column, func, literal,
                        literal_column, select, table, text, union_all)
from sqlalchemy.orm import Session

from marketplace.listings.models import Item
from marketplace.search.text import query_terms

# SQLite: a virtual FTS5 table keyed by the item id (its rowid). PostgreSQL: a table with a tsvector column, the
# item's municipality (migration 0014) and its publication time while it is published (0032; a trigger on items
# keeps both in step). Both are created by migration 0003, outside the ORM models (Alembic is told to ignore them).
INDEX_TABLE = "item_search"
# PostgreSQL: a document as it is stored, from its text ``:doc``: its words without their positions (migration
# 0035). A search matches by word and prefix only; positions made each row half as wide again (about 600 bytes
# instead of 400), so a word's matches were read from a third more blocks. A one-word query ranks as before (a
# document holds each word once, at one position); documents matching a query of several words rank alike,
# however close the words stand.
DOCUMENT = "strip(to_tsvector('simple', :doc))"
# The windows of publication time in which a text search looks for its newest matches, newest first (``newest``);
# the last one reaches back to the first item.
WINDOWS = (timedelta(days=30),)
# SQLite: a word with this many matches is answered by walking the items' newest-first index (``newest_or_walked``).
BROAD_MATCHES = 15_000
# A viewer who reaches more municipalities than this has a national market: PostgreSQL reads a word's newest
# matches a window at a time (``newest``), with the planner settings that plan it well (``planned``). In a
# regional market (the 100,000-item profile: ten municipalities) a word's matches are few enough to read at once,
# as before, and the first window's work would mostly be thrown away (measured: 34 → 55 ms for "stol").
WINDOWED_REACH = 100
# What a windowed text-search statement is planned with (``SearchIndex.planned``), each transaction-local.
PLANNER_SETTINGS = (("enable_seqscan", "off"), ("max_parallel_workers_per_gather", "0"), ("enable_hashjoin", "off"),
                    ("enable_mergejoin", "off"), ("jit", "off"))


@dataclass(frozen=True)
class Matches:
    """The items matching a query: ``table``, a subquery with an ``item_id`` column, to join to the items; ``rank``,
    an expression of the relevance (lower is better) on its columns; ``published_at`` (PostgreSQL: None on
    SQLite), the matching item's publication time while it is published, so the newest matches can be read a
    window of time at a time (``windows``) before any item row is."""

    table: Subquery
    rank: ColumnElement
    published_at: ColumnElement | None = None
    tsquery: ColumnElement | None = None  # PostgreSQL: to rank a match once the newest are picked
    ids: Select | None = None  # SQLite: the matching item ids alone, without their rank

    def rank_by_id(self, item_id: ColumnElement) -> ColumnElement:
        """The rank of the item ``item_id``, read from its own index row (PostgreSQL): for the few rows kept."""
        ranked = table(INDEX_TABLE, column("item_id"), column("document")).alias("ranked")
        return (select(-func.ts_rank(ranked.c.document, self.tsquery)).where(ranked.c.item_id == item_id)
                .scalar_subquery())


class SearchIndex:
    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"

    def save(self, session: Session, item_id: int, document: str) -> None:
        if self.postgres:
            # The item's municipality and publication are copied from its row, so the index cannot disagree with
            # it (and the trigger of migration 0032 copies them again whenever they change). The document is
            # stripped of its positions (``DOCUMENT``).
            session.execute(
                text(
                    "INSERT INTO item_search (item_id, municipality_id, published_at, document) "
                    "SELECT id, municipality_id, CASE WHEN status = 'published' THEN published_at END, "
                    f"{DOCUMENT} FROM items WHERE id = :id "
                    "ON CONFLICT (item_id) DO UPDATE SET municipality_id = EXCLUDED.municipality_id, "
                    "published_at = EXCLUDED.published_at, document = EXCLUDED.document"
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

    def windowed(self, municipality_ids: Sequence[int] | None) -> bool:
        """Whether a text search of a viewer who reaches ``municipality_ids`` (None: all) reads its newest
        matches a window at a time (PostgreSQL, a national market: see ``WINDOWED_REACH``)."""
        return self.postgres and (municipality_ids is None or len(municipality_ids) > WINDOWED_REACH)

    @contextmanager
    def planned(self, session: Session, windowed: bool = False) -> Iterator[None]:
        """Run a text-search statement with the GIN index preferred to a scan of every document (PostgreSQL).

        For a broad word ("stol" is in a quarter of the documents) the planner costs the two about equal (its
        cost of ``@@`` is that of a simple comparison), but testing every long, suffix-rich tsvector takes twice
        as long as reading the matches the index lists (measured: 47 against 21 ms at 100,000 items). The
        setting is transaction-local and put back right after, so no other statement plans differently; on an
        error the transaction is rolled back, which undoes it as well.

        A windowed statement (``newest``) is planned without parallel workers, hash or merge joins too: a search
        is one short statement among many requests, and starting two workers took longer (75–110 ms at load 4
        on two cores, for each part of the statement that planned them, even a part never run) than the part
        they shared; and with the visible items underestimated (26,000 for 93,000) the planner hashed a broad
        word's 33,000 matches in the window (480 ms) where walking the newest-first index finds 1,001 (100 ms).
        Nor is it compiled (JIT): its estimated cost (about 250,000 at 1,000,000 items, over ``jit_above_cost``)
        made PostgreSQL spend about 60 ms compiling a statement that runs in 100-200.
        """
        if not self.postgres:
            yield
            return
        settings = PLANNER_SETTINGS if windowed else PLANNER_SETTINGS[:1]
        names = [name for name, _value in settings]
        previous = session.execute(text("SELECT " + ", ".join(
            [f"current_setting('{name}')" for name in names]
            + [f"set_config('{name}', '{value}', true)" for name, value in settings]))).one()
        yield
        session.execute(text("SELECT " + ", ".join(
            f"set_config('{name}', :value_{number}, true)" for number, name in enumerate(names))),
            {f"value_{number}": value for number, value in enumerate(previous[:len(names)])})

    def newest(self, query: Select, matches: Matches, columns: Sequence[ColumnElement], size: BindParameter) -> Select:
        """The newest ``size`` rows of ``query`` (items joined to ``matches``, PostgreSQL), newest first by
        publication, with ``columns`` and their ``rank``, read a window of publication time at a time.

        Each window's statement reads only the matches published in it: the word's bitmap from the text index
        is ANDed with the window's from ``ix_item_search_published``, so the rows read and the items checked
        for visibility are that window's few, however many thousands of matches the word has; their documents
        are ranked only once the newest are picked. A window is read only while the windows before it found
        fewer than ``size`` (its condition is a count of theirs, which PostgreSQL evaluates once, before the
        window), so a broad word is answered from the last day and a rare one reads every window. The windows
        begin at the parameters ``window_start_<n>`` (``values``), so the statement can be kept."""
        listed = matches.published_at
        bounds = [bindparam(f"window_start_{number}") for number in range(len(WINDOWS))]
        windows = []
        found = None
        for number, lower in enumerate([*bounds, None]):
            window = query.with_only_columns(*columns)
            if lower is not None:
                window = window.where(listed >= lower, Item.published_at >= lower)
            if number:
                upper = bounds[number - 1]
                window = window.where(listed < upper, Item.published_at < upper, found < size)
            window = (window.order_by(Item.published_at.desc(), Item.id.desc()).limit(size)
                      .cte(f"window_{number}").prefix_with("MATERIALIZED"))
            windows.append(window)
            count = select(func.count()).select_from(window).scalar_subquery()
            found = count if found is None else found + count
        every = union_all(*(select(window) for window in windows)).subquery("windows")
        picked = (select(every).order_by(every.c.published_at.desc(), every.c.id.desc()).limit(size)
                  .subquery("picked"))
        return select(*(picked.c[column.key] for column in columns), matches.rank_by_id(picked.c.id).label("rank"))

    def newest_or_walked(self, query: Select, walked: Select, matches: Matches, columns: Sequence[ColumnElement],
                         size: BindParameter, narrowed: bool = False) -> Select:
        """The newest ``size`` rows of ``query`` (items joined to ``matches``, SQLite) with ``columns`` and their
        ``rank``, newest first by publication; for a broad word, from ``walked`` instead.

        Joined, every match is ranked (bm25) and looked up among the items before the newest are picked: fine
        for a few thousand, but a broad word's 250,000 took 0.8 s of CPU at a million items. So the statement
        first counts the word's matches in the text index, no further than ``BROAD_MATCHES`` (ids only: a few
        milliseconds), and a word with that many reads ``walked`` instead: the same search with the word as a
        filter (``items.id + 0 IN (the matching ids)``, the ids gathered once into a temporary index, the
        ``+ 0`` keeping SQLite from looking items up by them), walking the items' newest-first index until it
        has ``size``. Its rank is 0, so above the exact-count limit a broad word's page by relevance is its
        newest matches: FTS5 ranks a match only while reading the word's matches (0.2 s for all of them, 7 ms
        for each one looked up by id). The count is made once, in a materialised CTE holding both halves'
        limits, and SQLite runs one of the two halves."""
        ranked = query.with_only_columns(*columns, matches.rank.label("rank")).order_by(
            Item.published_at.desc(), Item.id.desc())
        broad = func.count() >= bindparam("broad_matches")
        # The choice is in each half's LIMIT (0 for the other): SQLite computes a LIMIT once, before the half,
        # and skips a half limited to 0, where a condition in WHERE would be tested on each row it reads. The
        # two limits come from one count: a count in each LIMIT was made twice (up to 0.7 ms each at 100,000
        # items, the part of decision 52's extra cost for middling words that was in the statement).
        limits = (select(case((broad, 0), else_=size).label("ranked"), case((broad, size), else_=0).label("walked"))
                  .select_from(matches.ids.limit(bindparam("broad_matches")).subquery("counted"))
                  .cte("limits").prefix_with("MATERIALIZED"))
        ranked = ranked.limit(select(limits.c.ranked).scalar_subquery()).subquery("ranked")
        # Narrowed by facets, the newest-first index would be crossed end to end for a municipality's few items:
        # "+published_at" (the same value) keeps SQLite from walking it, so it seeks them by their facet instead.
        published = literal_column("+items.published_at") if narrowed else Item.published_at
        newest = (walked.with_only_columns(*columns, literal(0.0).label("rank"))
                  .order_by(published.desc(), Item.id.desc()).limit(select(limits.c.walked).scalar_subquery())
                  .subquery("walked"))
        return union_all(select(ranked), select(newest))

    def values(self, query: str, now: datetime) -> dict[str, Any]:
        """The parameters of this index's statements (``matches``, ``newest``, ``newest_or_walked``) for a search
        of ``query`` at ``now``: its words as the index reads them (``words``: without searchable words, none),
        where each window of publication time begins, and when a word counts as broad."""
        terms = query_terms(query)
        values: dict[str, Any] = {f"window_start_{number}": now - span for number, span in enumerate(WINDOWS)}
        values["broad_matches"] = BROAD_MATCHES
        if terms and self.postgres:
            values["words"] = " & ".join(f"{term}:*" for term in terms)  # terms are [a-z0-9] only: no syntax gets in
        elif terms:
            values["words"] = " AND ".join(f'"{term}"*' for term in terms)
        return values

    def matches(self, municipality_ids: Sequence[int] | None = None,
                chosen: Sequence[ColumnElement] | None = None) -> Matches:
        """The items that match every word of the parameter ``words`` (see ``values``; a query without searchable
        words has no matches to look for), as ``Matches``.

        ``municipality_ids`` (None: all) narrows the matches on PostgreSQL to the viewer's reachable
        municipalities before they are joined to the visible items: the index's bitmap of a broad word is ANDed
        with theirs, so only those documents are read and ranked (a quarter of them for a viewer who reaches a
        fifth of the region). It is a narrowing only; what is visible is still decided by the join. A national
        market (more than ``WINDOWED_REACH``) is not narrowed: it reaches nearly every municipality, so the bitmap
        of the municipalities listed every document (1,000,000 entries, 40 ms) and narrowed nothing, and the
        planner chose it whenever its estimate of 358 values fell to 63 % of the rows (as after an ANALYZE).
        ``chosen`` (the ids of the municipalities a search is narrowed to, as expressions) narrows it further, in
        any market: a word's matches in one municipality are a few hundred of its tens of thousands.

        On PostgreSQL the rank is computed from the document where it is selected, so a statement that limits
        the matches first ranks only those it keeps."""
        words = bindparam("words")
        if self.postgres:
            ts = func.to_tsquery("simple", words)
            index = table(INDEX_TABLE, column("item_id"), column("municipality_id"), column("published_at"),
                          column("document"))
            matches = (select(index.c.item_id, index.c.published_at, index.c.document)
                       .where(index.c.document.op("@@")(ts)))
            if chosen:
                matches = matches.where(index.c.municipality_id.in_(chosen))
            elif municipality_ids is not None and len(municipality_ids) <= WINDOWED_REACH:
                matches = matches.where(index.c.municipality_id.in_(municipality_ids))
            found = matches.subquery("matches")
            return Matches(found, -func.ts_rank(found.c.document, ts), found.c.published_at, ts)
        index = table(INDEX_TABLE, column("rowid"))
        match = literal_column("item_search").op("MATCH")(words)
        found = (select(index.c.rowid.label("item_id"), literal_column("bm25(item_search)").label("rank"))
                 .where(match).subquery("matches"))
        return Matches(found, found.c.rank, ids=select(index.c.rowid).where(match))
