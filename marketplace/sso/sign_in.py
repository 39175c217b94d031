"""Signing in through an identity provider: start, come back, and find or create the person. Functions flush,
never commit.

Who someone is: the provider's issuer and subject (ExternalIdentity). The e-mail address (``email``, else
``preferred_username`` or ``upn``; from the userinfo endpoint when the ID token has none, as with Feide) is
trusted because the provider is the one configured for it: the token's signature and issuer were checked, and
the address must be at one of the domains that provider serves. ``email_verified`` is not asked for: Entra ID
seldom sends it and Feide sends false. At the first sign-in the person is
- linked to an existing account with that e-mail when the account belongs to the municipality the provider
  maps them to, never when it belongs to another organisation or to none (network and site admins keep
  their passwords: a municipality's provider cannot vouch for them);
- otherwise created just in time in that municipality, at its default unit, with the provider's default role
  or the role its groups map to.
Where a provider maps groups to roles, it decides the role in that municipality at every sign-in (capped at
municipal admin) when the token lists the groups; otherwise the municipality's admins do.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select

from marketplace import urls
from marketplace.accounts import services as accounts
from marketplace.accounts import signals as account_signals
from marketplace.accounts.models import ORGANISATION_ROLES, LoginSession, Membership, Role, User
from marketplace.accounts.permissions import strongest_role
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import NotVisible
from marketplace.organisations.models import Municipality
from marketplace.security import throttle
from marketplace.sso import oidc
from marketplace.sso.models import (
    ExternalIdentity,
    IdentityProvider,
    ProviderDomain,
    ProviderSession,
    ServedMunicipality,
)
from marketplace.sso.services import ProviderError, client, domain_of, password_sign_in_refused

CALLBACK_PATH = "/login/sso/callback"  # the one redirect URI an IT department registers, for every provider
PENDING_SECONDS = 600  # a sign-in must come back within ten minutes
MAX_PENDING = 3  # sign-ins started in other tabs stay valid, up to this many


class SignInRefused(Exception):
    """The sign-in cannot go on; the message is fit to show, ``reason`` is for the audit trail."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Pending:
    """A sign-in on its way: kept in the signed session cookie under its ``state`` until the browser returns."""

    provider_id: int
    nonce: str
    code_verifier: str
    next_url: str
    started: float

    @classmethod
    def from_dict(cls, data: object) -> Pending | None:
        try:
            return cls(**data)  # type: ignore[arg-type]
        except TypeError:
            return None


def redirect_uri() -> str:
    return urls.absolute_url(CALLBACK_PATH)


def begin(provider_id: int, *, next_url: str, login_hint: str | None = None) -> tuple[str, str, Pending]:
    """Start signing in with a provider: the URL to send the browser to, and the state and what to keep."""
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None:
        raise NotVisible
    pending = Pending(provider_id=provider.id, nonce=secrets.token_urlsafe(24),
                      code_verifier=secrets.token_urlsafe(48), next_url=next_url, started=time.time())
    state = secrets.token_urlsafe(24)
    try:
        url = oidc.authorization_url(client(provider, redirect_uri()), oidc.metadata(provider.issuer), state=state,
                                     nonce=pending.nonce, code_verifier=pending.code_verifier,
                                     login_hint=login_hint)
    except oidc.ProviderUnavailable as error:
        raise _unavailable(provider, error) from error
    except ProviderError as error:
        raise _misconfigured(provider, error) from error
    return url, state, pending


def keep_pending(kept: dict, state: str, pending: Pending) -> dict:
    """The pending sign-ins to keep in the session: this one, and the newest few others still in time."""
    fresh = {key: value for key, value in kept.items()
             if isinstance(value, dict) and time.time() - value.get("started", 0) < PENDING_SECONDS}
    newest = sorted(fresh.items(), key=lambda entry: entry[1]["started"])[-(MAX_PENDING - 1):]
    return {**dict(newest), state: asdict(pending)}


def finish(pending: Pending | None, arguments: dict[str, str], address: str) -> tuple[accounts.SignIn, str]:
    """Complete a sign-in when the provider sends the browser back: the session and where to go next."""
    if not throttle.allows("LOGIN_FAILURES_PER_ADDRESS", "sso", address):
        raise accounts.LoginThrottled(throttle.seconds_until_allowed("LOGIN_FAILURES_PER_ADDRESS", "sso", address))
    provider = db.session.get(IdentityProvider, pending.provider_id) if pending else None
    try:
        if pending is None or provider is None or time.time() - pending.started > PENDING_SECONDS:
            raise SignInRefused(_("The sign-in was not started here, or it took too long. Try again."), "state")
        if arguments.get("error"):
            raise SignInRefused(_("%(provider)s did not sign you in. Try again, or ask your IT department.",
                                  provider=provider.name), f"provider: {arguments['error'][:60]}")
        if not arguments.get("code"):
            raise SignInRefused(_("The answer from %(provider)s was incomplete. Try again.", provider=provider.name),
                                "no code")
        user, id_token = _verified_person(provider, pending, arguments["code"])
    except SignInRefused as refused:
        if not refused.reason.startswith(("unavailable", "provider:", "configuration")):
            throttle.hit("LOGIN_FAILURES_PER_ADDRESS", "sso", address)  # not an outage: a whole office shares it
        audit.record("login_failed", address=address, method="sso", reason=refused.reason,
                     provider_id=provider.id if provider else None)
        raise

    user.last_login_at = utcnow()
    user.last_login_via = provider.name
    audit.record("login", actor=user, address=address, method="sso", provider_id=provider.id)
    _forget_ended_sessions(user)
    token = accounts.start_login_session(user)
    login_session = db.session.scalar(select(LoginSession).where(
        LoginSession.token_hash == accounts.token_hash(token)))
    db.session.add(ProviderSession(login_session=login_session, provider=provider, id_token=id_token))
    return accounts.SignIn(user=user, token=token), pending.next_url


