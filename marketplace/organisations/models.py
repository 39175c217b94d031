from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Numeric, String, Table, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, enum_column, utcnow


network_members = Table(
    "network_members",
    Base.metadata,
    Column("network_id", ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class Network(Base):
    """A regional network of municipalities that share their surplus."""

    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Policy defaults: a municipality created in the network, or joining it from no other network, starts with
    # these (see Organisation below for what each means); it may change its own afterwards.
    network_share_days: Mapped[int] = mapped_column(default=3, server_default="3")
    partner_share_days: Mapped[int | None] = mapped_column(default=14, server_default="14")
    hold_days: Mapped[int] = mapped_column(default=5, server_default="5")
    pickup_grace_days: Mapped[int] = mapped_column(default=2, server_default="2")
    waitlist_offer_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    displacement_unknown: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.700"),
                                                          server_default="0.700")

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=network_members, back_populates="networks", order_by="Organisation.name"
    )

    @property
    def municipalities(self) -> list[Municipality]:
        return [org for org in self.organisations if isinstance(org, Municipality)]

    @property
    def partners(self) -> list[PartnerOrganisation]:
        return [org for org in self.organisations if isinstance(org, PartnerOrganisation)]

    def __repr__(self) -> str:
        return f"<Network {self.slug}>"


# The policy a municipality keeps on its row, and a network keeps as the default for new members.
POLICY_FIELDS = ("network_share_days", "partner_share_days", "hold_days", "pickup_grace_days",
                 "waitlist_offer_hours", "displacement_unknown")


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    PARTNER = "partner"


class Organisation(Base):
    """A municipality (a tenant, owning units, items and reports) or a partner organisation."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"))
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Norwegian organisation number (9 digits), optional: partner groups may not have one.
    org_number: Mapped[str | None] = mapped_column(String(9))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Staged visibility (municipalities): days after publishing before the network sees an item, and the
    # further days before partner organisations do (None: never).
    network_share_days: Mapped[int] = mapped_column(default=3)
    partner_share_days: Mapped[int | None] = mapped_column(default=14)
    # Reservations (municipalities): days the owner side has to answer a reservation before the hold lapses,
    # days after the agreed pickup before an uncollected reservation lapses, hours a waitlist offer is kept,
    # and the displacement D counted when a receiver answers "don't know" to "would you have bought new?".
    hold_days: Mapped[int] = mapped_column(default=5)
    pickup_grace_days: Mapped[int] = mapped_column(default=2)
    waitlist_offer_hours: Mapped[int] = mapped_column(default=48)
    displacement_unknown: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.700"))
    # Listings (municipalities): publishing an electrical item (the ICT group) needs a safety-check note.
    electrical_safety_note_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Reuse-first check (municipalities): days a registered need stays out as a wanted notice, and whether
    # buying new needs a municipal administrator's approval.
    need_open_days: Mapped[int] = mapped_column(default=14)
    need_approval_required: Mapped[bool] = mapped_column(default=False)

    networks: Mapped[list[Network]] = relationship(
        secondary=network_members, back_populates="organisations", order_by=Network.name
    )

    __mapper_args__ = {"polymorphic_on": "kind"}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug}>"


class Municipality(Organisation):
    __mapper_args__ = {"polymorphic_identity": OrganisationKind.MUNICIPALITY}

    units: Mapped[list[Unit]] = relationship(
        back_populates="municipality", order_by="Unit.name", cascade="all, delete-orphan"
    )


class PartnerOrganisation(Organisation):
    """A charity or voluntary group that may take what no municipality wanted."""

    __mapper_args__ = {"polymorphic_identity": OrganisationKind.PARTNER}


class UnitKind(StrEnum):
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    LIBRARY = "library"
    DEPOT = "depot"
    OFFICE = "office"
    CARE = "care"
    CULTURE = "culture"
    OTHER = "other"


class Unit(Base):
    """A school, library, depot or office of a municipality."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("municipality_id", "name", name="uq_units_municipality_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"), default=UnitKind.OTHER)
    # Shown on the unit's listings to the people who come to fetch them. Free text: pickup locations with
    # their own addresses, opening hours and contacts come with logistics (docs/decisions.md).
    address: Mapped[str | None] = mapped_column(String(300))
    opening_hours: Mapped[str | None] = mapped_column(String(300))
    contact: Mapped[str | None] = mapped_column(String(300))
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship(back_populates="units")

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"
