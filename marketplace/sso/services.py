"""Identity providers: set up, change and remove them, and keep their client secrets. Functions flush, never
commit. Signing in through them is sign_in.py.

A provider serves one or more municipalities; each serves its e-mail domains, and a domain belongs to one
provider only, so no two providers can vouch for the same people. The secret is stored encrypted with a key
derived from MARKETPLACE_SECRET_KEY, or named as an environment variable and read when it is needed; it is
never shown again, logged or written to the audit trail.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import ORGANISATION_ROLES, Role, User
from marketplace.accounts.permissions import is_site_admin
from marketplace.audit import services as audit
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.organisations.models import Municipality, Unit
from marketplace.sso import oidc
from marketplace.sso.models import IdentityProvider, ProviderDomain, ServedMunicipality
from marketplace.sso.permissions import can_manage_provider, can_set_up_providers_for

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")


class ProviderError(ValueError):
    """The provider's settings cannot be saved as given; the message is fit to show."""


@dataclass
class Served:
    """One municipality a provider serves, as given by a form or the command line."""

    municipality: Municipality
    domains: list[str]
    default_unit: Unit | None = None
    organisation_values: list[str] = field(default_factory=list)


@dataclass
class ProviderSettings:
    name: str
    issuer: str
    client_id: str
    served: list[Served]
    client_secret: str | None = None  # None when editing: keep the stored one
    client_secret_env: str | None = None
    scopes: str = "openid email profile"
    default_role: Role = Role.MEMBER
    organisation_claim: str | None = None
    role_claim: str | None = None
    role_map: dict[str, str] = field(default_factory=dict)
    password_sign_in: bool = True


# --- The client secret ------------------------------------------------------------------------------------

def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ombruksmarkedet", info=b"identity-provider-secrets"
               ).derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def client_secret(provider: IdentityProvider) -> str:
    """The secret, decrypted or read from its environment variable; ProviderError says what to fix."""
    if provider.client_secret_env:
        secret = os.environ.get(provider.client_secret_env)
        if not secret:
            raise ProviderError(_("The environment variable %(name)s with the client secret is not set.",
                                  name=provider.client_secret_env))
        return secret
    try:
        return _fernet().decrypt((provider.client_secret_encrypted or "").encode()).decode()
    except InvalidToken as error:
        raise ProviderError(_("The client secret cannot be read (was MARKETPLACE_SECRET_KEY changed?). "
                              "Enter it again.")) from error


def client(provider: IdentityProvider, redirect_uri: str) -> oidc.Client:
    return oidc.Client(issuer=provider.issuer, client_id=provider.client_id, client_secret=client_secret(provider),
                       scopes=provider.scopes, redirect_uri=redirect_uri)


# --- Reading ----------------------------------------------------------------------------------------------

def providers_for(actor: User | None) -> list[IdentityProvider]:
    """The providers ``actor`` may see in administration: all for a site admin, else those serving a
    municipality they administer. ``None`` is the command line."""
    providers = db.session.scalars(select(IdentityProvider).order_by(IdentityProvider.name, IdentityProvider.id))
    return [provider for provider in providers if actor is None or can_manage_provider(actor, provider)]


def provider_for(actor: User | None, provider_id: int) -> IdentityProvider:
    provider = db.session.get(IdentityProvider, provider_id)
    if provider is None or (actor is not None and not can_manage_provider(actor, provider)):
        raise NotVisible
    return provider


def sign_in_choices() -> list[IdentityProvider]:
    """The providers the login page offers: every one, as the command line sees them."""
    return providers_for(None)


def domain_of(email: str) -> str:
    return email.strip().lower().rpartition("@")[2]


def provider_for_email(email: str) -> ProviderDomain | None:
    """The provider (and municipality) an e-mail address belongs to, by its domain."""
    domain = domain_of(email)
    if not domain:
        return None
    return db.session.scalar(select(ProviderDomain).where(ProviderDomain.domain == domain[:253]))


def password_sign_in_refused(email: str) -> IdentityProvider | None:
    """The provider through which alone ``email`` may sign in, or None when a password may be used."""
    claimed = provider_for_email(email)
    return claimed.provider if claimed is not None and not claimed.provider.password_sign_in else None


# --- Changing ---------------------------------------------------------------------------------------------

def add_provider(actor: User | None, settings: ProviderSettings, address: str | None = None) -> IdentityProvider:
    """Set up a provider; ``actor`` None is the command line (a site operator)."""
    provider = IdentityProvider()
    _apply(actor, provider, settings, new=True)
    db.session.add(provider)
    db.session.flush()
    audit.record("identity_provider_added", actor=actor, address=address, provider_id=provider.id,
                 name=provider.name, issuer=provider.issuer, domains=[d.domain for d in provider.domains])
    return provider