def _forget_ended_sessions(user: User) -> None:
    """Drop the ID tokens kept for the person's sessions that ended without a sign-out here (expired, signed
    out everywhere, deactivated): they are only kept to end a live session at the provider."""
    oldest = utcnow() - timedelta(seconds=current_app.config["PERMANENT_SESSION_LIFETIME"])
    ended = select(LoginSession.id).where(LoginSession.user_id == user.id, or_(
        LoginSession.ended_at.is_not(None), LoginSession.created_at <= oldest))
    db.session.execute(delete(ProviderSession).where(ProviderSession.login_session_id.in_(ended)))


def _misconfigured(provider: IdentityProvider, error: ProviderError) -> SignInRefused:
    current_app.logger.error("Identity provider %s cannot be used: %s", provider.id, error)
    return SignInRefused(_("Sign-in with %(provider)s is not set up right. Tell your municipality's administrator.",
                           provider=provider.name), "configuration")


def _unavailable(provider: IdentityProvider, error: Exception) -> SignInRefused:
    return SignInRefused(_("%(provider)s does not answer just now. Try again in a while, or sign in with your "
                           "password if you have one.", provider=provider.name), f"unavailable: {error}"[:200])


def _verified_person(provider: IdentityProvider, pending: Pending, code: str) -> tuple[User, str]:
    try:
        settings = client(provider, redirect_uri())
        metadata = oidc.metadata(provider.issuer)
        tokens = oidc.redeem_code(settings, metadata, code=code, code_verifier=pending.code_verifier)
        claims = oidc.verified_claims(tokens.id_token, settings, metadata, nonce=pending.nonce)
        if _email_from(claims) is None and tokens.access_token:  # Feide: the person's claims are at userinfo
            claims = {**oidc.userinfo(metadata, tokens.access_token, claims["sub"]), **claims}
    except ProviderError as error:
        raise _misconfigured(provider, error) from error
    except oidc.ProviderUnavailable as error:
        raise _unavailable(provider, error) from error
    except oidc.TokenRefused as error:
        raise SignInRefused(_("The answer from %(provider)s could not be trusted, so you are not signed in. "
                              "Try again, or ask your IT department.", provider=provider.name),
                            error.reason) from error
    return person_for(provider, claims), tokens.id_token


def _email_from(claims: dict) -> str | None:
    """The work e-mail: Feide and most providers send ``email``; Entra ID often only ``preferred_username``
    (the UPN, an address on the tenant's domain)."""
    for name in ("email", "preferred_username", "upn"):
        value = claims.get(name)
        if isinstance(value, str) and "@" in value and len(value) <= 254:
            return accounts.normalise_email(value)
    return None


def person_for(provider: IdentityProvider, claims: dict) -> User:
    """The person the verified ``claims`` describe, found, linked or created; refused with a reason."""
    email = _email_from(claims)
    if email is None:
        raise SignInRefused(_("%(provider)s did not tell us a confirmed e-mail address.", provider=provider.name),
                            "no email")
    claimed = next((row for row in provider.domains if row.domain == domain_of(email)), None)
    if claimed is None:
        raise SignInRefused(_("%(provider)s may not sign in addresses at %(domain)s here.",
                              provider=provider.name, domain=domain_of(email)), "domain")
    municipality = _municipality_for(provider, claims, claimed)
    identity = db.session.scalar(select(ExternalIdentity).where(
        ExternalIdentity.issuer == claims["iss"], ExternalIdentity.subject == str(claims["sub"])[:255]))
    user = identity.user if identity is not None else _linked_or_new(provider, claims, email, municipality)
    if not user.active:
        raise SignInRefused(_("Your account is deactivated. Ask your municipality's administrator."), "deactivated")
    membership = user.organisation_membership
    if membership is None or membership.organisation_id != municipality.id:
        if membership is None:  # a network or site admin: a municipality's provider never vouches for them
            raise SignInRefused(_("Your account signs in with its password."), "no organisation")
        raise SignInRefused(_("Your account belongs to %(organisation)s, not %(municipality)s. Ask an "
                              "administrator.", organisation=membership.organisation.name,
                              municipality=municipality.name), "other organisation")
    if identity is None:
        identity = ExternalIdentity(provider=provider, user=user, issuer=claims["iss"],
                                    subject=str(claims["sub"])[:255])
        db.session.add(identity)
    identity.last_sign_in_at = utcnow()
    if membership is not None:
        _follow_groups(provider, claims, membership)
    return user


