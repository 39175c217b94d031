"""Friendly error pages in both languages; JSON errors under /api/. Every error carries the request's id.

An error page is made without the database whenever the database is the trouble: "database unavailable" (down,
restarting, refusing connections, or SQLite unable to open its file) answers 503 with ``Retry-After``, the
visitor treated as anonymous and the language taken from the cookie or the default, never a 500.
"""

from __future__ import annotations

import sqlite3
import sys

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sqlalchemy_errors
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace.request_log import remember_user, request_id

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Sign-in needed"), _l("You must sign in to see this page.")),
    403: (_l("Not allowed"), _l("You do not have access to this page. Ask your municipality's administrator if you need it.")),
    404: (_l("Page not found"), _l("The page does not exist, or you do not have access to it.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Not possible now"), _l("This cannot be done in the current state. Reload the page and try again.")),
    413: (_l("Too large"), _l("The file or form is too large. Choose a smaller file and try again.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Wait a little and try again.")),
    500: (_l("Something went wrong"), _l("An error on our side stopped the page. It has been logged; try again in a moment.")),
    503: (_l("Briefly unavailable"), _l("We cannot reach the database just now. Wait a few seconds and try again.")),
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "unprocessable",
         429: "too_many_requests", 500: "internal_error", 503: "service_unavailable"}
RETRY_AFTER_SECONDS = 5  # a PostgreSQL restart takes a second or two; a failover longer
# SQLite calls every failure OperationalError, a typo in SQL too; only these say the file cannot be used now.
SQLITE_UNAVAILABLE = ("unable to open database", "database is locked", "disk i/o error")
# What SQLAlchemy raises when the database cannot be used; database_unavailable decides by the driver's error
# (psycopg's OperationalError: the server is down, restarting, out of connections, or cancelled the statement).
DATABASE_ERRORS = (sqlalchemy_errors.DBAPIError, sqlalchemy_errors.DisconnectionError, sqlalchemy_errors.TimeoutError)


class Forbidden(Exception):
    """The acting user may not do this (403). Raised by services; every entry point answers it alike."""


class NotVisible(Exception):
    """The thing does not exist, or the acting user may not see it (404: the two are never told apart)."""


class Conflict(Exception):
    """The request is valid but the thing is not in a state that allows it (409). The message is fit to show."""


def _says_unavailable(error: BaseException) -> bool:
    if isinstance(error, (sqlalchemy_errors.DisconnectionError, sqlalchemy_errors.TimeoutError)):
        return True  # the pool: a connection checked and found dead, or none free in time
    if isinstance(error, sqlalchemy_errors.DBAPIError):
        # SQLAlchemy names the error after the driver's; the driver's error says what happened.
        return error.connection_invalidated or _says_unavailable(error.orig)
    if isinstance(error, sqlite3.Error):
        return isinstance(error, sqlite3.OperationalError) and any(
            words in str(error).lower() for words in SQLITE_UNAVAILABLE)
    psycopg = sys.modules.get("psycopg")  # imported only when an engine uses it
    return psycopg is not None and isinstance(error, (psycopg.OperationalError, psycopg.InterfaceError))


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error``, or an error that led to it, says the database cannot be reached or used just now
    (down, restarting, out of connections), as opposed to a mistake in a statement."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _says_unavailable(error):
            return True
        error = getattr(error, "original_exception", None) or error.__cause__ or error.__context__
    return False


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_body(status: int, code: str | None = None, message: str | None = None,
               fields: dict[str, str] | None = None) -> dict:
    """The API's error object (``Error`` in the OpenAPI document)."""
    default_message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])[1]
    return {"error": {"code": code or CODES.get(status, "error"), "message": message or str(default_message),
                      "fields": fields or {}, "request_id": request_id()}}


def error_response(status: int, message: str | None = None, code: str | None = None):
    if wants_json():
        body = jsonify(error_body(status, code, message))
    else:
        title, default_message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
        body = render_template("errors/error.html", status=status, title=title,
                               message=message or str(default_message), request_id=request_id())
    return make_response(body, status)


def database_unavailable_response():
    """503 with Retry-After, made without asking the database anything: the visitor counts as anonymous (so
    neither the page's menu nor the language looks the user up), and nothing is cached."""
    remember_user()
    g._login_user = current_app.login_manager.anonymous_user()  # what Flask-Login keeps for the request
    g.no_store = True
    response = error_response(503, code="database_unavailable")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def log_outage(error: BaseException) -> None:
    """One line, not a traceback: during an outage every request fails alike."""
    summary = (str(error).strip().splitlines() or [type(error).__name__])[0]
    current_app.logger.warning("Database unavailable (request %s): %s", request_id(), summary)


def handle_database_error(error: Exception):
    if not database_unavailable(error):
        raise error  # a mistake, not an outage: the unexpected-error path logs it, rolls back and answers 500
    log_outage(error)
    return database_unavailable_response()


def handle_http_exception(error: HTTPException):
    response = error_response(error.code or 500)
    if error.code == 429 and getattr(error, "retry_after", None):
        response.headers["Retry-After"] = str(error.retry_after)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_csrf_error(_error: CSRFError):
    return error_response(400, str(_l("The form had expired or came from elsewhere. Reload the page and try again.")),
                          code="csrf_failed")


def handle_forbidden(_error: Forbidden):
    return error_response(403)


def handle_not_visible(_error: NotVisible):
    return error_response(404)


def handle_conflict(error: Conflict):
    return error_response(409, str(error), code="conflict")


def handle_unexpected(error: InternalServerError):
    # Flask has logged the original exception, and the database rolled back what was half done (db.init_app).
    # The database failing anywhere, an error handler's page included, lands here too: then it is an outage.
    if database_unavailable(error.original_exception):
        return database_unavailable_response()
    return error_response(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)
    for kind in DATABASE_ERRORS:
        app.register_error_handler(kind, handle_database_error)
    # Services raise these; every entry point (page, API, command) answers them the same way.
    app.register_error_handler(Forbidden, handle_forbidden)
    app.register_error_handler(NotVisible, handle_not_visible)
    app.register_error_handler(Conflict, handle_conflict)
