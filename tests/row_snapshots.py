"""Fixture data built once per run through the real services, and put back for later tests by a bulk insert.

Most tests start from ``region`` (networks, organisations, units, eleven users) and ``catalogue`` (the
categories and every shipped factor set): about 150 ms of CPU a test through the services, 20–25 ms put back.
What such a build writes depends only on what its own tables hold, and a test starts with every table empty,
so it writes the same rows every time. The first build's rows are kept; later tests get them back by one
insert per table (and, on PostgreSQL, the sequences where the build left them), and the fixture's objects
are loaded from them into the test's session, as a request loads what it needs.

Times the build stamped (``created_at``) are moved on by the time since, so they still say "just now".
A snapshot is taken only of a build that added rows to empty tables and did nothing else a snapshot could not
repeat (change rows that were there, fill the text index, write a time or a date it cannot place), and put
back only where the database holds nothing but other snapshots' tables; otherwise the fixture is built through
the services, as before.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper

from marketplace.db import UNMODELLED_TABLES, Base, db, utcnow

T = TypeVar("T")
OSLO = ZoneInfo("Europe/Oslo")  # the dates the app writes are Norwegian ones

# What a build stamps with the clock lies within its run; a minute either side allows for a transaction begun
# earlier (PostgreSQL's now()) and for a slow machine.
CLOCK_SLACK = timedelta(minutes=1)


@dataclass
class _Stamp:
    """A time the build wrote as "now": put back as the same time before the restore as it was before the build
    ended, so every stamp is in the past and in the order the build made them."""

    before_build_end: timedelta


@dataclass
class Snapshot:
    rows: dict[Table, list[dict[str, Any]]]  # in the order the tables are filled (foreign keys first)
    sequences: dict[str, int]  # PostgreSQL: where the build left each sequence of its tables
    objects: Any  # what the fixture returns, with (class, primary key) for each object


_SNAPSHOTS: dict[tuple[str, str], Snapshot | None] = {}  # None: the build does what a snapshot cannot repeat


class _NotNow(Exception):
    """The build ran where its snapshot would not be the one a fresh database gives: take it another time."""


class _Unrepeatable(Exception):
    """The build did something a snapshot cannot repeat: it is built through the services in every test."""


def built_once(name: str, build: Callable[[], T]) -> T:
    """What ``build`` returns (it builds and commits), from a snapshot of its first build when one fits."""
    key = (db.engine.url.render_as_string(hide_password=False), name)
    others = {table.name for (url, other), taken in _SNAPSHOTS.items()
              if url == key[0] and other != name and taken is not None for table in taken.rows}
    with db.engine.connect() as connection:
        occupied = _occupied_tables(connection)
    if not occupied <= others:
        return build()  # the test wrote rows of its own first: they might change what the build writes
    if key in _SNAPSHOTS:
        snapshot = _SNAPSHOTS[key]
        if snapshot is None or occupied & {table.name for table in snapshot.rows}:
            return build()
        return _restore(snapshot)
    with db.engine.connect() as connection:
        before = _all_rows(connection, occupied), _sequences(connection)
    started = utcnow()
    result = build()
    try:
        with db.engine.connect() as connection:
            _SNAPSHOTS[key] = _take(connection, result, *before, started, utcnow())
    except _NotNow:
        pass
    except _Unrepeatable as reason:
        _SNAPSHOTS[key] = None
        warnings.warn(f"the {name} fixture is built anew for every test: {reason}", stacklevel=2)
    return result


def _occupied_tables(connection: Connection) -> set[str]:
    """The tables that hold a row, the text index included: one statement."""
    quote = connection.dialect.identifier_preparer.quote
    names = [table.name for table in Base.metadata.sorted_tables] + list(UNMODELLED_TABLES)
    probes = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {quote(name)})" for name in names)
    return set(connection.scalars(text(probes)))


def _all_rows(connection: Connection, names: set[str]) -> dict[Table, list[dict[str, Any]]]:
    return {table: [dict(row) for row in connection.execute(select(table).order_by(*table.primary_key)).mappings()]
            for table in Base.metadata.sorted_tables if table.name in names}


def _sequences(connection: Connection) -> dict[str, int | None]:
    """PostgreSQL's sequences and their last values (None: not used since made or restarted)."""
    if connection.dialect.name != "postgresql":
        return {}
    return dict(connection.execute(text(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value FROM pg_sequences "
        "WHERE schemaname = current_schema()")).all())


