"""The request's unit of work (marketplace.db.run_view): one commit per write request, a rollback when the view
raises, and a few runs of the view when the database asks to try again. Exercised through test-only routes
added to an app after it is built, on whichever engine the suite runs on."""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

import pytest
from flask import flash, get_flashed_messages, request
from flask_login import UserMixin, current_user, login_user
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from marketplace.audit.models import AuditEvent
from marketplace.db import ATTEMPTS, db
from marketplace.errors import Conflict
from marketplace.security import public
from tests.conftest import fresh

PACKAGE = Path(__file__).resolve().parent.parent / "marketplace"


class PostgresError(Exception):
    """Stands in for a psycopg error: only its SQLSTATE matters."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


RETRYABLE = {
    "serialization failure": lambda: PostgresError("40001"),
    "deadlock": lambda: PostgresError("40P01"),
    "sqlite busy": lambda: sqlite3.OperationalError("database is locked"),
}


def database_error(cause: Exception) -> OperationalError:
    return OperationalError("UPDATE items SET ...", {}, cause)


def record(action: str) -> None:
    db.session.add(AuditEvent(action=action, details={}))
    db.session.flush()


def recorded(action: str) -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


@pytest.fixture
def runs():
    """How often each test route's view ran, and what ran after a commit."""
    return {"view": 0, "after_commit": 0}


@pytest.fixture
def client(web_app, runs):
    """The test client of an app with test-only routes, added after the app is built (as a new view would be)."""

    def failing(times: int, cause):
        runs["view"] += 1
        if runs["view"] <= times:
            raise database_error(cause())

    @public
    def write():
        record("uow-write")
        return "written", int(request.args.get("status", 200))

    @public
    def read_and_write():
        record("uow-get")
        return "written"

    @public
    def read():
        found = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "uow-none"))
        return f"read {found}"

    @public
    def refuse():
        record("uow-refused")
        raise Conflict("No.")

    @public
    def flaky(kind: str, times: int):
        flash("Saved once.", "success")
        db.after_commit(lambda: runs.__setitem__("after_commit", runs["after_commit"] + 1))
        record("uow-flaky")
        failing(times, RETRYABLE[kind.replace("-", " ")])
        return "saved"

    @public
    def flaky_page():
        """Flashes, shows the messages on its page, then fails at the commit once."""
        runs["view"] += 1
        flash(f"Run {runs['view']}.", "info")
        record("uow-page")
        shown = get_flashed_messages()
        if runs["view"] == 1:
            @event.listens_for(db.session, "before_commit", once=True)
            def busy(_session):
                raise database_error(RETRYABLE["sqlite busy"]())
        return " | ".join(shown)

    @public
    def sign_in():
        """Signs somebody in, then finds the database busy once: the retry starts signed out, as the first did."""
        runs["view"] += 1
        seen = "signed in" if current_user.is_authenticated else "signed out"
        if runs["view"] == 1:
            login_user(Somebody())
            raise database_error(RETRYABLE["deadlock"]())
        return seen

    @public
    def broken():
        failing(ATTEMPTS, lambda: PostgresError("23505"))  # a unique violation: trying again would not help
        return "never"

    for rule, view, methods in (
        ("/test/write", write, ["POST"]),
        ("/test/read-and-write", read_and_write, ["GET"]),
        ("/test/read", read, ["GET"]),
        ("/test/refuse", refuse, ["POST"]),
        ("/test/flaky/<kind>/<int:times>", flaky, ["POST"]),
        ("/test/flaky-page", flaky_page, ["POST"]),
        ("/test/sign-in", sign_in, ["POST"]),
        ("/test/broken", broken, ["POST"]),
    ):
        web_app.add_url_rule(rule, view_func=view, methods=methods)
    return web_app.test_client()


class Somebody(UserMixin):
    id = "somebody"


def flashed(client) -> list:
    with client.session_transaction() as cookie:
        return cookie.get("_flashes", [])


@pytest.mark.parametrize("status", [200, 303, 400, 401, 429])
def test_a_write_request_commits_when_its_view_returns_whatever_the_status(app, client, status):
    response = client.post(f"/test/write?status={status}")
    assert response.status_code == status
    assert recorded("uow-write") == 1


def test_a_view_that_raises_is_rolled_back(app, client):
    response = client.post("/test/refuse")
    assert response.status_code == 409
    assert recorded("uow-refused") == 0


def test_a_read_only_request_that_wrote_after_all_commits(app, client):
    assert client.get("/test/read-and-write").status_code == 200
    assert recorded("uow-get") == 1


def test_a_read_only_request_ends_its_transaction_with_a_commit_not_a_rollback(app, client, web_app):
    """A rollback makes psycopg forget the statements it has prepared on the connection (decision 62), so a page
    that only reads commits its transaction of nothing."""
    ended = []
    engine = web_app.extensions["db"]["engine"]
    listeners = {"commit": lambda _connection: ended.append("commit"),
                 "rollback": lambda _connection: ended.append("rollback")}
    for name, listener in listeners.items():
        event.listen(engine, name, listener)
    try:
        assert client.get("/test/read").text == "read 0"
    finally:
        for name, listener in listeners.items():
            event.remove(engine, name, listener)
    assert ended == ["commit"]


