"""Building projects: a new building furnished room by room, from the municipality's own inventory first, then
the network's market, and only then new (decision 44).

A project's need is the need record of the reuse-first check (``wanted.models.Need``: title, quantity,
wanted-by date, the reason for buying new and its approval) with a project and a room added, so a project
need is certified the same way as any other. What covers it is either a placement (part of the own inventory
moved into the project's room) or a reservation (of an own surplus listing or another organisation's), linked
to the need as the need check links them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db import Base, enum_column, utcnow
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import QUANTITY, Item
from marketplace.locations.models import Location
from marketplace.organisations.models import Municipality
from marketplace.wanted.models import Need


class ProjectStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"


class Project(Base):
    """A building being furnished ("Nytt bibliotek, Dulten"): its needs, room by room, by a wanted-by date."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    # Where the building stands (a location of the municipality), and its name as items carry it.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    building: Mapped[str] = mapped_column(String(120), default="")
    due: Mapped[date | None]  # everything wanted by then; reservations for the project are held until it
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus, "project_status"),
                                                  default=ProjectStatus.ACTIVE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    location: Mapped[Location | None] = relationship(lazy="joined")
    needs: Mapped[list[ProjectNeed]] = relationship(back_populates="project", order_by="ProjectNeed.need_id",
                                                    cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.status == ProjectStatus.ACTIVE


class ProjectNeed(Base):
    """A need of the project, in one of its rooms."""

    __tablename__ = "project_needs"

    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    room: Mapped[str] = mapped_column(String(120), default="")

    project: Mapped[Project] = relationship(back_populates="needs")
    need: Mapped[Need] = relationship(lazy="joined")
    placements: Mapped[list[Placement]] = relationship(back_populates="project_need", order_by="Placement.id")


class Placement(Base):
    """Part of the own inventory moved into the project's room for a need: internal reuse, recorded in the
    ledger like a hand-over (``reuse_event_id``). An item row is placed once (the unique key is the last
    guard when two needs race for one chair)."""

    __tablename__ = "project_placements"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("project_needs.need_id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), unique=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    # Where it stood before (building, floor and room), for the history.
    came_from: Mapped[str] = mapped_column(String(400), default="")
    reuse_event_id: Mapped[int | None] = mapped_column(ForeignKey("reuse_events.id"))
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)

    project_need: Mapped[ProjectNeed] = relationship(back_populates="placements")
    item: Mapped[Item] = relationship(lazy="joined")
    reuse_event: Mapped[ReuseEvent | None] = relationship()
    placed_by: Mapped[User | None] = relationship()
