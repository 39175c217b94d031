"""One JSON line per request (request id, method, path, status, duration, the user's id), and the request id in
the X-Request-ID header, on error pages and in the API's error object."""

from __future__ import annotations

import json
import logging
import re

import pytest

from marketplace.request_log import LOGGER_NAME, JsonFormatter
from tests.conftest import login

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_one_line_per_request_without_query_string_or_email(client, region, request_lines):
    login(client, "member@a.example")
    response = client.get("/items?q=Kari+Nordmann&category=office_chair")
    line = request_lines[-1]
    assert set(line) >= {"time", "level", "logger", "request_id", "method", "path", "status", "duration_ms"}
    assert line["logger"] == LOGGER_NAME and line["level"] == "INFO"
    assert line["method"] == "GET" and line["path"] == "/items" and line["status"] == response.status_code
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == region.member_a.id
    written = json.dumps(request_lines)
    assert "Nordmann" not in written and "member@a.example" not in written
    assert [entry["method"] for entry in request_lines] == ["POST", "GET"]  # the sign-in, the search


def test_an_anonymous_request_has_no_user(client, request_lines):
    client.get("/login")
    assert "user_id" not in request_lines[-1] and request_lines[-1]["status"] == 200


def test_a_secret_in_the_path_is_logged_as_the_route(client, request_lines):
    client.get("/password/reset/a-secret-reset-token")
    assert request_lines[-1]["path"] == "/password/reset/<token>"
    assert "a-secret-reset-token" not in json.dumps(request_lines)


@pytest.mark.parametrize("given", ["0f8c2b1e-6d3a-4c8e-9a57-3f1d2e4b5a6c", "abc123", "lb.1:req-7"])
def test_a_sane_incoming_request_id_is_kept(client, request_lines, given):
    response = client.get("/healthz", headers={"X-Request-ID": given})
    assert response.headers["X-Request-ID"] == given and request_lines[-1]["request_id"] == given


@pytest.mark.parametrize("given", ["", "x" * 101, "two words", "evil\", \"status\": 200", "-starts-with-dash",
                                   "æøå"])
def test_any_other_incoming_request_id_is_replaced(client, request_lines, given):
    response = client.get("/healthz", headers={"X-Request-ID": given})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])
    assert request_lines[-1]["request_id"] == response.headers["X-Request-ID"]


def test_every_request_gets_its_own_id(client):
    assert client.get("/healthz").headers["X-Request-ID"] != client.get("/healthz").headers["X-Request-ID"]


def test_the_id_is_on_the_error_page_and_in_the_api_error(client, request_lines):
    page = client.get("/no-such-page", headers={"X-Request-ID": "trace-me-1"})
    assert page.status_code == 404 and "<code>trace-me-1</code>" in page.get_data(as_text=True)
    api = client.get("/api/v1/items", headers={"X-Request-ID": "trace-me-2"})
    assert api.status_code == 401 and api.get_json()["error"]["request_id"] == "trace-me-2"
    assert [(line["request_id"], line["status"]) for line in request_lines] == [("trace-me-1", 404),
                                                                                ("trace-me-2", 401)]


def test_an_unexpected_error_is_logged_with_the_request_id(make_app, request_lines, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    boom.is_public = True
    response = app.test_client().get("/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500 and "<code>boom-1</code>" in response.get_data(as_text=True)
    assert request_lines[-1]["status"] == 500 and request_lines[-1]["request_id"] == "boom-1"
    traceback = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert "(request boom-1)" in traceback[-1].getMessage() and traceback[-1].exc_info


def test_the_formatter_writes_one_line_of_json_whatever_the_message():
    record = logging.LogRecord(LOGGER_NAME, logging.INFO, __file__, 1, "line\nbreak \"quoted\"", None, None)
    record.fields = {"path": "/a\nb"}
    written = JsonFormatter().format(record)
    assert "\n" not in written and json.loads(written)["path"] == "/a\nb"
