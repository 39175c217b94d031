"""The inventory's own records: the repairs of an item in use (its repair history, seen at home only)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, utcnow


class ItemRepair(Base):
    """One repair of an item: when, what was done, what it cost. Its municipality is the item's, so it is
    shown only where the item's inventory is (its own municipality's people)."""

    __tablename__ = "item_repairs"
    __table_args__ = (
        CheckConstraint("cost_nok IS NULL OR cost_nok >= 0", name="cost_not_negative"),
        Index("ix_item_repairs_item_date", "item_id", "repaired_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    repaired_on: Mapped[date]
    description: Mapped[str] = mapped_column(String(500))
    cost_nok: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User | None] = relationship(lazy="joined")
