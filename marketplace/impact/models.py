from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, utcnow
from marketplace.listings.models import Category

CO2E = Numeric(12, 3)  # kg CO2e, to the gram
MASS = Numeric(12, 3)  # kg, to the gram
MONEY = Numeric(12, 2)  # NOK, to the øre


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