def _take(connection: Connection, result, rows_before, sequences_before, started: datetime,
          finished: datetime) -> Snapshot:
    """The snapshot of a build that ran between ``started`` and ``finished``."""
    occupied = _occupied_tables(connection)
    if set(UNMODELLED_TABLES) & occupied:
        raise _Unrepeatable("it fills the text index")
    if _all_rows(connection, {table.name for table in rows_before}) != rows_before:
        raise _Unrepeatable("it changes rows that were there before it")
    added = {table: rows for table, rows in _all_rows(connection, occupied).items() if table not in rows_before}
    _place_stamps(added, started, finished)
    return Snapshot(added, _sequences_of(connection, added, sequences_before), _identities(result))


def _place_stamps(added, started: datetime, finished: datetime) -> None:
    """Replace each time the build stamped by a _Stamp."""
    earliest, latest = started - CLOCK_SLACK, finished + CLOCK_SLACK
    today = {moment.astimezone(zone).date() for moment in (earliest, latest) for zone in (timezone.utc, OSLO)}
    for table, rows in added.items():
        for row in rows:
            for column, value in row.items():
                if isinstance(value, datetime):
                    if value.tzinfo is None or not earliest <= value <= latest:
                        raise _Unrepeatable(f"{table.name}.{column} is not the time of the build: it would not "
                                            "move on with the clock")
                    row[column] = _Stamp(max(finished - value, timedelta(0)))
                elif isinstance(value, date) and value in today:
                    raise _Unrepeatable(f"{table.name}.{column} is today's date, perhaps: it would not move on")


def _sequences_of(connection: Connection, added, sequences_before) -> dict[str, int]:
    """Where the build left the sequences it advanced: those of its own tables, unused before it."""
    if connection.dialect.name != "postgresql":
        return {}
    owned = {connection.scalar(select(func.pg_get_serial_sequence(table.name, column.name)))
             for table in added for column in table.primary_key.columns}
    advanced = {name: value for name, value in _sequences(connection).items() if value != sequences_before.get(name)}
    if any(sequences_before.get(name) is not None for name in advanced):
        raise _NotNow  # the test had used the sequence already: its ids would not start where a fresh one's do
    if not set(advanced) <= owned:
        raise _Unrepeatable(f"it advances sequences of tables it leaves empty: {sorted(set(advanced) - owned)}")
    return advanced


def _identities(result) -> Any:
    """``result`` (an ORM object, or a namespace of them) as (mapper, primary key) pairs."""
    if isinstance(result, SimpleNamespace):
        return SimpleNamespace(**{name: _identity(value) for name, value in vars(result).items()})
    return _identity(result)


def _identity(value) -> tuple[Mapper, tuple]:
    state = inspect(value, raiseerr=False)
    if state is None or not isinstance(getattr(state, "mapper", None), Mapper) or state.identity is None:
        raise _Unrepeatable(f"it returns {value!r}, which is no stored ORM object")
    return state.mapper, state.identity


def _restore(snapshot: Snapshot):
    now = utcnow()
    session = db.session
    for table, rows in snapshot.rows.items():
        session.execute(insert(table), [
            {column: now - value.before_build_end if isinstance(value, _Stamp) else value
             for column, value in row.items()} for row in rows])
    if snapshot.sequences:
        session.execute(text("SELECT setval(CAST(name AS regclass), value) FROM unnest(CAST(:names AS text[]), "
                             "CAST(:values AS bigint[])) AS sequences(name, value)"),
                        {"names": list(snapshot.sequences), "values": list(snapshot.sequences.values())})
    objects = _load(snapshot.objects)
    session.commit()  # after the loads, so the test starts outside a transaction, as after a build
    return objects


def _load(identities):
    """The snapshot's objects, loaded into the test's session: one query per table, lazy loads after that."""
    wanted = list(vars(identities).values()) if isinstance(identities, SimpleNamespace) else [identities]
    by_base: dict[Mapper, list] = {}
    for mapper, identity in wanted:
        by_base.setdefault(mapper.base_mapper, []).append(identity)
    loaded = []  # held until the objects are fetched below: the session's identity map holds them weakly
    for base, keys in by_base.items():
        if len(base.primary_key) == 1:
            loaded += db.session.scalars(select(base.class_).where(base.primary_key[0].in_([key[0] for key in keys])))
    if isinstance(identities, SimpleNamespace):
        return SimpleNamespace(**{name: db.session.get(mapper.class_, identity)
                                  for name, (mapper, identity) in vars(identities).items()})
    mapper, identity = identities
    return db.session.get(mapper.class_, identity)
