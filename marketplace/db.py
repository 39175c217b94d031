"""The database: declarative base, engine and the per-request session, the request's unit of work, migrations.

One session per application context (so per request, per CLI command, per test thread). Services only
flush; views never commit. Every view runs as its request's unit of work (``run_view``, which the app
wraps around each view):

- A write request (POST, PUT, PATCH, DELETE) commits once when its view returns, whatever the status code
  (a refused login still records its attempt; a listing form with errors keeps the photos that arrived),
  and rolls back when its view raises. So a service checks its input before it writes: a refusal leaves
  nothing behind to commit.
- A read-only request (GET, HEAD, OPTIONS) commits as well: a GET should change nothing, so it commits nothing,
  but a COMMIT keeps what the connection has prepared, where a ROLLBACK would make psycopg forget it.
- When the database asks for the work to be tried again (a PostgreSQL serialization failure or deadlock,
  SQLite still locked after its busy timeout), from the view or from the commit, it rolls back, puts the
  cookie session (flashed messages, sign-in) back as it was before, and runs the view again: at most
  ``ATTEMPTS`` runs, then 409. Pages and the API alike.
- What must wait until the data is stored (an e-mail with a link to it) is handed to ``db.after_commit``.
- What must not make the client wait, or must not be timed by it (a password reset mail, which only a known
  address gets), is handed to ``db.after_response``: it runs once the response has gone out, in a unit of
  work of its own.

On SQLite, a session that may write starts with ``BEGIN IMMEDIATE`` so it takes the write lock up front: two
requests can then never both read "7 available" and both write. CLI commands are not requests: they commit
themselves.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from enum import StrEnum
from types import SimpleNamespace
from typing import Any, TypeVar

import psycopg
from flask import Flask, abort, after_this_request, current_app, g, got_request_exception, has_request_context, request
from flask import session as cookie_session
from flask.globals import request_ctx
from flask_babel import gettext as _
from sqlalchemy import DateTime, Enum, MetaData, Select, create_engine, event, func, inspect, select
from sqlalchemy.engine import Engine, Result, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.base import Executable
from sqlalchemy.types import TypeDecorator

from marketplace.errors import Conflict

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ATTEMPTS = 3  # runs of a view the database keeps asking to try again, before the request answers 409
RETRYABLE_SQLSTATES = {"40001", "40P01"}  # PostgreSQL: serialization failure, deadlock detected

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """A point in time, always timezone-aware UTC in Python, whatever the engine stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use marketplace.db.utcnow()")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A portable enum: VARCHAR with a CHECK constraint, storing the values (not the Python names)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UtcDateTime()}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


# Tables whose statements PostgreSQL plans anew each time, for their values: psycopg never prepares them. Every
# other statement is prepared once a connection has run it five times (psycopg's threshold), and PostgreSQL may
# then keep one plan for any values (its generic plan). A text search's best plan depends on its words: a broad
# word walks the newest items and looks each up in the index, a rare one reads its few matches from the index;
# one plan for every word would make one of them many times slower (decision 62).
PLANNED_FOR_THEIR_VALUES = ("item_search",)


class _DescribedWhenAsked(psycopg.Cursor):
    """A psycopg cursor whose ``description`` describes each column only when it is read, and which never
    prepares a statement over the tables of ``PLANNED_FOR_THEIR_VALUES``.

    SQLAlchemy reads ``cursor.description`` after every statement, but once a statement's compiled form has
    met its result (every statement after the first of a worker), it only asks whether there is one. psycopg
    builds a ``Column`` for every column of the result each time: about a tenth of a page's CPU on PostgreSQL
    (160 columns for the home page). Here they are built from the same result the first time they are read."""

    def execute(self, query, params=None, *, prepare: bool | None = None, binary: bool | None = None):
        if prepare is None and isinstance(query, str) and any(table in query for table in PLANNED_FOR_THEIR_VALUES):
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)

    @property
    def description(self) -> Sequence[psycopg.Column] | None:
        result = self.pgresult
        if result is None or not result.nfields:
            return super().description  # no result, or one without columns: psycopg's own answer
        return _Columns(SimpleNamespace(pgresult=result, _encoding=self._encoding, adapters=self.adapters),
                        result.nfields)


