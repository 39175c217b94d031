from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, enum_column, utcnow
from marketplace.organisations.models import Municipality, Network, Organisation, Unit


class Role(StrEnum):
    """What a membership lets its user do. Within an organisation the line member → caretaker → municipal
    admin adds powers at each step; the store keeper and the transport coordinator sit beside the caretaker:
    members with one more job, which the municipal admin can do too (accounts/permissions.py)."""

    MEMBER = "member"  # search, reserve, post wanted notices
    CARETAKER = "caretaker"  # also list items and handle reservations of the municipality
    STORE_KEEPER = "store_keeper"  # also runs the municipality's reuse stores (intake, stock, moves, write-offs)
    TRANSPORT_COORDINATOR = "transport_coordinator"  # also runs the municipality's transport queue
    MUNICIPAL_ADMIN = "municipal_admin"  # also users, units, policy, factors and reports of the municipality
    NETWORK_ADMIN = "network_admin"  # network report, member municipalities, partner organisations
    SITE_ADMIN = "site_admin"  # everything, on every network


ORGANISATION_ROLES = (Role.MEMBER, Role.CARETAKER, Role.STORE_KEEPER, Role.TRANSPORT_COORDINATOR,
                      Role.MUNICIPAL_ADMIN)


class EmailPreference(StrEnum):
    """How a user hears about new notifications by e-mail (the in-app inbox gets them all regardless)."""

    IMMEDIATE = "immediate"  # at the next `marketplace tick` (a few at once come in one e-mail)
    DAILY = "daily"  # one digest a day, in the morning
    OFF = "off"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="nb")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    last_login_via: Mapped[str | None] = mapped_column(String(120))  # "password", or the provider's name
    email_notifications: Mapped[EmailPreference] = mapped_column(
        enum_column(EmailPreference, "email_preference"), default=EmailPreference.IMMEDIATE,
        server_default=EmailPreference.IMMEDIATE.value)
    last_digest_at: Mapped[datetime | None]  # when the latest daily digest was due (and sent, if any)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # The login session this request acts under; Flask-Login keeps its id in the signed cookie.
    login_session_token = None  # str | None; not a column

    def get_id(self) -> str | None:
        return self.login_session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> set[Role]:
        return {membership.role for membership in self.memberships}

    @property
    def organisation_membership(self) -> Membership | None:
        return next((m for m in self.memberships if m.organisation_id is not None), None)

    @property
    def organisation(self) -> Organisation | None:
        membership = self.organisation_membership
        return membership.organisation if membership else None

    @property
    def municipality(self) -> Municipality | None:
        organisation = self.organisation
        return organisation if isinstance(organisation, Municipality) else None

    @property
    def unit(self) -> Unit | None:
        membership = self.organisation_membership
        return membership.unit if membership else None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(Base):
    """A user's role in an organisation (optionally at one of its units), a network, or the whole site."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint(
            "(role IN ('member', 'caretaker', 'store_keeper', 'transport_coordinator', 'municipal_admin')"
            " AND organisation_id IS NOT NULL"
            " AND network_id IS NULL)"
            " OR (role = 'network_admin' AND network_id IS NOT NULL AND organisation_id IS NULL)"
            " OR (role = 'site_admin' AND network_id IS NULL AND organisation_id IS NULL)",
            name="scope_fits_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    network: Mapped[Network | None] = relationship(lazy="joined")


class LoginSession(Base):
    """One signed-in browser. The cookie holds a random token; only its hash is stored, so a stolen
    database gives no sessions, and ending the row ends the session for good (no cookie replay)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class Invitation(Base):
    """An invitation by e-mail to join an organisation with a role. The link holds a random token; only its
    hash is stored (as for login sessions). A link works until it expires, is used, revoked or resent."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