def change_provider(actor: User | None, provider_id: int, settings: ProviderSettings,
                    address: str | None = None) -> IdentityProvider:
    provider = provider_for(actor, provider_id)
    oidc.forget(provider.issuer)
    _apply(actor, provider, settings, new=False)
    db.session.flush()
    audit.record("identity_provider_changed", actor=actor, address=address, provider_id=provider.id,
                 name=provider.name, issuer=provider.issuer, domains=[d.domain for d in provider.domains],
                 secret_changed=settings.client_secret is not None)
    return provider


def remove_provider(actor: User | None, provider_id: int, address: str | None = None) -> IdentityProvider:
    """Remove a provider. Its people keep their accounts (they sign in with a password again, if they set
    one, or are invited anew); their link to the provider goes."""
    provider = provider_for(actor, provider_id)
    oidc.forget(provider.issuer)
    audit.record("identity_provider_removed", actor=actor, address=address, provider_id=provider.id,
                 name=provider.name, issuer=provider.issuer)
    db.session.delete(provider)
    db.session.flush()
    return provider


def _apply(actor: User | None, provider: IdentityProvider, settings: ProviderSettings, *, new: bool) -> None:
    # The issuer exactly as given (some end in "/"): it must equal the one the discovery document names.
    name, issuer, client_id = settings.name.strip(), settings.issuer.strip(), settings.client_id.strip()
    if not name or len(name) > 120:
        raise ProviderError(_("Give the provider a name of at most 120 characters."))
    problem = oidc.issuer_problem(issuer)
    if problem or len(issuer) > 500:
        raise ProviderError(_("The issuer must be the provider's https address, as its discovery document "
                              "names it (e.g. https://login.microsoftonline.com/TENANT-ID/v2.0)."))
    if not client_id or len(client_id) > 255:
        raise ProviderError(_("The client id is needed."))
    _check_secret(settings, new)
    if "openid" not in settings.scopes.split():
        raise ProviderError(_("The scopes must include openid."))
    if settings.default_role not in ORGANISATION_ROLES:
        raise ProviderError(_("Choose one of the roles."))
    for value, role in settings.role_map.items():
        if role not in {role.value for role in ORGANISATION_ROLES}:  # never network or site admin
            raise ProviderError(_("The group %(group)s must map to a role in a municipality.", group=value))
    if not settings.served:
        raise ProviderError(_("Name the municipality the provider serves."))
    for served in settings.served:
        if actor is not None and not can_set_up_providers_for(actor, served.municipality):
            raise Forbidden
        served.domains = parse_domains(" ".join(served.domains))
    if actor is not None and not new:
        for existing in provider.municipalities:
            if existing.municipality not in [served.municipality for served in settings.served] \
                    and not can_set_up_providers_for(actor, existing.municipality):
                raise Forbidden
    _check_domains(provider, settings.served)
    if actor is not None and not is_site_admin(actor):
        _check_people_at_new_domains(provider, settings.served)

    provider.name, provider.issuer, provider.client_id = name, issuer, client_id
    provider.scopes = " ".join(settings.scopes.split())[:300]
    provider.default_role = settings.default_role
    provider.organisation_claim = (settings.organisation_claim or "").strip() or None
    provider.role_claim = (settings.role_claim or "").strip() or None
    provider.role_map = {value.strip(): role for value, role in settings.role_map.items() if value.strip()}
    provider.password_sign_in = settings.password_sign_in
    if settings.client_secret_env:
        provider.client_secret_env, provider.client_secret_encrypted = settings.client_secret_env, None
    elif settings.client_secret:
        provider.client_secret_env = None
        provider.client_secret_encrypted = _fernet().encrypt(settings.client_secret.encode()).decode()
    kept_municipalities = {entry.municipality_id: entry for entry in provider.municipalities}
    provider.municipalities = [_served_row(kept_municipalities, served) for served in settings.served]
    kept = {domain.domain: domain for domain in provider.domains}
    provider.domains = [_domain_row(kept, domain, served.municipality)
                        for served in settings.served for domain in served.domains]


def _served_row(kept: dict[int, ServedMunicipality], served: Served) -> ServedMunicipality:
    row = kept.get(served.municipality.id) or ServedMunicipality(municipality=served.municipality)
    row.default_unit = served.default_unit
    row.organisation_values = sorted({value.strip().lower() for value in served.organisation_values
                                      if value.strip()})
    return row


