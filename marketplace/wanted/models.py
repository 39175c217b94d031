"""Wanted notices ("we need 24 pupil chairs by 1 August") and needs: the reuse-first check before buying new."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, enum_column, utcnow
from marketplace.listings.models import QUANTITY, Category, CategoryGroup, Item
from marketplace.organisations.models import Municipality, Unit
from marketplace.reservations.models import Reservation


class NoticeStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class WantedNotice(Base):
    """What a unit is looking for, shown across the network by the same stages as a listing."""

    __tablename__ = "wanted_notices"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_wanted_notices_status_open_until", "status", "open_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    status: Mapped[NoticeStatus] = mapped_column(enum_column(NoticeStatus, "notice_status"),
                                                 default=NoticeStatus.OPEN)
    title: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    needed_by: Mapped[date | None]
    open_until: Mapped[date]  # tick closes the notice after this (Norwegian) date
    # The poster's alert: the saved-search mechanism announces matching items once each.
    saved_search_id: Mapped[int | None] = mapped_column(ForeignKey("saved_searches.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the wider circles see it; fixed when posted from the municipality's sharing policy, as for items.
    network_visible_at: Mapped[datetime | None]
    partner_visible_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.status == NoticeStatus.OPEN


class WantedAnswer(Base):
    """An item offered in answer to a notice (a new listing made for it, or one the municipality already has)."""

    __tablename__ = "wanted_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("wanted_notices.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item] = relationship(lazy="joined")


class NeedStatus(StrEnum):
    OPEN = "open"  # searching; the notice is (or was) out
    AWAITING_APPROVAL = "awaiting_approval"  # buying new, and policy wants an administrator's approval
    CLOSED = "closed"


class NeedOutcome(StrEnum):
    REUSED = "reused"  # met by reuse in full
    PARTLY_REUSED = "partly_reused"  # part by reuse, the rest bought new
    BOUGHT_NEW = "bought_new"


class BuyNewReason(StrEnum):
    NOTHING_SUITABLE = "nothing_suitable"
    CONDITION = "condition"
    QUANTITY = "quantity"
    DEADLINE = "deadline"
    OTHER = "other"


need_reservations = Table(
    "need_reservations",
    Base.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("reservation_id", ForeignKey("reservations.id", ondelete="CASCADE"), primary_key=True, unique=True),
)


class Need(Base):
    """A need registered before buying new: what was searched and found, the period, and the outcome."""

    __tablename__ = "needs"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("wanted_notices.id"), unique=True)
    status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus, "need_status"), default=NeedStatus.OPEN)
    title: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    needed_by: Mapped[date | None]
    # What was searched at registration, and what was found (total and the first few), for the certificate.
    searched: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    found_count: Mapped[int] = mapped_column(default=0)
    found: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # ICT trade-in: the asset tag of the device the new one replaces, or why none comes back.
    returned_asset_tag: Mapped[str] = mapped_column(String(60), default="")
    no_return_reason: Mapped[str] = mapped_column(Text, default="")
    returned_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))

    outcome: Mapped[NeedOutcome | None] = mapped_column(enum_column(NeedOutcome, "need_outcome"))
    reused_quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(0))
    buy_new_reason: Mapped[BuyNewReason | None] = mapped_column(enum_column(BuyNewReason, "buy_new_reason"))
    buy_new_reason_text: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    notice: Mapped[WantedNotice] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    returned_item: Mapped[Item | None] = relationship()
    reservations: Mapped[list[Reservation]] = relationship(secondary=need_reservations,
                                                           order_by=Reservation.id)

    @property
    def is_ict(self) -> bool:
        return self.category.group == CategoryGroup.ICT
