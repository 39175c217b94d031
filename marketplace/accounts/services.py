"""Accounts: creating people, passwords, signing in and out. Functions flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from marketplace import mail, urls
from marketplace.accounts.models import (
    ORGANISATION_ROLES,
    EmailPreference,
    LoginSession,
    Membership,
    Role,
    User,
)
from marketplace.accounts.signals import password_sign_in_checking, signing_out
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.organisations.models import Network, Organisation, Unit
from marketplace.security import throttle

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is fit to show the user."""


class PasswordSignInRefused(AccountError):
    """This address signs in through its identity provider only; the message says which."""


class LoginThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(time_cost=config["ARGON2_TIME_COST"], memory_cost=config["ARGON2_MEMORY_KIB"])


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must be at least %(count)d characters.", count=MIN_PASSWORD_LENGTH))
    return _hasher().hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """Check a password in about the same time whether or not the user exists (no enumeration by timing)."""
    hasher = _hasher()
    if user is None or not user.password_hash:
        try:
            hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return False
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("accounts_dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = _hasher().hash(secrets.token_urlsafe(16))
    return cache["hash"]


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    role: Role,
    organisation: Organisation | None = None,
    unit: Unit | None = None,
    network: Network | None = None,
    locale: str = "nb",
) -> User:
    """Create a user with one membership. Used by the command line and the demo; admin invitations
    build on it."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError(_("An e-mail address is needed."))
    if find_user_by_email(email) is not None:
        raise AccountError(_("A user with the e-mail address %(email)s already exists.", email=email))
    if not name.strip():
        raise AccountError(_("A name is needed."))
    user = User(email=email, name=name.strip(), locale=locale)
    if password is not None:
        user.password_hash = hash_password(password)
    add_membership(user, role, organisation=organisation, unit=unit, network=network)
    db.session.add(user)  # only now: a refused membership leaves no user behind for the request to commit
    db.session.flush()
    return user


def add_membership(
    user: User,
    role: Role,
    *,
    organisation: Organisation | None = None,
    unit: Unit | None = None,
    network: Network | None = None,
) -> Membership:
    if role in ORGANISATION_ROLES and organisation is None:
        raise AccountError(_("The role %(role)s belongs to an organisation: name one.", role=role.value))
    if role == Role.NETWORK_ADMIN and network is None:
        raise AccountError(_("A network administrator needs a network."))
    if unit is not None and (organisation is None or unit.municipality_id != organisation.id):
        raise AccountError(_("The unit must belong to the user's organisation."))
    membership = Membership(
        role=role,
        organisation=organisation if role in ORGANISATION_ROLES else None,
        unit=unit,
        network=network if role == Role.NETWORK_ADMIN else None,
    )
    user.memberships.append(membership)
    return membership


@dataclass(frozen=True)
class SignIn:
    user: User
    token: str  # goes into the signed session cookie; the database keeps only its hash


def token_hash(token: str) -> str:
    """What is stored of a secret token (sessions, invitations): its SHA-256, so a stolen database gives none."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(email: str, password: str, address: str) -> SignIn | None:
    """Sign in with e-mail and password from ``address``.

    Returns None for a wrong e-mail or password (the caller says the same in both cases), raises
    LoginThrottled when this address has failed too often, for this account or for any. Throttling keys on
    account *and* address, so an attacker elsewhere cannot lock the real user out. Raises
    PasswordSignInRefused for an address whose identity provider does not allow passwords (by its domain,
    so it tells nothing about whether the account exists).
    """
    email = normalise_email(email)[:254]
    if refusal := password_refusal(email):
        raise PasswordSignInRefused(refusal)
    if not throttle.allows("LOGIN_FAILURES_PER_ADDRESS", "login", address):
        raise LoginThrottled(throttle.seconds_until_allowed("LOGIN_FAILURES_PER_ADDRESS", "login", address))
    # The attempt on this account counts before the password is checked, in one step with the check of the
    # limit, so parallel guesses cannot all pass it; a successful sign-in clears the count again.
    if not throttle.hit("LOGIN_FAILURES_PER_ACCOUNT", "login", email, address):
        raise LoginThrottled(throttle.seconds_until_allowed("LOGIN_FAILURES_PER_ACCOUNT", "login", email, address))

    user = find_user_by_email(email)
    if not password_matches(user, password) or user is None or not user.active:
        throttle.hit("LOGIN_FAILURES_PER_ADDRESS", "login", address)
        audit.record("login_failed", actor=user, address=address)
        return None

    throttle.clear("LOGIN_FAILURES_PER_ACCOUNT", "login", email, address)
    user.last_login_at = utcnow()
    user.last_login_via = "password"
    audit.record("login", actor=user, address=address)
    return SignIn(user=user, token=start_login_session(user))


def password_refusal(email: str) -> str | None:
    """Why ``email`` may not use a password (its identity provider signs it in), or None."""
    return next((refusal for _receiver, refusal in password_sign_in_checking.send(normalise_email(email))
                 if refusal), None)


def start_login_session(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user=user, token_hash=token_hash(token)))
    db.session.flush()
    user.login_session_token = token
    return token


# One statement for the session, its user and their memberships, built once: every signed-in request runs it,
# and building the statement cost about as much as running it.
_SIGNED_IN_USER = select(User).join(LoginSession, LoginSession.user_id == User.id).where(
    LoginSession.token_hash == bindparam("token_hash"),
    LoginSession.ended_at.is_(None),
    LoginSession.created_at > bindparam("oldest"),
    User.active.is_(True),
).options(joinedload(User.memberships))


