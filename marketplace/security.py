"""Who is asking, whether they may, and the headers every response carries.

Deny by default: every endpoint needs a signed-in user unless its view is marked ``@public``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user
from limits import parse, storage, strategies
from werkzeug.middleware.proxy_fix import ProxyFix

F = TypeVar("F", bound=Callable)

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.session_protection = None  # the server-side LoginSession row does this job, across IP changes


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that a response any cache may keep (``Cache-Control: public``, as
    a static file has) carries neither the session cookie nor ``Vary: Cookie``: a shared cache could hand one
    visitor's refreshed cookie to the next, or would keep one copy of the file per visitor."""

    def save_session(self, app, session, response) -> None:
        if response.cache_control.public:
            return
        super().save_session(app, session, response)


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def require(predicate: Callable[..., bool], *args: object) -> None:
    """Abort with 403 unless ``predicate(current_user, *args)`` holds."""
    if not predicate(current_user, *args):
        abort(403)


def client_address() -> str:
    """The caller's address; behind reverse proxies, ProxyFix (MARKETPLACE_PROXY_COUNT) has already set it."""
    return request.remote_addr or "unknown"


def safe_next_url(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None. Rejects //evil, /\\evil, https://evil,
    javascript: and anything with control characters."""
    if not target or len(target) > 2000:
        return None
    if any(ord(char) < 32 or char == "\\" for char in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


class Throttle:
    """Counts failures per key in a moving window (memory, or Redis when several processes serve the site)."""

    def init_app(self, app: Flask) -> None:
        backend = storage.storage_from_string(app.config["RATELIMIT_STORAGE_URL"])
        app.extensions["throttle"] = strategies.MovingWindowRateLimiter(backend)

    @property
    def _limiter(self) -> strategies.MovingWindowRateLimiter:
        return current_app.extensions["throttle"]

    def _limit(self, setting: str):
        return parse(current_app.config[setting])

    def allows(self, setting: str, *key: str) -> bool:
        return self._limiter.test(self._limit(setting), *key)

    def seconds_until_allowed(self, setting: str, *key: str) -> int:
        reset_at, _remaining = self._limiter.get_window_stats(self._limit(setting), *key)
        return max(1, int(reset_at - time.time()))

    def hit(self, setting: str, *key: str) -> bool:
        """Count one more under ``key``, unless the limit is reached: False then, and nothing is counted. One
        step (add, then check), so parallel callers cannot all slip under the limit."""
        return self._limiter.hit(self._limit(setting), *key)

    def clear(self, setting: str, *key: str) -> None:
        self._limiter.clear(self._limit(setting), *key)


throttle = Throttle()


def _content_security_policy() -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            "style-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", _content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), microphone=(), payment=()")
    if current_app.config["ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if getattr(g, "no_store", False) or _acted_for_a_signed_in_user():
        # Pages for a signed-in user must not be kept by shared caches or shown after logout via Back.
        headers.setdefault("Cache-Control", "no-store")
    return response


def _acted_for_a_signed_in_user() -> bool:
    """Whether the request loaded a signed-in user. A response that never asked who is signed in does not
    depend on it (a static file, /healthz), and loading the user here would ask the database, which may be
    the very reason this response is an error."""
    user = g.get("_login_user")
    return user is not None and not user.is_anonymous


def refuse_nul_bytes():
    """A NUL character has no place in any form field or URL parameter (PostgreSQL refuses it in text):
    answer 400 before anything reads it."""
    for values in (request.args, request.form):
        for _name, value in values.items(multi=True):
            if "\x00" in value:
                abort(400)


def deny_anonymous_by_default():
    if request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "is_public", False) or request.endpoint == "static":
        return None  # before asking who is signed in: a public page (/healthz) may not need the database
    if current_user.is_authenticated:
        return None
    if request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]
    app.session_interface = CookieSessions()
    login_manager.init_app(app)
    throttle.init_app(app)
    app.before_request(refuse_nul_bytes)
    app.before_request(deny_anonymous_by_default)
    app.after_request(set_security_headers)