def _domain_row(kept: dict[str, ProviderDomain], domain: str, municipality: Municipality) -> ProviderDomain:
    row = kept.get(domain) or ProviderDomain(domain=domain)
    row.municipality = municipality
    return row


def _check_secret(settings: ProviderSettings, new: bool) -> None:
    if settings.client_secret_env and not _ENV_NAME.match(settings.client_secret_env):
        raise ProviderError(_("The environment variable's name may hold A–Z, 0–9 and _ only."))
    if settings.client_secret is not None and len(settings.client_secret) > 1000:
        raise ProviderError(_("The client secret is too long."))
    if new and not settings.client_secret and not settings.client_secret_env:
        raise ProviderError(_("Give the client secret, or the environment variable that holds it."))


def parse_domains(text: str) -> list[str]:
    """Domains from "a.no, b.no" (or one per line); "@a.no" and capitals are forgiven."""
    domains = [part.strip().lower().lstrip("@") for part in re.split(r"[\s,;]+", text or "") if part.strip()]
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise ProviderError(_("%(domain)s is not an e-mail domain (like dulten.kommune.no).", domain=domain))
    return list(dict.fromkeys(domains))


def _check_people_at_new_domains(provider: IdentityProvider, served: list[Served]) -> None:
    """A municipal admin may not claim a domain where people of other organisations (or network and site
    admins) have accounts: their provider would then answer for who those addresses are."""
    ours = {entry.municipality.id for entry in served}
    known = {row.domain for row in provider.domains}
    for domain in (domain for entry in served for domain in entry.domains if domain not in known):
        people = db.session.scalars(select(User).where(User.email.like(f"%@{domain}")))
        if any(person.organisation_membership is None or person.organisation_membership.organisation_id not in ours
               for person in people):
            raise ProviderError(_("People of other organisations have addresses at %(domain)s. Ask the site's "
                                  "operator to set this domain up.", domain=domain))


def _check_domains(provider: IdentityProvider, served: list[Served]) -> None:
    municipalities = [entry.municipality.id for entry in served]
    if len(set(municipalities)) != len(municipalities):
        raise ProviderError(_("Name each municipality once."))
    domains = [domain for entry in served for domain in entry.domains]
    if not all(entry.domains for entry in served):
        raise ProviderError(_("Give the e-mail domains the provider may sign in for each municipality."))
    if len(set(domains)) != len(domains):
        raise ProviderError(_("Name each domain once."))
    for entry in served:
        if entry.default_unit is not None and entry.default_unit.municipality_id != entry.municipality.id:
            raise ProviderError(_("The unit must belong to the municipality."))
    taken = db.session.scalars(select(ProviderDomain).where(ProviderDomain.domain.in_(domains))).all()
    for row in taken:
        if row.provider_id != provider.id:
            raise ProviderError(_("The domain %(domain)s already signs in through %(provider)s. A domain can "
                                  "belong to one provider only.", domain=row.domain, provider=row.provider.name))


def parse_role_map(text: str) -> dict[str, str]:
    """"group = role" lines (from the web page) as a mapping; roles by their code, e.g. caretaker."""
    mapping = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        group, equals, role = line.rpartition("=")
        if not equals or not group.strip() or not role.strip():
            raise ProviderError(_("Write each line as group = role."))
        mapping[group.strip()] = role.strip().lower()
    return mapping


def served_from(municipality_id: int | None, domains: str, unit_id: int | None = None,
                organisation_values: str = "") -> Served:
    """One served municipality from a form's fields."""
    municipality = db.session.get(Municipality, municipality_id) if municipality_id else None
    if not isinstance(municipality, Municipality):
        raise ProviderError(_("Name the municipality the provider serves."))
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        raise ProviderError(_("The unit must belong to the municipality."))
    values = [value for value in re.split(r"[\s,;]+", organisation_values or "") if value]
    return Served(municipality=municipality, domains=parse_domains(domains), default_unit=unit,
                  organisation_values=values)


def served_as_is(provider: IdentityProvider) -> list[Served]:
    """What ``provider`` serves now, to save it unchanged."""
    return [Served(municipality=entry.municipality, default_unit=entry.default_unit,
                   organisation_values=list(entry.organisation_values),
                   domains=[row.domain for row in provider.domains if row.municipality_id == entry.municipality_id])
            for entry in provider.municipalities]


def municipalities_for(actor: User) -> list[Municipality]:
    """The municipalities ``actor`` may set providers up for."""
    municipalities = db.session.scalars(select(Municipality).order_by(Municipality.name))
    return [municipality for municipality in municipalities if can_set_up_providers_for(actor, municipality)]
