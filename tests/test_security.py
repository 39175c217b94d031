"""Deny by default, CSRF, security headers and error pages, for every route there is."""

import re

import pytest
from flask import request, url_for
from werkzeug.routing import AnyConverter, IntegerConverter
from sqlalchemy import select, text

from marketplace.accounts.models import User
from marketplace.db import db
from tests.conftest import TEST_PASSWORD, login, fresh

PUBLIC_ENDPOINTS = {"static", "accounts.login", "pages.home", "pages.choose_language", "pages.accessibility",
                    "pages.privacy", "impact.method", "accounts.forgot_password", "accounts.reset_password",
                    "accounts.accept_invitation", "sso.begin", "sso.find_provider", "sso.callback",
                    "api.openapi_json", "api.docs", "site.liveness", "site.readiness"}


def _example_values(rule):
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = sorted(converter.items)[0] if isinstance(converter, AnyConverter) else 1
    return values


def _example_url(web_app, rule):
    with web_app.test_request_context():
        return url_for(rule.endpoint, **_example_values(rule))


def _protected_routes(web_app):
    for rule in web_app.url_map.iter_rules():
        view = web_app.view_functions[rule.endpoint]
        if getattr(view, "is_public", False) or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


HOSTILE_IDS = ["2147483648", "99999999999999999999", "0", "١٢", "１"]
_ARGUMENT = re.compile(r"<(?:(\w+)(?:\((.*?)\))?:)?(\w+)>")


def _url_with_id(rule, hostile: str) -> str:
    """The rule's path with ``hostile`` for every id and a harmless value for its other parts."""
    def value(match):
        converter = rule._converters[match.group(3)]
        if isinstance(converter, IntegerConverter):
            return hostile
        return sorted(converter.items)[0] if isinstance(converter, AnyConverter) else "x"
    return _ARGUMENT.sub(value, rule.rule)


def test_an_id_no_row_can_have_is_404_on_every_route(web_app, client, region):
    """Ids beyond the database's integer, zero, and digits of other scripts name nothing: 404 before a view or
    the database sees them (PostgreSQL would refuse a too large integer with an error)."""
    login(client, "admin@a.example")
    routes = [(rule, method) for rule in web_app.url_map.iter_rules()
              if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values())
              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(routes) >= 30
    answers = {(method, _url_with_id(rule, hostile)): client.open(_url_with_id(rule, hostile), method=method)
               .status_code for rule, method in routes for hostile in HOSTILE_IDS}
    assert {request: status for request, status in answers.items() if status != 404} == {}


def test_public_endpoints_are_exactly_the_intended_ones(web_app):
    public = {rule.endpoint for rule in web_app.url_map.iter_rules()
              if getattr(web_app.view_functions[rule.endpoint], "is_public", False) or rule.endpoint == "static"}
    assert public == PUBLIC_ENDPOINTS


def test_every_other_route_demands_login(web_app, client):
    routes = list(_protected_routes(web_app))
    assert len(routes) >= 4
    for rule, method in routes:
        url = _example_url(web_app, rule)
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
        else:
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/login?next="), (method, url)


def test_post_without_csrf_token_is_refused_and_changes_nothing(make_app, region):
    web = make_app(WTF_CSRF_ENABLED=True)
    client = web.test_client()
    login_without_token = client.post("/login", data={"email": "member@a.example", "password": TEST_PASSWORD})
    assert login_without_token.status_code == 400
    assert client.get("/account/password").status_code == 302  # not signed in

    # Sign in properly, then try a state change without the token.
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"email": "member@a.example", "password": TEST_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    before = db.session.scalar(select(User.password_hash).where(User.email == "member@a.example"))
    forged = client.post("/account/password", data={"current_password": TEST_PASSWORD,
                                                     "new_password": "hijacked password!",
                                                     "confirm_password": "hijacked password!"})
    assert forged.status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.get("/account/password").status_code == 200  # still signed in: the logout was refused
    fresh()
    assert db.session.scalar(select(User.password_hash).where(User.email == "member@a.example")) == before


EXPECTED_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


@pytest.mark.parametrize("path, status", [("/login", 200), ("/no-such-page", 404), ("/api/v1/nothing", 404)])
def test_security_headers_on_html_error_and_json(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    for header in EXPECTED_HEADERS:
        assert header in response.headers, header
    csp = response.headers["Content-Security-Policy"]
    assert "base-uri 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing")
    assert response.is_json
    assert response.get_json()["error"]["code"] == "not_found"


def test_signed_in_pages_are_not_cached(client, region):
    login(client, "member@a.example")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_error_pages_in_both_languages(client):
    norwegian = client.get("/no-such-page")
    assert norwegian.status_code == 404 and '<html lang="nb">' in norwegian.get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    english = client.get("/no-such-page")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Page not found" in english.get_data(as_text=True)


def test_method_not_allowed_page(client):
    response = client.get("/logout")
    assert response.status_code in (302, 405)  # anonymous users are sent to login first
    signed_out_post = client.post("/privacy")
    assert signed_out_post.status_code == 405 and "GET" in signed_out_post.headers["Allow"]


def test_too_large_request_is_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    response = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    assert response.status_code == 413


def test_unexpected_error_gives_the_friendly_500_page(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    boom.is_public = True
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "kaboom" not in html and "500" in html
    assert "Content-Security-Policy" in response.headers


def test_an_error_outside_the_view_is_rolled_back_before_the_error_page(make_app, region):
    """A request hook whose statement fails leaves PostgreSQL's transaction aborted; the error page reads the
    signed-in user, so the database rolls back first (db.init_app), or the page itself would fail."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.before_request
    def broken_hook():
        if request.path == "/notifications":
            db.session.execute(text("SELECT no_such_column FROM users"))

    client = app.test_client()
    login(client, "member@a.example")
    response = client.get("/notifications")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "500" in html and region.member_a.name in html  # the friendly page, with the user's menu
