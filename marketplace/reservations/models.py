from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, Text, case, false, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import Grouping

from marketplace.accounts.models import User
from marketplace.db import Base, enum_column, utcnow
from marketplace.listings.models import Condition, Item
from marketplace.organisations.models import Organisation, Unit


class ReservationStatus(StrEnum):
    REQUESTED = "requested"  # the quantity is held; the owner side has not answered yet
    APPROVED = "approved"  # agreed; waiting for the pickup
    COLLECTED = "collected"  # handed over: a reuse event exists
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    # Handed over, then found wrong after the undo window: its reuse event is reversed, the quantities stay.
    CORRECTED = "corrected"
    # A lend item collected: the borrower has it until due_at; no reuse event is written (decision 38).
    ON_LOAN = "on_loan"
    RETURNED = "returned"  # every unit of the loan came back or was recorded lost

    @property
    def holds_quantity(self) -> bool:
        return self in (ReservationStatus.REQUESTED, ReservationStatus.APPROVED)


class WouldBuyNew(StrEnum):
    """The receiver's answer to "Would you otherwise have bought new?" (the displacement in the method)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class PickupSide(StrEnum):
    """Which side proposed the pickup time: only the other side may accept it."""

    OWNER = "owner"  # the item's municipality (its caretakers and administrators)
    REQUESTER = "requester"


class Reservation(Base):
    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_reservations_item_status", "item_id", "status"),
        # A municipality's and a person's reservations newest first (the API's lists, the counts of a tab):
        # read backwards, a page stops after its rows instead of sorting them all.
        Index("ix_reservations_municipality_newest", "municipality_id", "created_at", "id"),
        Index("ix_reservations_requester_newest", "requester_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    # The owner side: the item's municipality (copied, so lists filter by tenant without a join).
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requester_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requester_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    status: Mapped[ReservationStatus] = mapped_column(enum_column(ReservationStatus, "reservation_status"),
                                                      default=ReservationStatus.REQUESTED)
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    would_buy_new: Mapped[WouldBuyNew] = mapped_column(enum_column(WouldBuyNew, "would_buy_new"))
    note: Mapped[str] = mapped_column(Text, default="")
    wished_pickup_at: Mapped[datetime | None]
    pickup_at: Mapped[datetime | None]  # proposed or agreed
    pickup_confirmed: Mapped[bool] = mapped_column(default=False)
    # Who proposed pickup_at (for a wished time the owner side accepted: the requester). None for times proposed
    # before migration 0020, which either side may still accept.
    pickup_proposed_by: Mapped[PickupSide | None] = mapped_column(enum_column(PickupSide, "pickup_side"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected or cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime | None]  # when an unanswered hold, or an uncollected approval, lapses
    decided_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    # A loan (``loans``): when it is due back, what came back or was lost so far, a pending renewal request and
    # the reminders sent for the current due date.
    lent_at: Mapped[datetime | None]  # when the loan started (the hand-over)
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    returned_at: Mapped[datetime | None]
    quantity_returned: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal(0), server_default="0")
    quantity_lost: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal(0), server_default="0")
    renewal_days: Mapped[int | None]
    renewal_asked_at: Mapped[datetime | None]
    due_reminded_at: Mapped[datetime | None]
    overdue_reminded_at: Mapped[datetime | None]
    # Set aside for the collector by the owner side (a store shows it is ready); when and by whom (reservations/
    # picking.py). Only an approved reservation is marked; the mark stays as history once it is closed.
    picked: Mapped[bool] = mapped_column(default=False, server_default=false())
    picked_at: Mapped[datetime | None]
    picked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Kept at least until then (a building project's wanted-by date) instead of lapsing as a stale hold.
    held_until: Mapped[datetime | None]

    item: Mapped[Item] = relationship(lazy="joined")
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id], lazy="joined")
    requester_organisation: Mapped[Organisation] = relationship(foreign_keys=[requester_organisation_id],
                                                                lazy="joined")
    requester_unit: Mapped[Unit | None] = relationship(lazy="joined")
    picked_by: Mapped[User | None] = relationship(foreign_keys=[picked_by_id])
    messages: Mapped[list[ReservationMessage]] = relationship(
        back_populates="reservation", order_by="ReservationMessage.created_at", cascade="all, delete-orphan")

    @property
    def on_loan_quantity(self) -> Decimal:
        """What the borrower still has: lent, less what came back and what was recorded lost."""
        return self.quantity - self.quantity_returned - self.quantity_lost

    def overdue(self, now: datetime) -> bool:
        return self.status == ReservationStatus.ON_LOAN and self.due_at is not None and self.due_at < now


# What still waits for someone, in the order it comes first on a list of reservations; every other status is
# history.
OPEN_STATUSES = (ReservationStatus.REQUESTED, ReservationStatus.APPROVED, ReservationStatus.ON_LOAN)
# A reservation's place on such a list: 0, 1, 2 for the open statuses, 3 for history. Literal values, not bound
# parameters: the index below holds this expression, and a database uses it for an ORDER BY only if the query's
# expression is the same (SQLite never matches a parameter; PostgreSQL only in a plan made for its values).
OPEN_FIRST = case(*((Reservation.status == literal_column(f"'{status.value}'"), literal_column(str(place)))
                    for place, status in enumerate(OPEN_STATUSES)), else_=literal_column(str(len(OPEN_STATUSES))))
# A municipality's reservations in the order its reservations page lists them (open first, then newest): a page
# walks the index and stops after its rows, where it sorted all the municipality's reservations.
Index("ix_reservations_open_first", Reservation.municipality_id, Grouping(OPEN_FIRST),  # (…): an expression
      Reservation.created_at.desc(), Reservation.id.desc())


class LoanReturn(Base):
    """One return of (part of) a loan, recorded by the owner side: units back, units lost or damaged beyond use,
    the condition they came back in."""

    __tablename__ = "loan_returns"
    __table_args__ = (
        CheckConstraint("quantity_back >= 0 AND quantity_lost >= 0 AND quantity_back + quantity_lost > 0",
                        name="quantities_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id", ondelete="CASCADE"), index=True)
    quantity_back: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    quantity_lost: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    condition: Mapped[Condition] = mapped_column(enum_column(Condition, "item_condition"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by: Mapped[User | None] = relationship(lazy="joined")


class ReservationMessage(Base):
    __tablename__ = "reservation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reservation: Mapped[Reservation] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship(lazy="joined")


class WaitlistStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # released quantity is kept for this person until offer_expires_at
    RESERVED = "reserved"
    LAPSED = "lapsed"
    LEFT = "left"


class WaitlistEntry(Base):
    __tablename__ = "waitlist_entries"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    status: Mapped[WaitlistStatus] = mapped_column(enum_column(WaitlistStatus, "waitlist_status"),
                                                   default=WaitlistStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    offered_quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))  # held for this person
    offered_at: Mapped[datetime | None]
    offer_expires_at: Mapped[datetime | None]

    item: Mapped[Item] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")
