"""When the database is out, every answer is still an honest one: 503 with Retry-After (JSON under /api/, a friendly
page elsewhere), the security headers and the request id, made without asking the database anything. Never a
500, and never the server's bare error page. (A mistake in a statement is no outage: it stays a 500.)"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
from flask_login import current_user
from sqlalchemy import event, text

from marketplace.api import services as tokens
from marketplace.db import db
from tests.conftest import login

UNREACHABLE_POSTGRES = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"  # nothing listens on port 1
SESSION_COOKIE = "ombruk_session"
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def _gone(database_url: str, tmp_path) -> str:
    """A database of the same engine that cannot be reached: nothing listening, or a file that cannot be opened."""
    if database_url.startswith("postgresql"):
        return UNREACHABLE_POSTGRES
    return f"sqlite:///{tmp_path / 'no-such-directory' / 'marketplace.db'}"


def _driver_error(app) -> Exception:
    """The error this engine's driver raises when the database goes away."""
    if app.extensions["db"]["engine"].dialect.name == "postgresql":
        import psycopg

        return psycopg.OperationalError("server closed the connection unexpectedly")
    return sqlite3.OperationalError("unable to open database file")


@contextmanager
def outage(app):
    """From now on, until the block ends, every statement fails as if the database had gone away."""
    failure = _driver_error(app)

    def fail(*_arguments):
        raise failure

    engine = app.extensions["db"]["engine"]
    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


def _assert_honest_503(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Cache-Control"] == "no-store"
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


@pytest.fixture
def signed_in_cookie(client, region) -> str:
    """The session cookie of member A, signed in on the working database."""
    assert login(client, "member@a.example").status_code == 302
    return client.get_cookie(SESSION_COOKIE).value


@pytest.fixture
def gone_client(app, make_app, database_url, tmp_path):  # app first: the tables are emptied through it at the end
    return make_app(DATABASE_URL=_gone(database_url, tmp_path), PROPAGATE_EXCEPTIONS=False).test_client()


def test_the_api_answers_503_json_with_its_headers_and_request_id(gone_client, signed_in_cookie):
    token = "omb_" + "A" * 43  # well formed, so it is looked up: the database must answer
    for method, path in (("GET", "/api/v1/me"), ("GET", "/api/v1/items?q=stol"), ("POST", "/api/v1/items")):
        response = gone_client.open(path, method=method, headers={"Authorization": f"Bearer {token}"},
                                    json={} if method == "POST" else None)
        _assert_honest_503(response)
        assert response.is_json
        error = response.get_json()["error"]
        assert error["code"] == "database_unavailable" and error["message"] and error["fields"] == {}
        assert error["request_id"] == response.headers["X-Request-ID"]


def test_a_page_answers_a_friendly_503_as_for_an_anonymous_visitor(gone_client, signed_in_cookie):
    gone_client.set_cookie(SESSION_COOKIE, signed_in_cookie)  # a signed-in visitor: the user cannot be loaded
    for method, path in (("GET", "/"), ("GET", "/items/1"), ("POST", "/notifications/read"),
                         ("GET", "/no-such-page")):
        response = gone_client.open(path, method=method)
        _assert_honest_503(response)
        html = response.get_data(as_text=True)
        assert response.mimetype == "text/html" and '<html lang="nb">' in html
        assert "Midlertidig utilgjengelig" in html and "Logg inn" in html  # the page, without a user's menu
        assert f"<code>{response.headers['X-Request-ID']}</code>" in html


def test_the_outage_page_keeps_the_language_of_the_cookie(make_app, app, database_url, tmp_path):
    client = make_app(DATABASE_URL=_gone(database_url, tmp_path), PROPAGATE_EXCEPTIONS=False).test_client()
    client.post("/language", data={"locale": "en"})  # kept in the cookie, not the database
    response = client.get("/")
    assert response.status_code == 200  # the welcome page for visitors needs no database
    with client.session_transaction() as session:
        session["_user_id"] = "a-login-session-token"  # now the user must be looked up
    response = client.get("/")
    _assert_honest_503(response)
    assert '<html lang="en">' in response.get_data(as_text=True) and "Briefly unavailable" in response.get_data(
        as_text=True)


def test_the_database_failing_mid_request_after_the_user_was_loaded(make_app, region, request_lines):
    """The user and their menu were loaded from the database; then it goes away. The error page must not need
    it again (the old page read the user's organisation for the menu, and failed in its turn)."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.post("/stored-then-gone")
    def stored_then_gone():
        assert current_user.organisation is not None  # loaded while the database answered
        with outage(app):
            db.session.execute(text("SELECT 1"))

    client = app.test_client()
    login(client, "member@a.example")
    response = client.post("/stored-then-gone")
    _assert_honest_503(response)
    html = response.get_data(as_text=True)
    assert "Midlertidig utilgjengelig" in html and region.member_a.name not in html
    line = request_lines[-1]
    assert line["status"] == 503 and line["request_id"] == response.headers["X-Request-ID"]
    assert line["user_id"] == region.member_a.id  # who it was, although the page was made as anonymous
    # The database is back: the next request is served as usual, signed in.
    assert region.member_a.name in client.get("/").get_data(as_text=True)


def test_the_api_failing_mid_request_after_the_token_was_read(make_app, setup_tokens):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    statements = []

    def after_the_first(*_arguments):
        statements.append(1)
        if len(statements) > 1:  # the first statement passes (the token, or SQLite's BEGIN); the rest fail
            raise _driver_error(app)

    engine = app.extensions["db"]["engine"]
    event.listen(engine, "before_cursor_execute", after_the_first)
    try:
        response = client.get("/api/v1/items", headers={"Authorization": f"Bearer {setup_tokens}"})
    finally:
        event.remove(engine, "before_cursor_execute", after_the_first)
    _assert_honest_503(response)
    assert response.get_json()["error"]["code"] == "database_unavailable"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {setup_tokens}"}).status_code == 200


def test_a_postgresql_connection_killed_mid_request_answers_503(make_app, region, database_url):
    """The real thing on PostgreSQL: the server ends the connection (as a restart does) under a running request."""
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating a server connection needs PostgreSQL (MARKETPLACE_TEST_DATABASE_URL)")
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/killed")
    def killed():
        assert current_user.is_authenticated
        db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        db.session.execute(text("SELECT 1"))

    client = app.test_client()
    login(client, "member@a.example")
    _assert_honest_503(client.get("/killed"))
    assert region.member_a.name in client.get("/").get_data(as_text=True)  # a fresh connection serves the next


def test_a_mistake_in_a_statement_is_no_outage(make_app, region):
    """SQLite calls a misspelt column an OperationalError too; it is a bug, so 500 (and the user's menu)."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/misspelt")
    def misspelt():
        db.session.execute(text("SELECT no_such_column FROM users"))

    client = app.test_client()
    login(client, "member@a.example")
    response = client.get("/misspelt")
    assert response.status_code == 500 and "Retry-After" not in response.headers
    assert region.member_a.name in response.get_data(as_text=True)


@pytest.fixture
def setup_tokens(region) -> str:
    """An API token of member A, committed."""
    secret = tokens.create_token(region.member_a, "tests").secret
    db.session.commit()
    return secret
