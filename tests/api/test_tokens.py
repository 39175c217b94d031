"""Tokens: only the hash is stored; a token acts as its user; anything else is 401; sessions do not count."""

from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.api import services as tokens
from marketplace.api.models import ApiToken
from marketplace.db import db
from marketplace.listings.models import Item
from tests.api.conftest import Api, error_code
from tests.conftest import fresh, login


def test_only_the_hash_is_stored_and_the_token_acts_as_its_user(api, setup):
    secret = setup.secrets["member_a"]
    assert secret.startswith("omb_") and len(secret) == 47
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == setup.member_a.id))
    assert stored.token_hash == tokens.hash_token(secret) and secret not in (stored.token_hash, stored.prefix)
    assert secret.startswith(stored.prefix) and len(stored.prefix) == 12 and stored.last_used_at is None
    me = api.get("/me", "member_a")
    assert me.status_code == 200
    assert me.get_json() | {"id": 0} == {
        "id": 0, "email": "member@a.example", "name": "Member", "locale": "nb",
        "municipality": {"slug": "kommune-a", "name": "A kommune"},
        "organisation": {"slug": "kommune-a", "name": "A kommune", "kind": "municipality"},
        "unit": {"id": setup.school_a.id, "name": "A skole"}, "roles": ["member"]}
    assert me.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in me.headers
    fresh()
    assert db.session.get(ApiToken, stored.id).last_used_at is not None


def test_missing_malformed_unknown_and_revoked_tokens_get_401(api, setup):
    revoked = tokens.create_token(setup.member_a, "old")
    tokens.revoke_token(setup.member_a, revoked.token.id)
    db.session.commit()
    cases = {None: "unauthorized", "": "unauthorized", "nonsense": "invalid_token",
             "omb_" + "x" * 43: "invalid_token", setup.secrets["member_a"] + "x": "invalid_token",
             revoked.secret: "invalid_token", "omb_\u00e6" + "x" * 42: "invalid_token"}
    for secret, code in cases.items():
        response = api.get("/me", token=secret) if secret is not None else api.get("/me")
        assert response.status_code == 401, secret
        assert error_code(response) == code
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["error"]["fields"] == {}
    basic = api.get("/me", headers={"Authorization": "Basic bWVtYmVyOnB3"})
    assert basic.status_code == 401 and basic.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_users_token_stops_working(api, setup):
    assert api.get("/me", "member_b").status_code == 200
    accounts.set_active(None, setup.member_b, False)
    db.session.commit()
    response = api.get("/me", "member_b")
    assert response.status_code == 401 and error_code(response) == "invalid_token"


def test_a_session_cookie_is_not_accepted_on_the_api(client, setup):
    login(client, "caretaker@a.example")
    assert client.get("/account/tokens").status_code == 200  # signed in on the site
    assert client.get("/api/v1/me").status_code == 401
    body = {"title": "Pult", "category": "office_chair", "condition": "good", "quantity": 1}
    response = client.post("/api/v1/items", json=body)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    form = client.post("/api/v1/items", data=body)  # what a forged cross-site form could send
    assert form.status_code == 401
    fresh()
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_the_token_decides_who_acts_even_beside_a_session(client, setup):
    login(client, "caretaker@a.example")
    api = Api(client, setup.secrets)
    assert api.get("/me", "member_b").get_json()["email"] == "member@b.example"


def test_rate_limit_per_token_answers_429_with_retry_after(make_app, setup):
    app = make_app(API_RATE_LIMIT="3 per minute")
    api = Api(app.test_client(), setup.secrets)
    assert [api.get("/me", "member_a").status_code for _ in range(3)] == [200, 200, 200]
    limited = api.get("/me", "member_a")
    assert limited.status_code == 429 and error_code(limited) == "too_many_requests"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert api.get("/me", "member_b").status_code == 200  # another token has its own budget


def test_profile_page_creates_shows_once_lists_and_revokes(client, setup):
    login(client, "member@a.example")
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "tests" in page.get_data(as_text=True)
    created = client.post("/account/tokens", data={"name": "Lagersystem"})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = html.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("omb_")
    api = Api(client.application.test_client(), {})
    assert api.get("/me", token=secret).status_code == 200
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and secret[:12] in again and "Lagersystem" in again
    fresh()
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "Lagersystem"))
    revoked = client.post(f"/account/tokens/{token.id}/revoke")
    assert revoked.status_code == 303
    assert api.get("/me", token=secret).status_code == 401
    assert client.post("/account/tokens", data={"name": "  "}).status_code == 400


def test_nobody_revokes_someone_elses_token(client, setup):
    login(client, "member@b.example")
    other = db.session.scalar(select(ApiToken).where(ApiToken.user_id == setup.member_a.id))
    assert client.post(f"/account/tokens/{other.id}/revoke").status_code == 404
    fresh()
    assert db.session.get(ApiToken, other.id).revoked_at is None


def test_command_line_prints_a_working_token_once(runner, setup, client):
    result = runner.invoke(args=["tokens", "create", "--email", "caretaker@a.example", "--name", "Inventar"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("omb_")
    assert Api(client, {}).get("/me", token=secret).get_json()["email"] == "caretaker@a.example"
    unknown = runner.invoke(args=["tokens", "create", "--email", "nobody@a.example"])
    assert unknown.exit_code != 0 and "No active user" in unknown.output
