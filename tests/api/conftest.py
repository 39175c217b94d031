"""API test set-up: the region of tests/factories.py, the catalogue, and a token for each of its users."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.api import services as tokens
from marketplace.db import db, utcnow

USERS = ("member_a", "caretaker_a", "admin_a", "member_b", "caretaker_b", "member_c", "partner_user",
         "network_admin", "site_admin")
LONG_AGO = timedelta(days=10)  # past every sharing stage: the network sees what was published then


class Api:
    """A test client that speaks JSON with a bearer token."""

    def __init__(self, client, secrets: dict[str, str]) -> None:
        self.client = client
        self.secrets = secrets

    def __call__(self, method: str, path: str, who: str | None = None, *, token: str | None = None,
                 headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        secret = token if token is not None else self.secrets.get(who) if who else None
        if secret is not None:
            headers["Authorization"] = f"Bearer {secret}"
        url = path if path.startswith("/") and path.startswith("/api/") else f"/api/v1{path}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path, who=None, **kwargs):
        return self("GET", path, who, **kwargs)

    def post(self, path, who=None, **kwargs):
        return self("POST", path, who, **kwargs)

    def patch(self, path, who=None, **kwargs):
        return self("PATCH", path, who, **kwargs)

    def delete(self, path, who=None, **kwargs):
        return self("DELETE", path, who, **kwargs)


@pytest.fixture
def setup(region, catalogue):
    region.secrets = {name: tokens.create_token(getattr(region, name), "tests").secret for name in USERS}
    db.session.commit()
    region.long_ago = utcnow() - LONG_AGO
    return region


@pytest.fixture
def api(setup, client):
    return Api(client, setup.secrets)


def error_code(response) -> str:
    assert response.is_json, response.get_data(as_text=True)
    return response.get_json()["error"]["code"]


def fields(response) -> dict:
    return response.get_json()["error"]["fields"]