@pytest.mark.parametrize("kind", RETRYABLE)
def test_a_busy_database_runs_the_view_again_and_it_succeeds(app, client, runs, kind):
    response = client.post(f"/test/flaky/{kind.replace(' ', '-')}/{ATTEMPTS - 1}")
    assert response.status_code == 200 and response.text == "saved"
    assert runs["view"] == ATTEMPTS
    assert recorded("uow-flaky") == 1  # the failed runs left nothing behind
    assert runs["after_commit"] == 1
    assert flashed(client) == [("success", "Saved once.")]


def in_english(client) -> None:
    with client.session_transaction() as cookie:
        cookie["locale"] = "en"


def test_a_database_still_busy_after_the_last_attempt_answers_409(app, client, runs):
    in_english(client)
    response = client.post(f"/test/flaky/serialization-failure/{ATTEMPTS}")
    assert response.status_code == 409
    assert "The database was busy; try again." in response.text
    assert runs["view"] == ATTEMPTS
    assert recorded("uow-flaky") == 0
    assert runs["after_commit"] == 0
    assert flashed(client) == []  # nothing claims a success that did not happen


def test_the_api_gets_the_same_409_as_json(app, client, web_app, runs):
    @public
    def busy_api():
        runs["view"] += 1
        raise database_error(PostgresError("40P01"))

    web_app.add_url_rule("/api/v1/test-busy", view_func=busy_api, methods=["POST"])
    in_english(client)
    response = client.post("/api/v1/test-busy")
    assert response.status_code == 409
    error = response.json["error"]
    assert (error["code"], error["message"]) == ("conflict", "The database was busy; try again.")
    assert runs["view"] == ATTEMPTS


def test_a_commit_that_finds_the_database_busy_runs_the_view_again_without_flashing_twice(app, client, runs):
    with client.session_transaction() as cookie:
        cookie["_flashes"] = [("info", "From the page before.")]
    response = client.post("/test/flaky-page")
    assert response.status_code == 200
    assert runs["view"] == 2
    assert response.text == "From the page before. | Run 2."  # the second run's page, read afresh
    assert recorded("uow-page") == 1
    assert flashed(client) == []


def test_a_retry_starts_from_the_sign_in_state_before_the_failed_run(app, client, runs):
    response = client.post("/test/sign-in")
    assert response.status_code == 200 and response.text == "signed out"
    assert runs["view"] == 2
    with client.session_transaction() as cookie:
        assert "_user_id" not in cookie


def test_other_database_errors_are_not_retried(app, client, runs):
    with pytest.raises(OperationalError):
        client.post("/test/broken")
    assert runs["view"] == 1


def _calls_in(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            function = node.func
            names.append(function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", ""))
    return names


def test_no_view_commits_or_rolls_back():
    """The unit of work is the one place that commits. The API's operations live in api/<domain>.py; its
    authentication (api/core.py) stores a token's use before the view's unit of work begins."""
    api_operations = [path for path in (PACKAGE / "api").glob("*.py")
                      if path.name not in ("core.py", "services.py", "openapi.py", "models.py", "__init__.py")]
    views = [*PACKAGE.rglob("views.py"), *api_operations]
    assert len(views) >= 15
    offenders = {str(path.relative_to(PACKAGE)): name for path in views for name in _calls_in(path)
                 if name in {"commit", "rollback"}}
    assert offenders == {}


# --- Work after the response (db.after_response) --------------------------------------------------------------

@pytest.fixture
def after_response_client(web_app):
    @public
    def later():
        record("uow-before-response")
        db.after_response(lambda: record("uow-after-response"))
        if request.args.get("then") == "fail":
            db.after_response(lambda: (record("uow-after-response-failing"), 1 / 0))
        if request.args.get("then") == "refuse":
            raise Conflict("No.")
        return "sent"

    web_app.add_url_rule("/test/later", view_func=later, methods=["POST"])
    return web_app.test_client()


def test_work_after_the_response_runs_once_it_is_sent_in_its_own_unit_of_work(app, after_response_client):
    response = after_response_client.post("/test/later")
    assert response.text == "sent"
    assert recorded("uow-before-response") == 1 and recorded("uow-after-response") == 0
    response.close()  # what a server does once the last byte has gone out
    assert recorded("uow-after-response") == 1


def test_work_after_the_response_never_runs_when_the_request_rolls_back(app, after_response_client):
    response = after_response_client.post("/test/later?then=refuse")
    response.close()
    assert response.status_code == 409
    assert recorded("uow-before-response") == recorded("uow-after-response") == 0


def test_failing_work_after_the_response_is_logged_and_undone_and_the_rest_still_runs(app, after_response_client,
                                                                                      caplog):
    response = after_response_client.post("/test/later?then=fail")
    response.close()
    assert response.status_code == 200
    assert recorded("uow-after-response") == 1
    assert recorded("uow-after-response-failing") == 0
    assert "Work left for after the response failed" in caplog.text
