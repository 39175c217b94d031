import re
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from tests.conftest import TEST_PASSWORD, counting_queries, fresh, login, without_csrf_tokens


def outbox(app) -> list:
    directory = Path(app.config["MAIL_OUTBOX"])
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(directory.glob("*.eml"))] \
        if directory.is_dir() else []


def ask_for_reset(client, email: str):
    """Ask for a link as a browser does. A server closes each response once it is sent, and only then does
    the reset mail go out (db.after_response); the test client closes only when told."""
    response = client.post("/password/forgot", data={"email": email})
    response.close()
    return response


def reset_link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/password/reset/\S+", body).group(0)


def test_known_and_unknown_addresses_get_the_same_answer(client, region, web_app):
    known = ask_for_reset(client, "member@a.example")
    unknown = ask_for_reset(client, "nobody@a.example")
    assert known.status_code == unknown.status_code == 200
    assert _comparable(known.get_data(as_text=True)) == _comparable(unknown.get_data(as_text=True))
    messages = outbox(web_app)
    assert len(messages) == 1 and "member@a.example" in messages[0]["To"]


def _comparable(html: str) -> str:
    """The page without the address typed and the CSRF tokens."""
    return without_csrf_tokens(html).replace("member@a.example", "X").replace("nobody@a.example", "X")


def test_the_request_does_the_same_work_for_known_and_unknown_addresses(client, region, web_app):
    """Its timing cannot tell whether an account exists: the lookup, the audit row and the mail all wait
    until the response has gone out."""
    with counting_queries(web_app) as for_known:
        known = client.post("/password/forgot", data={"email": "member@a.example"})
    with counting_queries(web_app) as for_unknown:
        client.post("/password/forgot", data={"email": "nobody@a.example"})
    assert len(for_known) == len(for_unknown)
    assert outbox(web_app) == [] and _reset_requests_audited() == 0
    known.close()
    assert len(outbox(web_app)) == 1 and _reset_requests_audited() == 1


def _reset_requests_audited() -> int:
    fresh()
    return db.count(select(AuditEvent).where(AuditEvent.action == "password_reset_requested"))


def test_the_link_works_once_and_ends_every_session(client, region, web_app):
    other_device = web_app.test_client()
    login(other_device, "member@a.example")
    ask_for_reset(client, "member@a.example")
    link = reset_link(outbox(web_app)[0])
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    mismatch = client.post("/" + path, data={"new_password": "a new long password", "confirm_password": "other"})
    assert mismatch.status_code == 400
    done = client.post("/" + path, data={"new_password": "a new long password",
                                         "confirm_password": "a new long password"})
    assert done.status_code == 303
    assert other_device.get("/account/password").status_code == 302  # signed out everywhere
    assert client.post("/" + path, data={"new_password": "yet another password",
                                         "confirm_password": "yet another password"}).status_code == 400  # used
    assert login(client, "member@a.example", TEST_PASSWORD).status_code == 401
    assert login(client, "member@a.example", "a new long password").status_code == 302


def test_expired_forged_and_garbled_links_are_refused(make_app, region, client, web_app):
    ask_for_reset(client, "member@a.example")
    token = reset_link(outbox(web_app)[0]).rsplit("/", 1)[1]
    for bad in ("nonsense", token[:-3] + "abc", token + "x"):
        assert client.get(f"/password/reset/{bad}").status_code == 400
    expired = make_app(SECRET_KEY=web_app.config["SECRET_KEY"])
    import marketplace.accounts.services as services_module

    original = services_module.PASSWORD_RESET_MAX_AGE
    services_module.PASSWORD_RESET_MAX_AGE = -1
    try:
        assert expired.test_client().get(f"/password/reset/{token}").status_code == 400
    finally:
        services_module.PASSWORD_RESET_MAX_AGE = original
    fresh()
    assert accounts.password_matches(accounts.find_user_by_email("member@a.example"), TEST_PASSWORD)


def test_requests_are_throttled_per_address(make_app, region):
    app = make_app(LOGIN_FAILURES_PER_ADDRESS="2 per 15 minutes")
    client = app.test_client()
    for _ in range(2):
        assert client.post("/password/forgot", data={"email": "member@a.example"}).status_code == 200
    assert client.post("/password/forgot", data={"email": "member@a.example"}).status_code == 429