class _Columns(Sequence):
    """The columns of one result, each described (``psycopg.Column``) on first reading."""

    def __init__(self, described: SimpleNamespace, count: int) -> None:
        self._described, self._count, self._columns = described, count, None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if self._columns is None:
            self._columns = [psycopg.Column(self._described, number) for number in range(self._count)]
        return self._columns[index]


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        _configure_sqlite(engine)
        return engine
    connect_args = {"cursor_factory": _DescribedWhenAsked} if make_url(url).get_driver_name() == "psycopg" else {}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args)


@dataclass(frozen=True)
class ListPage:
    """One page of a list read a page at a time (``Database.page``): its rows, and how many the whole list holds."""

    rows: list
    total: int
    page: int
    per_page: int

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def beyond_last(self) -> bool:
        """Asked for a page after the last one (the list has rows, but none on this page)."""
        return bool(self.total) and self.page > self.last_page


class Database:
    """Holds the engine and hands out the session of the current application context."""

    def init_app(self, app: Flask) -> None:
        """Give ``app`` its engine and session factories. The engine is made from ``DATABASE_URL``, unless
        ``DATABASE_ENGINE`` hands one over (on that same URL): the test suite builds two apps a test on one
        database, and a new engine for each would connect, learn the server and compile every statement
        anew."""
        engine = app.config.get("DATABASE_ENGINE") or make_engine(app.config["DATABASE_URL"])
        if engine.url != make_url(app.config["DATABASE_URL"]):
            raise ValueError("DATABASE_ENGINE must be an engine on DATABASE_URL")
        writer = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
        readers = sessionmaker(engine, expire_on_commit=False)
        app.extensions["db"] = {
            "engine": engine,
            "readers": readers,
            "writers": sessionmaker(writer, expire_on_commit=False),
        }
        app.teardown_request(self._close_request_session)
        app.teardown_appcontext(self._close_context_session)
        # An unexpected error anywhere in a request (a view, or a hook around it): roll back before the error
        # page is made, so it can read the database (the signed-in user, the language) in a clean transaction.
        # (When the database itself is out, the error page reads nothing from it: errors.py.)
        got_request_exception.connect(self._roll_back_request_session, app)

    @staticmethod
    def _roll_back_request_session(_app: Flask, **_extra: Any) -> None:
        session = Database._request_session()
        if session is not None:
            _end(session, session.rollback)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["db"]["engine"]

    @property
    def session(self) -> Session:
        """The session of the current request (or, outside requests, of the application context).

        Requests that may write (POST, PUT, PATCH, DELETE) get a session that takes SQLite's write lock up
        front; reads and work outside requests begin deferred, as WAL readers never block writers.
        """
        holder = request._get_current_object() if has_request_context() else g._get_current_object()
        session = getattr(holder, "_db_session", None)
        if session is None:
            factories = current_app.extensions["db"]
            writes = has_request_context() and request.method not in READ_ONLY_METHODS
            session = factories["writers" if writes else "readers"]()
            holder._db_session = session
        return session

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the request's unit of work has committed, and never if it rolls back: for
        what must not happen before the data is stored, such as an e-mail with a link to it."""
        self.session.info.setdefault("after_commit", []).append(callback)

    def after_response(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` after the response has been sent, if the request's unit of work commits: in an
        application context and a unit of work of its own (committed when it returns, rolled back and logged
        if it raises), so neither its duration nor its failure reaches the client."""
        app = current_app._get_current_object()

        def when_sent() -> None:
            @after_this_request
            def run_once_sent(response):
                response.call_on_close(lambda: _run_on_its_own(app, callback))
                return response

        self.after_commit(when_sent)

    @staticmethod
    def _request_session() -> Session | None:
        """The current request's session, if its view has used the database at all."""
        return getattr(request._get_current_object(), "_db_session", None)

    @staticmethod
    def _close_request_session(_exception: BaseException | None = None) -> None:
        session = request.__dict__.pop("_db_session", None)
        if session is not None:
            _end(session, session.close)

    @staticmethod
    def _close_context_session(_exception: BaseException | None = None) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            _end(session, session.close)

    def read(self, statement: Executable, parameters: dict[str, Any] | None = None) -> Result:
        """Run a SELECT of columns (no ORM entities) in the session's transaction, past the session's execution
        layer: about half of the Python a statement costs (37 against 89 µs for a one-row count), for the
        statements every page runs. Changes not yet flushed are flushed first, as the session would."""
        session = self.session
        session.flush()  # returns at once when nothing is pending
        return session.connection().execute(statement, parameters)

    def get_or_404(self, model: type[T], ident: Any) -> T:
        instance = self.session.get(model, ident)
        if instance is None:
            abort(404)
        return instance

    def count(self, query: Select) -> int:
        """How many rows ``query`` returns, counted in the database."""
        return self.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0

    def page(self, query: Select | None, page: int, per_page: int) -> ListPage:
        """Page ``page`` (from 1) of ``query``'s rows, ``per_page`` a page, and how many rows there are in all: one
        COUNT, then one LIMIT/OFFSET read only if the page has rows. ``query`` selects one entity, without DISTINCT
        or GROUP BY (its rows are counted as they stand), and orders them totally (a unique key last), or pages
        could overlap or skip rows; None (nothing may be listed) is no rows."""
        if query is None:
            return ListPage([], 0, page, per_page)
        # The FROM of the selected entity kept, so a condition naming no column (false(): deny) still counts rows.
        counted = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
        total = self.session.scalar(counted) or 0
        if (page - 1) * per_page >= total:
            return ListPage([], total, page, per_page)
        return ListPage(list(self.session.scalars(query.limit(per_page).offset((page - 1) * per_page))), total, page,
                    per_page)

    def has_schema(self) -> bool:
        return inspect(self.engine).has_table("alembic_version")


