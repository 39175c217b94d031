import threading

import pytest
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import LoginSession, Role
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from tests.conftest import TEST_PASSWORD


def test_passwords_are_argon2id_hashes(region):
    assert region.member_a.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in region.member_a.password_hash


def test_email_is_case_insensitive(region):
    assert accounts.find_user_by_email("  MEMBER@A.example ") == region.member_a
    with pytest.raises(accounts.AccountError):
        accounts.create_user(email="Member@A.EXAMPLE", name="Twin", password=TEST_PASSWORD, role=Role.MEMBER,
                             organisation=region.a)


def test_memberships_must_fit_their_role(region):
    with pytest.raises(accounts.AccountError):
        accounts.create_user(email="x@a.example", name="X", password=TEST_PASSWORD, role=Role.CARETAKER)
    with pytest.raises(accounts.AccountError):
        accounts.create_user(email="y@a.example", name="Y", password=TEST_PASSWORD, role=Role.MEMBER,
                             organisation=region.a, unit=region.school_b)
    with pytest.raises(accounts.AccountError):
        accounts.create_user(email="z@a.example", name="Z", password=TEST_PASSWORD, role=Role.NETWORK_ADMIN)


def test_authenticate_starts_a_session_and_audits(region):
    signed_in = accounts.authenticate("member@a.example", TEST_PASSWORD, "10.0.0.1")
    assert signed_in.user == region.member_a
    assert accounts.load_login_session(signed_in.token) == region.member_a
    stored = db.session.scalars(select(LoginSession.token_hash)).all()
    assert signed_in.token not in stored  # only the hash is kept
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == region.member_a.id)).all()
    assert actions == ["login"]


def test_wrong_password_unknown_user_and_inactive_user_all_fail_alike(region):
    accounts.set_active(None, region.member_b, False)
    assert accounts.authenticate("member@a.example", "wrong password!", "10.0.0.1") is None
    assert accounts.authenticate("nobody@a.example", TEST_PASSWORD, "10.0.0.1") is None
    assert accounts.authenticate("member@b.example", TEST_PASSWORD, "10.0.0.1") is None


def test_throttle_is_per_account_and_address(app, region):
    for _ in range(5):
        assert accounts.authenticate("member@a.example", "wrong password!", "10.0.0.66") is None
    with pytest.raises(accounts.LoginThrottled) as throttled:
        accounts.authenticate("member@a.example", TEST_PASSWORD, "10.0.0.66")
    assert throttled.value.retry_after > 0
    # The real user elsewhere is not locked out, and the attacker may still try other accounts (until the
    # per-address limit).
    assert accounts.authenticate("member@a.example", TEST_PASSWORD, "10.0.0.1") is not None
    assert accounts.authenticate("member@b.example", TEST_PASSWORD, "10.0.0.66") is not None


def test_parallel_guesses_cannot_pass_the_account_limit(make_app, region):
    """Twenty wrong passwords for one account at once: the limit (5) counts each before checking it."""
    web = make_app()
    checked, throttled = [], []

    def guess():
        with web.app_context():
            try:
                checked.append(accounts.authenticate("member@a.example", "wrong password!", "10.0.0.77"))
            except accounts.LoginThrottled:
                throttled.append(True)
            finally:
                db.session.rollback()

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(checked), len(throttled)) == (5, 15)


def test_address_limit_covers_all_accounts(make_app):
    app = make_app(LOGIN_FAILURES_PER_ADDRESS="3 per 15 minutes")
    with app.app_context():
        for email in ("a@x.example", "b@x.example", "c@x.example"):
            accounts.authenticate(email, "wrong password!", "10.9.9.9")
        with pytest.raises(accounts.LoginThrottled):
            accounts.authenticate("d@x.example", "wrong password!", "10.9.9.9")


def test_throttle_shared_through_redis(make_app):
    """With a Redis store (several workers or hosts), two app instances count the same failures."""
    import uuid

    redis_url = "redis://127.0.0.1:6379/15"
    # Redis outlives the test and is shared by the SQLite and PostgreSQL runs going side by side: an address
    # and an account of this run's own, so neither run counts the other's attempts.
    unique = uuid.uuid4().int
    address = f"10.{unique % 250}.{unique // 250 % 250}.{unique // 62500 % 250}"
    email = f"{uuid.uuid4().hex}@a.example"
    first, second = make_app(RATELIMIT_STORAGE_URL=redis_url), make_app(RATELIMIT_STORAGE_URL=redis_url)
    with first.app_context():
        for _ in range(5):
            accounts.authenticate(email, "wrong password!", address)
    with second.app_context(), pytest.raises(accounts.LoginThrottled):
        accounts.authenticate(email, "wrong password!", address)


def test_change_password_ends_other_sessions(region):
    mine = accounts.authenticate("member@a.example", TEST_PASSWORD, "10.0.0.1")
    other = accounts.authenticate("member@a.example", TEST_PASSWORD, "10.0.0.2")
    user = accounts.load_login_session(mine.token)
    with pytest.raises(accounts.AccountError):
        accounts.change_password(user, "not my password", "a brand new password")
    accounts.change_password(user, TEST_PASSWORD, "a brand new password")
    assert accounts.load_login_session(mine.token) == user
    assert accounts.load_login_session(other.token) is None
    assert accounts.password_matches(user, "a brand new password")


def test_deactivation_ends_every_session(region):
    signed_in = accounts.authenticate("member@a.example", TEST_PASSWORD, "10.0.0.1")
    accounts.set_active(region.admin_a, region.member_a, False)
    assert accounts.load_login_session(signed_in.token) is None


def test_rehash_on_login_when_parameters_grow(make_app, region):
    old_hash = region.member_a.password_hash
    stronger = make_app(ARGON2_TIME_COST=2)
    with stronger.app_context():
        user = accounts.find_user_by_email("member@a.example")
        assert accounts.password_matches(user, TEST_PASSWORD)
        assert user.password_hash != old_hash and "t=2" in user.password_hash


def test_sessions_end_after_their_lifetime(make_app, region):
    signed_in = accounts.authenticate("member@a.example", TEST_PASSWORD, "10.0.0.1")
    db.session.commit()
    assert accounts.load_login_session(signed_in.token) is not None
    short = make_app(PERMANENT_SESSION_LIFETIME=0)
    with short.app_context():
        assert accounts.load_login_session(signed_in.token) is None
