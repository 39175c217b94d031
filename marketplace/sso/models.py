"""Identity providers (OpenID Connect: Entra ID, Feide) and the people they vouch for.

A provider serves one municipality or several (Feide for every school; one Entra tenant run by a shared IT
service). Each e-mail domain belongs to at most one provider and names the municipality its people join; a
provider may instead name the municipality by a claim (Feide's organisation realm), among the ones it serves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import LoginSession, Role, User
from marketplace.db import Base, enum_column, utcnow
from marketplace.organisations.models import Municipality, Unit


class IdentityProvider(Base):
    __tablename__ = "identity_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))  # the login button: "Logg inn med Feide"
    issuer: Mapped[str] = mapped_column(String(500))  # exactly as its discovery document says it
    client_id: Mapped[str] = mapped_column(String(255))
    # The secret is kept encrypted (key derived from MARKETPLACE_SECRET_KEY), or read from this variable.
    client_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    client_secret_env: Mapped[str | None] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(300), default="openid email profile")
    default_role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.MEMBER)
    # A claim whose value (or, for "name@realm", its realm) names the person's municipality, e.g. Feide's
    # eduPersonPrincipalName; None: the e-mail domain decides.
    organisation_claim: Mapped[str | None] = mapped_column(String(200))
    # A claim listing groups or app roles (Entra: "groups" or "roles"), and which value gives which role.
    role_claim: Mapped[str | None] = mapped_column(String(200))
    role_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # False: people of this provider's domains sign in only through it, never with a password.
    password_sign_in: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipalities: Mapped[list[ServedMunicipality]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", lazy="selectin",
        order_by="ServedMunicipality.id")
    domains: Mapped[list[ProviderDomain]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", lazy="selectin", order_by="ProviderDomain.domain")


class ServedMunicipality(Base):
    """A municipality whose people a provider signs in, with where new people land."""

    __tablename__ = "identity_provider_municipalities"
    __table_args__ = (UniqueConstraint("provider_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("identity_providers.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    # Values of the provider's organisation claim that mean this municipality (e.g. Feide realms).
    organisation_values: Mapped[list[str]] = mapped_column(JSON, default=list)

    provider: Mapped[IdentityProvider] = relationship(back_populates="municipalities")
    municipality: Mapped[Municipality] = relationship(lazy="joined")
    default_unit: Mapped[Unit | None] = relationship(lazy="joined")


class ProviderDomain(Base):
    """An e-mail domain a provider may sign in; unique, so two providers never claim the same people."""

    __tablename__ = "identity_provider_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("identity_providers.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(253), unique=True)  # lower-case, no "@"

    provider: Mapped[IdentityProvider] = relationship(back_populates="domains")
    municipality: Mapped[Municipality] = relationship(lazy="joined")


class ExternalIdentity(Base):
    """A person as a provider knows them: issuer and subject, never the e-mail address, which can change."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("identity_providers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]

    provider: Mapped[IdentityProvider] = relationship()
    user: Mapped[User] = relationship()


class ProviderSession(Base):
    """The provider's side of a login session: the ID token, which its sign-out (RP-initiated logout) asks
    for as a hint. Too large for the cookie (Entra lists groups); gone when the person signs out."""

    __tablename__ = "identity_provider_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_session_id: Mapped[int] = mapped_column(
        ForeignKey("login_sessions.id", ondelete="CASCADE"), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("identity_providers.id", ondelete="CASCADE"), index=True)
    id_token: Mapped[str] = mapped_column(Text)

    login_session: Mapped[LoginSession] = relationship()
    provider: Mapped[IdentityProvider] = relationship()
