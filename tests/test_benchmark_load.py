"""The pure parts of benchmarks/load.py (no server is started here): reading --mix, sorting answers into served,
refused and failed, reading one HTTP response off a socket, and reading the app's own time per kind of request
back from its request log."""

import json
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from _load import hidden_fields, percentile, read_response  # noqa: E402
from _mixed import outcome_of, parse_mix, server_log_durations  # noqa: E402


def test_the_mix_is_read_as_weights_and_nonsense_is_refused():
    assert parse_mix("home=10, search=5,reserve_api=0") == {"home": 10, "search": 5, "reserve_api": 0}
    for nonsense in ("home=ten", "homepage=1", "home", "home=0"):
        with pytest.raises(ValueError):
            parse_mix(nonsense)


def test_answers_are_served_refused_or_failed():
    assert outcome_of(201, 201, refused=(409, 422)) == "ok"
    assert outcome_of(409, 201, refused=(409, 422)) == "business"
    assert outcome_of(403, 201, refused=(409, 422)) == "unexpected_403"
    assert outcome_of(503, 200) == "status_503"
    assert outcome_of(None, 200) == "connection"


def test_a_response_is_read_whole_and_says_whether_the_connection_stays_open():
    server, client = socket.socketpair()
    with server, client:
        server.sendall(b"HTTP/1.1 303 SEE OTHER\r\nLocation: /reservations/7\r\nContent-Length: 5\r\n\r\nhel")
        server.sendall(b"lo")
        assert read_response(client) == (303, {"location": "/reservations/7", "content-length": "5"}, b"hello", True)
        server.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        assert read_response(client)[3] is False


def test_the_hidden_fields_are_those_of_the_form_asked_for():
    page = (b'<form action="/language"><input type="hidden" name="csrf_token" value="other"></form>'
            b'<form action="/items/3/reserve"><input type="hidden" name="csrf_token" value="mine">'
            b'<input name="quantity" value="1"></form>')
    assert hidden_fields(page, "/reserve") == {"csrf_token": "mine"}


def test_the_apps_own_time_is_read_for_the_measured_requests_of_a_slice(tmp_path):
    def line(request_id, duration):
        return json.dumps({"logger": "marketplace.requests", "request_id": request_id, "duration_ms": duration})

    log = tmp_path / "marketplace.log"
    log.write_text("\n".join([
        line("mixed.0.api-items.1.w", 900.0),  # warm-up
        line("mixed.0.api-items.2.m", 12.5),
        line("mixed.3.home.7.m", 30.0),
        line("single.0.home.1.m", 5.0),  # another slice
        "[2026-12-06 10:00:00 +0000] [12] [WARNING] not JSON",
    ]))
    assert server_log_durations(log, "mixed") == {"api_items": [12.5], "home": [30.0]}


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (50, 95, 99)
    assert (percentile(values[:7], 0.5), percentile(values[:7], 0.95), percentile([3], 0.01)) == (4, 7, 3)
