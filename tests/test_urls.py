"""The site answers only for its own hosts, and every absolute link comes from MARKETPLACE_BASE_URL."""

import sys
from decimal import Decimal

import flask.cli
import pytest

from marketplace import cli, urls
from marketplace.api import services as tokens
from marketplace.db import db
from tests.conftest import login
from tests.factories import make_item

FORGED = "evil.example"


@pytest.fixture
def site(make_app, app):
    """A site at https://ombruk.kommune.example that also answers at its internal name."""
    return make_app(BASE_URL="https://ombruk.kommune.example", TRUSTED_HOSTS_EXTRA=["intern.kommune.example"])


def test_trusted_hosts_are_the_base_url_its_extras_and_loopback_only_for_a_local_base_url():
    config = {"BASE_URL": "https://ombruk.kommune.no", "TRUSTED_HOSTS_EXTRA": [".kommune.no", "ombruk.kommune.no"]}
    assert urls.trusted_hosts(config) == ["ombruk.kommune.no", ".kommune.no"]
    local = {"BASE_URL": "http://127.0.0.1:5000", "TRUSTED_HOSTS_EXTRA": []}
    assert urls.trusted_hosts(local) == ["127.0.0.1", "localhost", "::1"]


@pytest.mark.parametrize("path", ["/", "/login", "/search?q=stol", "/api/v1/items", "/api/v1/openapi.json"])
def test_a_forged_host_header_is_refused_before_any_view(site, path):
    response = site.test_client().get(path, headers={"Host": FORGED})
    assert response.status_code == 400
    assert FORGED not in response.get_data(as_text=True)
    if path.startswith("/api/"):
        assert response.is_json and response.get_json()["error"]["code"] == "bad_request"


def test_a_forged_host_cannot_sign_in_or_change_anything(site, region):
    response = site.test_client().post("/login", data={"email": region.member_a.email, "password": "x"},
                                       headers={"Host": FORGED})
    assert response.status_code == 400


@pytest.mark.parametrize("host", ["ombruk.kommune.example", "intern.kommune.example", "ombruk.kommune.example:8443"])
def test_the_sites_own_hosts_are_answered(site, host):
    assert site.test_client().get("/login", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_answer_a_load_balancer_probing_by_ip_address(site, path):
    response = site.test_client().get(path, headers={"Host": "10.0.3.17:8000"})
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_api_links_come_from_the_base_url_not_the_request_host(site, region, catalogue):
    item = make_item(region.caretaker_a, "office_chair", quantity=Decimal(3))
    secret = tokens.create_token(region.caretaker_a, "tests").secret
    db.session.commit()
    response = site.test_client().get(f"/api/v1/items/{item.id}", headers={
        "Host": "intern.kommune.example", "Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.get_json()["web_url"] == f"https://ombruk.kommune.example/items/{item.id}"


def test_the_printed_label_links_to_the_base_url(make_app, region, catalogue):
    # The test client always says "localhost": here that is the internal name the caretaker uses.
    site = make_app(BASE_URL="https://ombruk.kommune.example", TRUSTED_HOSTS_EXTRA=["localhost"])
    item = make_item(region.caretaker_a, "office_chair", quantity=Decimal(3))
    db.session.commit()
    client = site.test_client()
    login(client, region.caretaker_a.email)
    page = client.get(f"/items/{item.id}/label").get_data(as_text=True)
    assert f"https://ombruk.kommune.example/i/{item.id}" in page
    assert "localhost/i/" not in page


# --- `marketplace run`: links where it serves (issue 18, item 10) ------------------------------------------

def _serve(monkeypatch, tmp_path, *arguments, base_url=""):
    """Run `marketplace run ARGUMENTS` as the console script does, with the server itself replaced; the app
    it would have served."""
    served = {}
    monkeypatch.setattr(flask.cli, "run_simple", lambda host, port, app, **_options: served.update(app=app))
    monkeypatch.setenv("MARKETPLACE_BASE_URL", base_url)  # "" counts as unset; restored after the test
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["marketplace", "run", "--no-reload", "--no-debugger", *arguments])
    with pytest.raises(SystemExit) as finished:
        cli.main()
    assert finished.value.code == 0
    app = served["app"]
    with app.app_context():
        return app.config["BASE_URL"], urls.absolute_url("/invitation/abc")


def test_marketplace_run_makes_links_to_the_port_it_serves(monkeypatch, tmp_path):
    assert _serve(monkeypatch, tmp_path, "--port", "5123") == (
        "http://127.0.0.1:5123", "http://127.0.0.1:5123/invitation/abc")
    assert _serve(monkeypatch, tmp_path, "--host", "0.0.0.0", "--port", "5124")[0] == "http://127.0.0.1:5124"
    assert _serve(monkeypatch, tmp_path, "--host", "localhost")[0] == "http://localhost:5000"


def test_marketplace_run_keeps_a_base_url_that_is_set(monkeypatch, tmp_path):
    assert _serve(monkeypatch, tmp_path, "--port", "5123", base_url="https://ombruk.kommune.example") == (
        "https://ombruk.kommune.example", "https://ombruk.kommune.example/invitation/abc")


def test_served_base_url():
    assert urls.served_base_url("127.0.0.1", 5100) == "http://127.0.0.1:5100"
    assert urls.served_base_url("::", 5100) == "http://127.0.0.1:5100"
    assert urls.served_base_url("::1", 5100, https=True) == "https://[::1]:5100"