db = Database()


def _end(session: Session, ending: Callable[[], object]) -> None:
    """Roll back or close ``session`` on the way out of a request; if its connection is broken (the database
    went away), drop the connection instead. Never raises: the answer is already made, or being made."""
    try:
        ending()
    except SQLAlchemyError:
        session.invalidate()


def is_retryable(error: DBAPIError) -> bool:
    """Whether the database refused the work only for now, so running it again may well succeed."""
    cause = error.orig
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES or "database is locked" in str(cause)


class _Attempt:
    """What a run of a view may change besides the database: the cookie session (flashed messages, sign-in)
    and the user Flask-Login keeps for the request. Saved before each run, put back before the next."""

    def __init__(self) -> None:
        # dict.copy reads the cookie without marking it accessed (which would add "Vary: Cookie").
        self.cookie = copy.deepcopy(dict.copy(cookie_session._get_current_object()))
        self.user = g.get("_login_user")

    def undo(self) -> None:
        cookie_session.clear()
        cookie_session.update(copy.deepcopy(self.cookie))
        request_ctx.flashes = None  # messages a page has read already are read from the cookie again
        if self.user is None:
            g.pop("_login_user", None)
        else:
            g._login_user = self.user


def _commit() -> list[Callable[[], object]]:
    """Commit the view's transaction; return the work that waited for the commit. A read-only request's is
    committed too, with nothing in it: psycopg forgets the statements it has prepared on a connection at every
    rollback, so ending each page with one made PostgreSQL plan every statement of every page anew (decision 62)."""
    session = db._request_session()
    if session is None:
        return []
    session.commit()
    return session.info.pop("after_commit", [])


def _roll_back() -> None:
    session = db._request_session()
    if session is not None:
        session.rollback()
        session.info.clear()  # what the run noted (its writes, its after-commit work) is undone with it


def _run_on_its_own(app: Flask, callback: Callable[[], object]) -> None:
    with app.app_context():
        try:
            callback()
            db.session.commit()
        except Exception:
            db.session.rollback()
            app.logger.exception("Work left for after the response failed")


def run_view(view: Callable[[], T]) -> T:
    """Run a request's view as its unit of work: see the module's docstring."""
    for attempt in range(1, ATTEMPTS + 1):
        before = _Attempt()
        try:
            result = view()
            waiting = _commit()
        except DBAPIError as error:
            _roll_back()
            if not is_retryable(error):
                raise
            before.undo()
            if attempt == ATTEMPTS:
                raise Conflict(_("The database was busy; try again.")) from error
        except BaseException:
            _roll_back()
            raise
        else:
            for callback in waiting:
                callback()
            return result


# Tables made by hand in migrations, outside the ORM: the full-text index (and SQLite's FTS5 shadow tables).
UNMODELLED_TABLES = ("item_search",)


# Indexes on an expression: each engine reflects the expression in its own words (PostgreSQL adds casts, SQLite
# none at all), so Alembic cannot compare them; tests/test_migrations.py checks that queries use them instead.
EXPRESSION_INDEXES = ("ix_reservations_open_first",)


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: leave the engine-specific search index and the expression indexes out of model
    comparisons."""
    if type_ == "index":
        return name not in EXPRESSION_INDEXES
    return not (type_ == "table" and name and name.startswith(UNMODELLED_TABLES))


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