def _municipality_for(provider: IdentityProvider, claims: dict, claimed: ProviderDomain) -> Municipality:
    """The municipality by the organisation claim where the provider has one and it names a served
    municipality, else by the e-mail domain."""
    value = claims.get(provider.organisation_claim) if provider.organisation_claim else None
    if isinstance(value, str) and value:
        value = value.strip().lower()
        candidates = {value, value.rpartition("@")[2]}
        served = next((entry for entry in provider.municipalities
                       if candidates & set(entry.organisation_values)), None)
        if served is None:
            raise SignInRefused(_("%(provider)s says you belong to an organisation that does not sign in here.",
                                  provider=provider.name), "organisation")
        return served.municipality
    return claimed.municipality


def _served(provider: IdentityProvider, municipality: Municipality) -> ServedMunicipality:
    return next(entry for entry in provider.municipalities if entry.municipality_id == municipality.id)


def _linked_or_new(provider: IdentityProvider, claims: dict, email: str, municipality: Municipality) -> User:
    existing = accounts.find_user_by_email(email)
    if existing is not None:
        return existing  # person_for refuses it if it belongs to another organisation
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if isinstance(part, str)) or email
    try:
        user = accounts.create_user(email=email, name=str(name)[:200], password=None,
                                    role=_mapped_role(provider, claims) or provider.default_role,
                                    organisation=municipality, unit=_served(provider, municipality).default_unit)
    except accounts.AccountError as error:
        raise SignInRefused(str(error), "create") from error
    audit.record("user_created_by_sign_in", actor=user, municipality_id=municipality.id, user_id=user.id,
                 provider_id=provider.id, role=user.organisation_membership.role.value)
    return user


def _mapped_role(provider: IdentityProvider, claims: dict) -> Role | None:
    """The strongest organisation role the person's groups map to, or None when none map."""
    if not provider.role_claim:
        return None
    values = claims.get(provider.role_claim)
    values = [values] if isinstance(values, str) else values if isinstance(values, list) else []
    roles = [Role(provider.role_map[value]) for value in values
             if isinstance(value, str) and provider.role_map.get(value) in {r.value for r in ORGANISATION_ROLES}]
    return strongest_role(roles)


def _follow_groups(provider: IdentityProvider, claims: dict, membership: Membership) -> None:
    if not provider.role_claim or membership.role not in ORGANISATION_ROLES or provider.role_claim not in claims:
        return  # no mapping, or the token does not list the groups (Entra leaves them out above 200)
    role = _mapped_role(provider, claims) or provider.default_role
    if role != membership.role:
        audit.record("membership_changed", actor=membership.user, municipality_id=membership.organisation_id,
                     user_id=membership.user_id, role_from=membership.role.value, role_to=role.value,
                     by_provider=provider.id)
        membership.role = role


@account_signals.signing_out.connect
def end_session_url(user: User) -> str | None:
    """Where the browser ends the provider's session too, for a login session that began there; the record of
    it goes. None for a password session or a provider without RP-initiated logout."""
    if not user.login_session_token:
        return None
    held = db.session.scalar(select(ProviderSession).join(ProviderSession.login_session).where(
        LoginSession.token_hash == accounts.token_hash(user.login_session_token)))
    if held is None:
        return None
    provider, id_token = held.provider, held.id_token
    db.session.delete(held)
    try:
        return oidc.end_session_url(oidc.metadata(provider.issuer), client(provider, redirect_uri()),
                                    id_token=id_token, after=urls.absolute_url("/login"))
    except (oidc.ProviderUnavailable, ProviderError):
        return None  # signed out here; the provider's session ends on its own


@account_signals.password_sign_in_checking.connect
def password_refusal(email: str) -> str | None:
    provider = password_sign_in_refused(email)
    if provider is None:
        return None
    return _("Addresses at %(domain)s sign in with their work account: choose %(provider)s.",
             domain=domain_of(email), provider=provider.name)


@account_signals.personal_data_collecting.connect
def _collect(user: User) -> dict:
    identities = db.session.scalars(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    return {"work_identities": [
        {"provider": identity.provider.name, "issuer": identity.issuer, "subject": identity.subject,
         "linked_at": identity.created_at.isoformat(),
         "last_sign_in_at": identity.last_sign_in_at.isoformat() if identity.last_sign_in_at else None}
        for identity in identities]}


@account_signals.personal_data_erasing.connect
def _erase(user: User) -> None:
    db.session.execute(delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