def load_login_session(token: str) -> User | None:
    """The active user behind a session cookie's token, or None if the session has ended."""
    if not token or len(token) > 100:
        return None
    oldest = utcnow() - timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])
    user = db.session.scalars(_SIGNED_IN_USER, {"token_hash": token_hash(token), "oldest": oldest}).unique().first()
    if user is None:
        return None
    user.login_session_token = token
    return user


def end_login_session(user: User, address: str | None = None) -> str | None:
    """End the session this request runs under. Returns where the browser goes on to end its session at the
    identity provider too, when it signed in there, else None."""
    continue_to = next((url for _receiver, url in signing_out.send(user) if url), None)
    if user.login_session_token:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == token_hash(user.login_session_token))
            .values(ended_at=utcnow())
        )
    audit.record("logout", actor=user, address=address)
    return continue_to


def end_all_login_sessions(user: User, *, keep_current: bool = False) -> int:
    """End every session of ``user`` (optionally all but the one this request runs under)."""
    statement = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    if keep_current and user.login_session_token:
        statement = statement.where(LoginSession.token_hash != token_hash(user.login_session_token))
    return db.session.execute(statement.values(ended_at=utcnow())).rowcount


def change_password(user: User, current_password: str, new_password: str, address: str | None = None) -> None:
    """Change the acting user's own password; every other session of theirs ends."""
    if not password_matches(user, current_password):
        raise AccountError(_("The current password is wrong."))
    user.password_hash = hash_password(new_password)
    end_all_login_sessions(user, keep_current=True)
    audit.record("password_changed", actor=user, address=address)


def set_active(actor: User | None, user: User, active: bool, *, organisation_id: int | None = None,
               address: str | None = None) -> None:
    """Activate or deactivate ``user``; deactivation ends their sessions at once. (The permission check is
    the caller's: see accounts.administration.)"""
    user.active = active
    if not active:
        end_all_login_sessions(user)
    audit.record("user_activated" if active else "user_deactivated", actor=actor, address=address,
                 municipality_id=organisation_id, user_id=user.id)


# --- Password reset by e-mail ---------------------------------------------------------------------------

PASSWORD_RESET_MAX_AGE = 3600  # seconds a reset link works


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password does, so a link works once: after the reset it no longer matches."""
    return hashlib.sha256(f"{user.id}:{user.password_hash or ''}".encode()).hexdigest()[:24]


def request_password_reset(email: str, address: str) -> None:
    """Accept a request for a reset link (throttled per address). The link is looked up and e-mailed after
    the response has gone out, so the answer and its timing are the same whether or not the address is
    known: no user enumeration."""
    if not throttle.allows("LOGIN_FAILURES_PER_ADDRESS", "reset", address):
        raise LoginThrottled(throttle.seconds_until_allowed("LOGIN_FAILURES_PER_ADDRESS", "reset", address))
    throttle.hit("LOGIN_FAILURES_PER_ADDRESS", "reset", address)
    db.after_response(lambda: send_password_reset(email[:254], address))


def send_password_reset(email: str, address: str) -> None:
    """E-mail a reset link if the address belongs to an active user; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active or password_refusal(email):
        return
    audit.record("password_reset_requested", actor=user, address=address)
    token = _reset_serializer().dumps({"user": user.id, "fingerprint": _password_fingerprint(user)})
    with force_locale(user.locale):
        message = mail.build_message(
            to_name=user.name, to_address=user.email, subject=_("Set a new password"),
            template="accounts/email/password_reset", locale=user.locale, user=user,
            link=urls.absolute_url(f"/password/reset/{token}"), minutes=PASSWORD_RESET_MAX_AGE // 60,
        )
    sender = mail.transport()
    try:
        sender.send(message)
    except mail.MailError:
        current_app.logger.exception("The password reset e-mail to user %s could not be sent", user.id)
    finally:
        sender.close()


def user_for_reset_token(token: str) -> User:
    """The user a reset link is for, if the link is genuine, fresh and not used yet."""
    try:
        data = _reset_serializer().loads(token, max_age=PASSWORD_RESET_MAX_AGE)
    except (BadSignature, SignatureExpired, ValueError, TypeError) as error:
        raise AccountError(_("The link is not valid any more. Ask for a new one.")) from error
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("fingerprint") != _password_fingerprint(user):
        raise AccountError(_("The link is not valid any more. Ask for a new one."))
    return user


def reset_password(token: str, new_password: str, address: str | None = None) -> User:
    """Set a new password from a reset link; every session of the user ends."""
    user = user_for_reset_token(token)
    user.password_hash = hash_password(new_password)
    end_all_login_sessions(user)
    audit.record("password_reset", actor=user, address=address)
    return user


def set_locale(user: User, locale: str) -> None:
    """Remember the user's language, so every device of theirs shows it."""
    if locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_("Unknown language."))
    user.locale = locale


def set_email_notifications(user: User, preference: str) -> None:
    """The acting user's own choice: e-mail about new notifications at once, in a daily digest, or never."""
    try:
        user.email_notifications = EmailPreference(preference)
    except ValueError as error:
        raise AccountError(_("Choose one of the options.")) from error
    db.session.flush()
