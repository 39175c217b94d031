from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Numeric, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, utcnow
from marketplace.listings.models import Category

CO2E = Numeric(12, 3)  # kg CO2e, to the gram
MASS = Numeric(12, 3)  # kg, to the gram
MONEY = Numeric(12, 2)  # NOK, to the øre
# What the climate report reads of each event besides its date, except the factors (see ix_reuse_events_occurred).
REPORT_COLUMNS = ["giver_municipality_id", "receiver_organisation_id", "giver_unit_id", "receiver_unit_id", "quantity",
                  "co2e_net_kg", "co2e_gross_kg", "waste_kg", "money_nok", "co2e_low_kg", "co2e_high_kg",
                  "price_paid_nok", "refurbishment_nok"]


class FactorSet(Base):
    """A versioned table of default factors, one line per category, each with its sources."""

    __tablename__ = "factor_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date]
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    factors: Mapped[list[CategoryFactor]] = relationship(back_populates="factor_set", cascade="all, delete-orphan")


class CategoryFactor(Base):
    """The default figures for one category in one factor set. A blank CO2e means no default exists."""

    __tablename__ = "category_factors"
    __table_args__ = (UniqueConstraint("factor_set_id", "category_id", name="uq_category_factors_set_category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(ForeignKey("factor_sets.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    kgco2e_new: Mapped[Decimal | None] = mapped_column(CO2E)
    kgco2e_low: Mapped[Decimal | None] = mapped_column(CO2E)
    kgco2e_high: Mapped[Decimal | None] = mapped_column(CO2E)
    mass_kg: Mapped[Decimal | None] = mapped_column(MASS)
    price_new_nok: Mapped[Decimal | None] = mapped_column(MONEY)
    price_is_estimate: Mapped[bool] = mapped_column(default=True)
    confidence: Mapped[str] = mapped_column(String(20), default="low")
    sources: Mapped[str] = mapped_column(Text, default="")

    factor_set: Mapped[FactorSet] = relationship(back_populates="factors")
    category: Mapped[Category] = relationship(lazy="joined")


class FactorOverride(Base):
    """A municipality's own figure for a category from a date on. Rows are never edited: a change is a new
    row with a later date, so the history stays, and reuse events keep the factors they were computed with."""

    __tablename__ = "factor_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    effective_from: Mapped[date]
    kgco2e_new: Mapped[Decimal | None] = mapped_column(CO2E)
    mass_kg: Mapped[Decimal | None] = mapped_column(MASS)
    price_new_nok: Mapped[Decimal | None] = mapped_column(MONEY)
    source: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship(lazy="joined")


class ReuseEvent(Base):
    """One hand-over, logged for the climate report. Append-only: a correction is a new reversing event.

    The event keeps the factors it was computed with, so later factor changes never rewrite history, and it
    names units and organisations, never people, so erasing a person leaves the ledger whole.
    """

    __tablename__ = "reuse_events"
    __table_args__ = (
        # On PostgreSQL the period index also carries what the report's unit and matrix queries read, so they
        # scan the index alone (migration 0008); SQLite has no INCLUDE and keeps the plain index.
        Index("ix_reuse_events_occurred", "occurred_on", postgresql_include=REPORT_COLUMNS),
        Index("ix_reuse_events_receiver", "receiver_organisation_id", "occurred_on"),
        Index("ix_reuse_events_giver", "giver_municipality_id", "occurred_on"),
        Index("ix_reuse_events_receiver_unit", "receiver_unit_id", "occurred_on"),  # a unit's report
        Index("ix_reuse_events_giver_unit", "giver_unit_id", "occurred_on"),
        # An event is reversed at most once, whoever tries at the same moment (an index, not a constraint:
        # adding a constraint on SQLite copies the table, which would drop the append-only triggers).
        Index("uq_reuse_events_reverses_event_id", "reverses_event_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime]
    occurred_on: Mapped[date]  # the Norwegian date of the hand-over: reports are by Oslo dates
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"), index=True)
    reverses_event_id: Mapped[int | None] = mapped_column(ForeignKey("reuse_events.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))  # negative on a reversing event
    giver_municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    giver_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    receiver_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    receiver_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    would_buy_new: Mapped[str] = mapped_column(String(10))
    displacement: Mapped[Decimal] = mapped_column(Numeric(4, 3))  # D in the method
    would_be_discarded: Mapped[bool]
    # The factors used, per unit, and where they came from.
    kgco2e_new: Mapped[Decimal | None] = mapped_column(CO2E)
    mass_kg: Mapped[Decimal | None] = mapped_column(MASS)
    price_new_nok: Mapped[Decimal | None] = mapped_column(MONEY)
    factor_set_version: Mapped[str] = mapped_column(String(40))
    factor_sources: Mapped[str] = mapped_column(Text, default="")
    overridden_by: Mapped[str | None] = mapped_column(String(20))
    # The uncertainty band of kgco2e_new (per unit) and L, the remaining-life factor.
    kgco2e_low: Mapped[Decimal | None] = mapped_column(CO2E)
    kgco2e_high: Mapped[Decimal | None] = mapped_column(CO2E)
    lifetime_factor: Mapped[Decimal] = mapped_column(Numeric(4, 3), server_default=text("1"))
    # What the hand-over cost, for the whole hand-over, as recorded (None: not recorded). transport_kgco2e is
    # the transport emissions subtracted: as given, or transport_km × the factor of transport_mode.
    price_paid_nok: Mapped[Decimal | None] = mapped_column(MONEY)
    transport_km: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    transport_mode: Mapped[str | None] = mapped_column(String(20))  # "diesel_van" or "electric_van"
    transport_kgco2e: Mapped[Decimal | None] = mapped_column(CO2E)
    refurbishment_nok: Mapped[Decimal | None] = mapped_column(MONEY)
    refurbishment_kgco2e: Mapped[Decimal | None] = mapped_column(CO2E)
    # The results. co2e_low_kg and co2e_high_kg are the net figure computed with the low and the high factor.
    co2e_gross_kg: Mapped[Decimal] = mapped_column(CO2E)
    co2e_net_kg: Mapped[Decimal] = mapped_column(CO2E)
    co2e_low_kg: Mapped[Decimal] = mapped_column(CO2E, server_default=text("0"))
    co2e_high_kg: Mapped[Decimal] = mapped_column(CO2E, server_default=text("0"))
    waste_kg: Mapped[Decimal] = mapped_column(MASS)
    money_nok: Mapped[Decimal] = mapped_column(MONEY)
    note: Mapped[str] = mapped_column(Text, default="")

    category: Mapped[Category] = relationship(lazy="joined")


# The networks each reuse event counts in: those its giver or receiver belonged to when it was appended (a
# reversal counts where the event it corrects counted). A network's report reads this, never today's
# membership, so a published network figure stays the same when members join or leave later. Append-only, as
# the events are.
reuse_event_networks = Table(
    "reuse_event_networks",
    Base.metadata,
    Column("event_id", ForeignKey("reuse_events.id"), primary_key=True),
    Column("network_id", ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_reuse_event_networks_network", "network_id", "event_id"),
)


TALLY_CO2E = Numeric(16, 3)  # a month of a network's events: room for far more than any region hands over
TALLY_MASS = Numeric(16, 3)
TALLY_MONEY = Numeric(16, 2)


class ReportTally(Base):
    """The reuse ledger summed per month for the network and site reports, kept up to date as each event is
    appended (``impact.tallies``), so a yearly network report adds up a few thousand subtotals instead of every
    event of the year (decision 21). The ledger stays the truth: each event adds to the networks recorded on it
    (decision 29), and ``marketplace report-tallies`` rebuilds every tally from the ledger.

    Each row is one subtotal of one ``breakdown``: "factors" (a category and the factors used: totals,
    categories, months and the factors appendix), "unit_received" and "unit_given" (a unit's side of its
    hand-overs), or "pair" (giver municipality → receiving organisation, the matrix). Columns another breakdown
    uses stay empty. A key may appear on more than one row (two first hand-overs of a month at the same moment
    both insert); readers always add rows up, so that changes nothing.
    """

    __tablename__ = "report_tallies"
    __table_args__ = (Index("ix_report_tallies_scope", "network_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int | None] = mapped_column(ForeignKey("networks.id", ondelete="CASCADE"))  # None: the site
    month: Mapped[date]  # the first day of the Norwegian month
    breakdown: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    factor_set_version: Mapped[str | None] = mapped_column(String(40))
    kgco2e_new: Mapped[Decimal | None] = mapped_column(CO2E)
    mass_kg: Mapped[Decimal | None] = mapped_column(MASS)
    price_new_nok: Mapped[Decimal | None] = mapped_column(MONEY)
    factor_sources: Mapped[str | None] = mapped_column(Text)
    overridden_by: Mapped[str | None] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    giver_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    receiver_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    event_rows: Mapped[int] = mapped_column(default=0)
    events_received: Mapped[int] = mapped_column(default=0)
    events_given: Mapped[int] = mapped_column(default=0)
    quantity_received: Mapped[Decimal] = mapped_column(TALLY_MASS, default=0)
    quantity_given: Mapped[Decimal] = mapped_column(TALLY_MASS, default=0)
    co2e_net_kg: Mapped[Decimal] = mapped_column(TALLY_CO2E, default=0)
    co2e_gross_kg: Mapped[Decimal] = mapped_column(TALLY_CO2E, default=0)
    waste_kg: Mapped[Decimal] = mapped_column(TALLY_MASS, default=0)
    money_nok: Mapped[Decimal] = mapped_column(TALLY_MONEY, default=0)
    co2e_low_kg: Mapped[Decimal] = mapped_column(TALLY_CO2E, default=0, server_default=text("0"))
    co2e_high_kg: Mapped[Decimal] = mapped_column(TALLY_CO2E, default=0, server_default=text("0"))
    price_paid_nok: Mapped[Decimal] = mapped_column(TALLY_MONEY, default=0, server_default=text("0"))
    refurbishment_nok: Mapped[Decimal] = mapped_column(TALLY_MONEY, default=0, server_default=text("0"))
