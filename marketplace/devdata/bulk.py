"""Bulk writing for the benchmark generator: rows as an ``INSERT`` of SQLAlchemy would write them, loaded the
fastest way each engine has.

SQLAlchemy's executemany spends most of a large load converting every value of every row (a million items
have forty million); a PostgreSQL executemany also waits on the server per batch. Here the conversion is the
same (each column's Python default for a missing value, then the column type's own bind processor, so an enum
is its stored value and a SQLite time its stored text) but done in a plain loop, and the rows go to the server
as ``COPY … FROM STDIN`` (PostgreSQL) or one ``executemany`` of the DB-API cursor (SQLite), inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table

from marketplace.search import text, vocabulary


class BulkWriter:
    """Writes rows (dicts keyed by column name) to ``table`` through ``connection``'s DB-API cursor."""

    def __init__(self, connection: Connection, table: Table, keys: Sequence[str]) -> None:
        dialect = connection.dialect
        self.postgres = dialect.name == "postgresql"
        self.cursor = connection.connection.dbapi_connection.cursor()
        # The columns written: the rows' keys and every column with a Python default (a server default or NULL
        # is left to the database, as an INSERT without the column leaves it).
        self.columns: list[tuple[str, Any, Callable | None]] = []
        for column in table.columns:
            default = column.default
            if column.key in keys:
                fallback = None
            elif default is None:
                continue
            elif default.is_scalar:
                fallback = default.arg
            else:
                raise ValueError(f"{table.name}.{column.key}: give it in every row (its default is computed)")
            self.columns.append((column.key, fallback, column.type._cached_bind_processor(dialect)))
        names = ", ".join(key for key, _fallback, _processor in self.columns)
        if self.postgres:
            self.statement = f"COPY {table.name} ({names}) FROM STDIN"
        else:
            marks = ", ".join("?" * len(self.columns))
            self.statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"

    def values(self, row: dict[str, Any]) -> tuple:
        values = []
        for key, fallback, processor in self.columns:
            value = row.get(key, fallback)
            values.append(processor(value) if processor is not None and value is not None else value)
        return tuple(values)

    def write(self, rows: list[dict[str, Any]]) -> None:
        write_rows(self.cursor, self.statement, [self.values(row) for row in rows], postgres=self.postgres)


def write_rows(cursor, statement: str, rows: list[tuple], *, postgres: bool) -> None:
    """``rows`` through ``statement``: a ``COPY … FROM STDIN`` (PostgreSQL) or a parameterised ``INSERT``."""
    if postgres:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cursor.executemany(statement, rows)


class IndexText:
    """The text index's document of each generated item and the vocabulary of them all, as ``search.text``
    makes them (``document``, ``vocabulary``), worked out once per distinct written word: a million generated
    items have a few thousand words, but hundreds of thousands of distinct titles and descriptions."""

    def __init__(self) -> None:
        self.words: dict[str, tuple[str, bool]] = {}  # the vocabulary, as ``vocabulary.merge`` builds it
        self._folded: dict[str, list[str]] = {}  # a space-separated piece → its folded words
        self._tokens: dict[str, list[str]] = {}  # a folded word of the names → it and its endings
        self._merged: set[tuple[str, bool]] = set()  # written words whose vocabulary is in ``words``

    def document(self, names: list[str | None], description: str) -> str:
        """``text.document(names, [description])``, with ``vocabulary.merge(self.words, text.vocabulary(names,
        [description]))`` done on the way. Folding works letter by letter, so a text's words are its pieces'
        words; merging a word's vocabulary entries again changes nothing, so only the first time is merged."""
        named = " ".join(part for part in names if part)
        tokens = [token for word in self._words(named) for token in self._endings(word)]
        tokens += self._words(description)
        for joined, with_endings in ((named, True), (description, False)):
            for written in text.ORIGINAL_WORD.findall(joined.lower()):
                if (written, with_endings) not in self._merged:
                    self._merged.add((written, with_endings))
                    parts = ([written], []) if with_endings else ([], [written])
                    vocabulary.merge(self.words, text.vocabulary(*parts))
        return " ".join(dict.fromkeys(tokens))

    def _words(self, joined: str) -> list[str]:
        found = []
        for piece in joined.split(" "):
            folded = self._folded.get(piece)
            if folded is None:
                folded = self._folded[piece] = text.words(piece)
            found += folded
        return found

    def _endings(self, word: str) -> list[str]:
        tokens = self._tokens.get(word)
        if tokens is None:
            tokens = self._tokens[word] = text.document([word]).split()
        return tokens
