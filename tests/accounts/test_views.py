import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import LoginSession
from marketplace.db import db
from tests.conftest import TEST_PASSWORD, login, without_csrf_tokens


def test_login_page_renders_a_form(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html and 'autocomplete="current-password"' in html


def test_login_then_logout(client, region):
    response = login(client, "member@a.example")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "A kommune" in client.get("/").get_data(as_text=True)
    logout = client.post("/logout")
    assert logout.status_code == 302 and logout.headers["Location"].startswith("/login")
    assert client.get("/account/password").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(client, region):
    wrong = login(client, "member@a.example", "not the password")
    unknown = login(client, "nobody@a.example", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    def strip(html):
        return without_csrf_tokens(html).replace("member@a.example", "").replace("nobody@a.example", "")

    assert strip(wrong.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))


def test_empty_login_form_is_a_clear_400(client, region):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_throttling_then_success_from_another_address(client, region):
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(5):
        assert client.post("/login", data={"email": "member@a.example", "password": "guess guess"},
                           environ_base=attacker).status_code == 401
    blocked = client.post("/login", data={"email": "member@a.example", "password": TEST_PASSWORD},
                          environ_base=attacker)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    real_user = client.post("/login", data={"email": "member@a.example", "password": TEST_PASSWORD},
                            environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert real_user.status_code == 302


def test_login_starts_a_fresh_session(client, region):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "member@a.example")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_session_replay_after_logout_is_refused(client, region, web_app):
    login(client, "member@a.example")
    stolen = client.get_cookie(web_app.config["SESSION_COOKIE_NAME"]).value
    client.post("/logout")
    replay = web_app.test_client()
    replay.set_cookie(web_app.config["SESSION_COOKIE_NAME"], stolen)
    response = replay.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_out_everywhere_ends_all_sessions(client, region, web_app):
    other_device = web_app.test_client()
    login(other_device, "member@a.example")
    login(client, "member@a.example")
    client.post("/account/sign-out-everywhere")
    assert other_device.get("/account/password").status_code == 302
    assert db.session.scalar(select(func.count(LoginSession.id)).where(LoginSession.ended_at.is_(None))) == 0


def test_change_password_flow(client, region, web_app):
    other_device = web_app.test_client()
    login(other_device, "member@a.example")
    login(client, "member@a.example")
    mismatch = client.post("/account/password", data={"current_password": TEST_PASSWORD,
                                                      "new_password": "a new long password",
                                                      "confirm_password": "something else entirely"})
    assert mismatch.status_code == 400
    wrong = client.post("/account/password", data={"current_password": "wrong wrong",
                                                   "new_password": "a new long password",
                                                   "confirm_password": "a new long password"})
    assert wrong.status_code == 400
    ok = client.post("/account/password", data={"current_password": TEST_PASSWORD,
                                                "new_password": "a new long password",
                                                "confirm_password": "a new long password"})
    assert ok.status_code == 302
    assert client.get("/account/password").status_code == 200  # this session lives on
    assert other_device.get("/account/password").status_code == 302  # the other one ended
    client.post("/logout")
    assert login(client, "member@a.example").status_code == 401
    assert login(client, "member@a.example", "a new long password").status_code == 302


def test_deactivated_user_is_signed_out_at_once(client, region):
    from marketplace.accounts import services as accounts

    login(client, "member@a.example")
    accounts.set_active(region.admin_a, region.member_a, False)
    db.session.commit()
    assert client.get("/account/password").status_code == 302
    assert login(client, "member@a.example").status_code == 401


@pytest.mark.parametrize("target", [
    "//evil.example/", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "http:/evil.example",
    "\\\\evil.example", "/\r\nLocation: https://evil.example", " //evil.example", "evil.example",
    "/\t/evil.example", "data:text/html,hi",
])
def test_unsafe_next_stays_on_site(client, region, target):
    response = client.post(f"/login?next={target}", data={"email": "member@a.example", "password": TEST_PASSWORD,
                                                           "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_safe_next_is_followed(client, region):
    response = client.post("/login", data={"email": "member@a.example", "password": TEST_PASSWORD,
                                           "next": "/account/password?x=1"})
    assert response.headers["Location"] == "/account/password?x=1"


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account/password"


def test_signed_in_user_visiting_login_goes_home(client, region):
    login(client, "member@a.example")
    assert client.get("/login").headers["Location"] == "/"


def test_the_session_cookie_is_sent_when_it_changes_not_on_every_page(client, region, web_app):
    """The server-side session ends a fixed time after the sign-in, so a page view need not re-sign the cookie;
    the sign-in and a change of language do send it, with the expiry of the sign-in."""
    name = web_app.config["SESSION_COOKIE_NAME"]
    signed_in = login(client, "member@a.example")
    assert f"{name}=" in signed_in.headers.get("Set-Cookie", "") and "Expires=" in signed_in.headers["Set-Cookie"]
    client.get("/")  # the first page keeps the form's CSRF secret in the session
    page = client.get("/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    switched = client.post("/language", data={"locale": "en", "next": "/"})
    assert switched.status_code == 302 and f"{name}=" in switched.headers.get("Set-Cookie", "")
    assert client.get("/").status_code == 200
