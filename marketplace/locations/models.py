from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, enum_column, utcnow
from marketplace.organisations.models import Municipality


class LocationKind(StrEnum):
    PICKUP = "pickup"  # a place where listed items wait for their collectors (a depot's gate, a school's shed)
    STORE = "store"  # a reuse store (ombrukslager): items are taken in, kept, moved on and written off


class Location(Base):
    """A place of a municipality where items stand: a pickup location or a reuse store. ("Site" already means
    the whole installation, so this is a location.) An item stands at a location or at a unit; its free-text
    building and room are detail within it."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("municipality_id", "name", name="uq_locations_municipality_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LocationKind] = mapped_column(enum_column(LocationKind, "location_kind"))
    address: Mapped[str] = mapped_column(String(300), default="")
    opening_hours: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    # What a driver or collector needs to know on arrival: key, loading ramp, floors, lift.
    access_notes: Mapped[str] = mapped_column(Text, default="")
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Location {self.id} {self.kind}>"
