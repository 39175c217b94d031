"""The request id, and one JSON log line per request, so an operator can trace a failure from the page or the
API error a person saw to the log (docs/operations.md, "Logs and health").

The id is the ``X-Request-ID`` a proxy sent when it is a sane token (nginx's ``$request_id``, a UUID), else a
new one; it goes back in the ``X-Request-ID`` header, on error pages and in the API's error object. The line
names the method, the path (never the query string, which holds searches and other personal data), the
status, the time taken and the signed-in user's id if the request loaded one (never an e-mail address).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import datetime, timezone

from flask import Flask, g, request
from sqlalchemy import inspect

HEADER = "X-Request-ID"
LOGGER_NAME = "marketplace.requests"
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")  # bounded, and nothing that could forge a log line
SECRET_ARGUMENTS = frozenset({"token"})  # /password/reset/<token>, /invitation/<token>: logged as the route
LONGEST_PATH = 300
STARTED, STATUS, ID, USER = ("marketplace.started", "marketplace.status", "marketplace.request_id",
                             "marketplace.user_id")

logger = logging.getLogger(LOGGER_NAME)


def request_id() -> str:
    """This request's id (kept in the WSGI environment: one per request, whatever context is pushed)."""
    environ = request.environ
    if ID not in environ:
        given = request.headers.get(HEADER, "")
        environ[ID] = given if SANE_ID.fullmatch(given) else secrets.token_hex(16)
    return environ[ID]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the record's ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class StandardErrorHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a line is written (gunicorn and pytest replace it)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr


def _configure_logger() -> None:
    """Once per process: INFO lines as JSON on standard error (gunicorn passes them to its log), and not again
    through the app's own logger, whose plain format would repeat every line."""
    if any(isinstance(handler, StandardErrorHandler) for handler in logger.handlers):
        return
    handler = StandardErrorHandler()
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _loggable_path() -> str:
    arguments = request.view_args or {}
    if request.url_rule is not None and SECRET_ARGUMENTS & arguments.keys():
        return request.url_rule.rule
    return request.path[:LONGEST_PATH]


def _loaded_user_id() -> int | None:
    """The signed-in user's id if this request loaded one, read without the database (a rollback may have
    expired the user, and the database may be the reason the request failed)."""
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    if state is None or not state.identity:
        return request.environ.get(USER)
    return state.identity[0]


def remember_user() -> None:
    """Keep the signed-in user's id for the log line before the request stops acting for them (the page for
    a database outage is made as for an anonymous visitor)."""
    user_id = _loaded_user_id()
    if user_id is not None:
        request.environ[USER] = user_id


def _start() -> None:
    request.environ[STARTED] = time.perf_counter()
    request_id()


def _finish(response):
    response.headers[HEADER] = request_id()
    request.environ[STATUS] = response.status_code
    return response


def _log(error: BaseException | None = None) -> None:
    environ = request.environ
    started = environ.get(STARTED)
    fields = {
        "request_id": request_id(),
        "method": request.method,
        "path": _loggable_path(),
        # No status was recorded when an error escaped every handler: the server then answers 500 itself.
        "status": environ.get(STATUS, 500 if error is not None else None),
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started is not None else None,
    }
    user_id = _loaded_user_id()
    if user_id is not None:
        fields["user_id"] = user_id
    logger.info("request", extra={"fields": fields})


def init_app(app: Flask) -> None:
    """Call before the rooms add their request hooks: the clock starts first (even before the check of the
    Host header), and the line is written last."""
    _configure_logger()
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)  # after-request hooks run last-added first, so this one sees the final answer
    app.teardown_request(_log)
