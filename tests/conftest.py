"""Test set-up: a real database (SQLite file, or PostgreSQL when MARKETPLACE_TEST_DATABASE_URL names one),
migrated once per run with Alembic, emptied after every test."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from werkzeug.routing import rules
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.db import UNMODELLED_TABLES, Base, db, make_engine, upgrade
from marketplace.devdata import demo
from marketplace.devdata import photos as drawings
from marketplace.listings import photos as photo_files
from tests.row_snapshots import built_once
from tests.shared_engine import SharedEngine

pytest_plugins = ["tests.sso.oidc_provider"]  # the oidc_provider fixture: a real OpenID Provider

TEST_PASSWORD = "correct horse battery"
SQLITE_LEDGER_GUARD = (  # as migration 0004 creates it
    "CREATE TRIGGER reuse_events_no_delete BEFORE DELETE ON reuse_events "
    "BEGIN SELECT RAISE(ABORT, 'reuse_events is append-only: record a reversing event instead'); END"
)


def _cache_url_builders() -> None:
    """Reuse Werkzeug's URL builders across apps. Every test builds two apps, and each app compiled two Python
    functions for each of its ~180 routes (an AST built, walked and compiled: ~90 % of create_app, ~0.1 s of
    CPU an app, four minutes or so of a run). A builder is made from the rule's parts alone and is bound to each rule
    afterwards (``self`` is its argument, its converters are read through it), so rules with the same parts
    share one; a rule whose defaults fill in one of its parts is compiled as before."""
    compile_builder = rules.Rule._compile_builder
    built: dict[tuple, object] = {}

    def cached(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        if any(dynamic and part in defaults for dynamic, part in self._trace):
            return compile_builder(self, append_unknown)
        key = (self.rule, append_unknown, tuple(self._trace), tuple(sorted(map(str, defaults))))
        if key not in built:
            built[key] = compile_builder(self, append_unknown)
        return built[key]

    rules.Rule._compile_builder = cached


_cache_url_builders()


def _draw_the_demo_s_photos_once() -> None:
    """The full demo (the crawl, tests/devdata, `marketplace demo` in test_cli) draws ~130 photos and sends each
    through the photo pipeline: 5–10 s of a load. Both are pure (the same arguments give the same bytes, the
    same bytes the same variants), so while the demo loads, each drawing and its processing are remembered for
    the run: the first load does all the work, later ones reuse it (every load still stores the variants in
    its own upload directory). Outside a demo load, as in the photo tests, nothing is remembered."""
    load, render, process = demo.load, drawings.render, photo_files.process
    drawn: dict[tuple, bytes] = {}
    processed: dict[bytes, photo_files.ProcessedPhoto] = {}

    def render_once(*args, **kwargs) -> bytes:
        key = (args, tuple(sorted(kwargs.items())))
        if key not in drawn:
            drawn[key] = render(*args, **kwargs)
        return drawn[key]

    def process_once(upload):
        if not isinstance(upload, bytes):
            return process(upload)
        if upload not in processed:
            processed[upload] = process(upload)  # a PhotoError is raised each time, never remembered
        return processed[upload]

    def load_with_remembered_photos(*args, **kwargs):
        drawings.render, photo_files.process = render_once, process_once
        try:
            return load(*args, **kwargs)
        finally:
            drawings.render, photo_files.process = render, process

    demo.load = load_with_remembered_photos


_draw_the_demo_s_photos_once()


def _reset_database(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("MARKETPLACE_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    _reset_database(url)
    upgrade(url)
    return url


def _empty_all_tables(app, attempts: int = 5) -> None:
    """Empty every table; retried if a straggling connection (a browser test's last request) deadlocks it."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            return _empty_tables_once(app)
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


_POSTGRESQL_RESET: list[str] = []  # the statements, read from the catalogue once per run


def _postgresql_reset(connection) -> str:
    """Empty every table and restart every sequence. As a superuser (CI's ``postgres``): DELETE with triggers
    off (the foreign keys, the ledger's append-only guard), about a fifth of the time of a TRUNCATE of all 35
    tables, which was 2–4 minutes of the PostgreSQL run; otherwise that TRUNCATE."""
    if not _POSTGRESQL_RESET:
        tables = connection.scalars(text(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename <> 'alembic_version' ORDER BY tablename")).all()
        sequences = connection.scalars(text(
            "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = current_schema()")).all()
        if connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
            _POSTGRESQL_RESET.append("; ".join(["SET LOCAL session_replication_role = replica"]
                                               + [f"DELETE FROM {table}" for table in tables]
                                               + [f"ALTER SEQUENCE {sequence} RESTART" for sequence in sequences]))
        else:
            _POSTGRESQL_RESET.append(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return _POSTGRESQL_RESET[0]


def _empty_tables_once(app) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with app.app_context(), db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text(_postgresql_reset(connection)))
        else:
            # The ledger refuses deletes (append-only): lift the guard for the clean-up only.
            connection.execute(text("DROP TRIGGER IF EXISTS reuse_events_no_delete"))
            for table in tables:
                connection.execute(table.delete())
            connection.execute(text(SQLITE_LEDGER_GUARD))
            for name in UNMODELLED_TABLES:  # on PostgreSQL the cascade above empties them
                connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(scope="session")
def shared_engine(database_url) -> Iterator[SharedEngine]:
    shared = SharedEngine(database_url)
    yield shared
    shared.close()


@pytest.fixture
def make_app(database_url, shared_engine, tmp_path):
    """Build an app on the test database; ``overrides`` change its configuration. Apps on the test database
    share the run's engine (tests/shared_engine.py); an app on another database gets its own."""
    apps = []

    def factory(**overrides):
        config = {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-production",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
        }
        config.update(overrides)
        if config["DATABASE_URL"] == database_url:
            config.setdefault("DATABASE_ENGINE", shared_engine.engine)
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    try:
        if apps:
            _empty_all_tables(apps[0])
        for app in apps:
            if app.extensions["db"]["engine"] is not shared_engine.engine:
                app.extensions["db"]["engine"].dispose()
    finally:
        shared_engine.after_test()


@pytest.fixture
def app(make_app):
    """The app, with an application context pushed so tests can call services directly."""
    app = make_app()
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def web_app(make_app, app):
    """A second app on the same database, serving the test client.

    Flask reuses an application context that is already pushed for the same app, so requests made while a
    test holds ``app``'s context would share its ``g`` (the signed-in user, the session). A separate app gives
    every request its own context, as in production.
    """
    return make_app()


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def region(app):
    """A network of two municipalities (and one outside it), with users of every role; committed. Built once
    per run, put back for each test from a snapshot (tests/row_snapshots.py)."""
    from tests.factories import build_region

    def build():
        built = build_region()
        db.session.commit()
        return built

    return built_once("region", build)


@contextmanager
def counting_queries(app):
    """Collect the SQL of each statement the app's engine runs inside the block."""
    statements: list[str] = []
    engine = app.extensions["db"]["engine"]

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@contextmanager
def served_over_http(app, *, threaded: bool = False) -> Iterator[str]:
    """Serve ``app`` on a free local port for the block; yields its base URL (for a browser or an HTTP client)."""
    server = make_server("127.0.0.1", 0, app, threaded=threaded)
    # Request threads are joined on close, so no request still holds the database when the tables are emptied.
    server.daemon_threads = False
    # A short poll interval: shutdown() waits for the serving loop to notice, 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="live-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def fresh() -> None:
    """Forget what the test's session holds, so the next read sees what requests have committed since.
    (Ending the transaction matters on SQLite, where a read transaction keeps its snapshot.)"""
    db.session.rollback()
    db.session.expire_all()


def login(client, email: str, password: str = TEST_PASSWORD, **headers):
    return client.post("/login", data={"email": email, "password": password}, headers=headers)


def without_csrf_tokens(html: str) -> str:
    """The page with its CSRF tokens' values blanked: they are signed with the time to the second, so two
    answers a second apart differ in them and, where a test compares answers, in nothing else."""
    tokens = re.findall(r'<input[^>]*name="csrf_token"[^>]*>', html)
    assert tokens, "the page should hold a form's CSRF token"
    for token in tokens:
        html = html.replace(token, re.sub(r'value="[^"]*"', 'value=""', token))
    return html


@pytest.fixture
def catalogue(app):
    """The categories and the default factor set, as `marketplace init` installs them; committed. Built once
    per run, put back for each test from a snapshot (tests/row_snapshots.py)."""
    from tests.factories import install_catalogue

    def build():
        factor_set = install_catalogue()
        db.session.commit()
        return factor_set

    return built_once("catalogue", build)


@pytest.fixture
def request_lines():
    """The request log's lines written during the test, each parsed from its JSON."""
    import json
    import logging

    from marketplace.request_log import LOGGER_NAME, JsonFormatter

    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(JsonFormatter().format(record)))

    handler = Collect()
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
