"""Friendly error pages in both languages; JSON errors under /api/."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

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
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "unprocessable",
         429: "too_many_requests", 500: "internal_error"}


class Forbidden(Exception):
    """The acting user may not do this (403). Raised by services; every entry point answers it alike."""


class NotVisible(Exception):
    """The thing does not exist, or the acting user may not see it (404: the two are never told apart)."""


class Conflict(Exception):
    """The request is valid but the thing is not in a state that allows it (409). The message is fit to show."""


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, code: str | None = None):
    title, default_message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    message = message or str(default_message)
    if wants_json():
        body = jsonify(error={"code": code or CODES.get(status, "error"), "message": message})
    else:
        body = render_template("errors/error.html", status=status, title=title, message=message)
    return make_response(body, status)


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


def handle_unexpected(_error: InternalServerError):
    # Flask has logged the original exception, and the database rolled back what was half done (db.init_app).
    return error_response(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)
    # Services raise these; every entry point (page, API, command) answers them the same way.
    app.register_error_handler(Forbidden, handle_forbidden)
    app.register_error_handler(NotVisible, handle_not_visible)
    app.register_error_handler(Conflict, handle_conflict)
