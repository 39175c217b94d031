"""API tokens: create (the token is returned once), list, revoke, and find the user behind a bearer token.

Functions flush, never commit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload

from marketplace.accounts import privacy, signals as account_signals
from marketplace.accounts.models import User
from marketplace.api import permissions
from marketplace.api.models import ApiToken
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import NotVisible

TOKEN_PREFIX = "omb_"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8  # shown in lists: "omb_AbCd1234"
MAX_NAME_LENGTH = 100
MAX_ACTIVE_TOKENS = 20
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most this often per token
# "omb_" and 43 characters of URL-safe base64 (32 random bytes)
_TOKEN_SHAPE = re.compile(r"omb_[A-Za-z0-9_-]{43}")


class TokenError(ValueError):
    """The token cannot be created; the message is fit to show."""


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the bearer token itself: shown once, never stored


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, name: str, now: datetime | None = None) -> NewToken:
    """Create a personal token for ``user`` (the acting user, or the command line acting for them)."""
    name = " ".join((name or "").split())
    if not name:
        raise TokenError(_("Give the token a name, so you know later where it is used."))
    if len(name) > MAX_NAME_LENGTH:
        raise TokenError(_("The name can be at most %(count)d characters.", count=MAX_NAME_LENGTH))
    if not user.active:
        raise TokenError(_("A deactivated user cannot have API tokens."))
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise TokenError(_("You can have at most %(count)d active tokens. Revoke one first.",
                           count=MAX_ACTIVE_TOKENS))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret), prefix=secret[:PREFIX_LENGTH],
                     created_at=now or utcnow())
    db.session.add(token)
    db.session.flush()
    audit.record("api_token_created", actor=user, token_id=token.id, prefix=token.prefix)
    return NewToken(token, secret)


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, active ones first, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(
        ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())))


def active_tokens(user: User) -> list[ApiToken]:
    return [token for token in tokens_of(user) if token.active]


def revoke_token(actor: User, token_id: int, now: datetime | None = None) -> ApiToken:
    """Revoke one of the actor's own tokens; it stops working at once. Revoking twice is harmless."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not permissions.owns_token(actor, token):
        raise NotVisible
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()
        audit.record("api_token_revoked", actor=actor, token_id=token.id, prefix=token.prefix)
    return token


def is_well_formed(secret: str) -> bool:
    return bool(_TOKEN_SHAPE.fullmatch(secret or ""))


# Every API request runs it: built once, with the token's user and their memberships in the same statement.
_TOKEN = select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash")).options(
    joinedload(ApiToken.user).joinedload(User.memberships))


def authenticate(secret: str) -> ApiToken | None:
    """The active token for a bearer secret whose user is active, or None (malformed, unknown, revoked, or
    the user is deactivated: all are told apart only by the caller's own knowledge)."""
    if not is_well_formed(secret):
        return None
    token = db.session.scalars(_TOKEN, {"token_hash": hash_token(secret)}).unique().first()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def needs_touch(token: ApiToken, now: datetime) -> bool:
    return token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION


def touch(token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used (at most once a minute, so reads seldom write)."""
    now = now or utcnow()
    if needs_touch(token, now):
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
                           .execution_options(synchronize_session=False))
        token.last_used_at = now


@account_signals.personal_data_collecting.connect
def _personal_tokens(user: User) -> dict[str, list]:
    return {"api_tokens": [{"name": t.name, "prefix": t.prefix, "created_at": privacy.when(t.created_at),
                            "last_used_at": privacy.when(t.last_used_at)} for t in db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id))]}


@account_signals.personal_data_erasing.connect
def _erase_tokens(user: User) -> None:
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
