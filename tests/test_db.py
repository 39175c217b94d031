from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from marketplace.audit.models import AuditEvent
from marketplace.db import db


def test_times_round_trip_as_aware_utc(app):
    oslo_summer = timezone(timedelta(hours=2))
    moment = datetime(2026, 6, 1, 14, 30, tzinfo=oslo_summer)
    db.session.add(AuditEvent(action="test", at=moment, details={}))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(AuditEvent.at))
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == moment and stored.hour == 12


def test_naive_times_are_refused(app):
    db.session.add(AuditEvent(action="test", at=datetime(2026, 6, 1, 12, 0), details={}))
    with pytest.raises(StatementError, match="naive"):
        db.session.flush()


def test_get_or_404(app):
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        db.get_or_404(AuditEvent, 123456)


# --- PostgreSQL: columns described when asked ----------------------------------------------------------------

DESCRIBED = [
    "SELECT id, email, created_at FROM users",  # columns, no rows
    "SELECT 1 AS one, 'to'::text AS two, 2.5::numeric(4, 2) AS three, now() AS four",
    "SELECT",  # a row without columns
    "UPDATE users SET name = name WHERE false",  # no result set
    "SELECT 1 WHERE false",
]


def _descriptions(cursor, statement: str):
    cursor.execute(statement)
    described = cursor.description
    if described is None:
        return None
    return [(column.name, column.type_code, column.display_size, column.internal_size, column.precision,
             column.scale, column.null_ok, tuple(column)) for column in described]


def test_a_result_s_columns_are_described_as_psycopg_describes_them(app):
    """The engine's cursors describe each column when asked (decision 59): the same names, types and sizes as
    psycopg's own cursor, for results with columns, without, and for statements without a result."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the lazily described cursor is PostgreSQL's (psycopg)")
    raw = db.engine.raw_connection()
    try:
        connection = raw.driver_connection
        ours = connection.cursor()
        assert type(ours) is not psycopg.Cursor, "the engine's connections make the lazily described cursor"
        theirs = psycopg.Cursor(connection)
        for statement in DESCRIBED:
            assert _descriptions(ours, statement) == _descriptions(theirs, statement), statement
        ours.execute("SELECT 1 AS first, 2 AS second")
        columns = ours.description
        ours.execute("SELECT 3 AS third")  # read after the cursor moved on: still the first result's columns
        assert [column.name for column in columns] == ["first", "second"] and len(columns) == 2
        assert columns[-1].name == "second" and [column.name for column in columns[0:1]] == ["first"]
    finally:
        raw.rollback()
        raw.close()


# --- PostgreSQL: statements prepared, but a text search planned for its words ------------------------------

def _prepared_statements(cursor) -> list[str]:
    cursor.execute("SELECT statement FROM pg_prepared_statements")
    return [row[0] for row in cursor.fetchall()]


def test_a_statement_is_prepared_on_its_connection_but_one_over_the_text_index_never(app):
    """psycopg prepares a statement a connection has run five times, and PostgreSQL may then plan it once for any
    values; a text search's plan depends on its words, so the engine's cursors never prepare one (decision 62).
    What a connection has prepared survives a commit."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (psycopg)")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        plain = "SELECT count(*) FROM users WHERE id > %s"
        searched = "SELECT count(*) FROM item_search WHERE item_id > %s"
        for number in range(7):
            cursor.execute(plain, (number,))
            cursor.execute(searched, (number,))
            raw.commit()
        prepared = _prepared_statements(cursor)
        assert any("FROM users" in statement for statement in prepared), prepared
        assert not any("item_search" in statement for statement in prepared), prepared
    finally:
        raw.rollback()
        raw.close()
