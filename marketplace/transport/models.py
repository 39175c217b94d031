from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, enum_column, utcnow
from marketplace.organisations.models import Unit
from marketplace.reservations.models import Reservation


class TransportStatus(StrEnum):
    REQUESTED = "requested"  # asked for by the requester's side; the coordinators have not planned it yet
    SCHEDULED = "scheduled"  # a day, a driver and a place in the day's run
    PICKED_UP = "picked_up"  # on the van
    DELIVERED = "delivered"  # at the destination: the hand-over is confirmed, the reuse event written
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = (TransportStatus.REQUESTED, TransportStatus.SCHEDULED, TransportStatus.PICKED_UP)
_OPEN_SQL = "status IN ('requested', 'scheduled', 'picked_up')"


class TransportRequest(Base):
    """Carrying a reservation's items from where they stand to the requester: asked for by the requester's
    side, run by the giving municipality's transport coordinators. At most one open request per reservation
    (a partial unique index, so two simultaneous requests cannot both be made)."""

    __tablename__ = "transport_requests"
    __table_args__ = (
        Index("uq_transport_requests_open_reservation", "reservation_id", unique=True,
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
        Index("ix_transport_requests_municipality_status", "municipality_id", "status"),
        CheckConstraint("window_from <= window_to", name="window_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id", ondelete="CASCADE"))
    # The giving municipality (the item's): its coordinators handle the request.
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    requester_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[TransportStatus] = mapped_column(enum_column(TransportStatus, "transport_status"),
                                                    default=TransportStatus.REQUESTED)
    # From: where the item stood when transport was asked for (the address as text, kept as it was then).
    from_location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    from_address: Mapped[str] = mapped_column(String(300), default="")
    # To: a unit of the requester's organisation, or a free address.
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(300), default="")
    window_from: Mapped[date]
    window_to: Mapped[date]
    volume_m3: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(10, 1))
    floors: Mapped[int | None]  # floors to carry up at the destination (0: ground floor)
    lift: Mapped[bool | None]  # a lift at the destination (None: not said)
    # The person who receives the load (personal data: exported and erased with the requesting account).
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    scheduled_date: Mapped[date | None]
    driver_name: Mapped[str] = mapped_column(String(200), default="")
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stop_order: Mapped[int | None]
    picked_up_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    transport_km: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    transport_mode: Mapped[str | None] = mapped_column(String(20))  # a key of ledger.TRANSPORT_KG_PER_KM
    reuse_event_id: Mapped[int | None] = mapped_column(ForeignKey("reuse_events.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    reservation: Mapped[Reservation] = relationship(lazy="joined")
    to_unit: Mapped[Unit | None] = relationship(foreign_keys=[to_unit_id], lazy="joined")
    driver: Mapped[User | None] = relationship(foreign_keys=[driver_id], lazy="joined")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def destination(self) -> str:
        """Where the load goes, as text: the unit's name and address, or the free address."""
        if self.to_unit is not None:
            return ", ".join(part for part in (self.to_unit.name, self.to_unit.address or "") if part)
        return self.to_address

    def __repr__(self) -> str:
        return f"<TransportRequest {self.id} {self.status}>"
