"""Where an item's QR label leads (`/i/<id>`, made by ``listings.labels.short_url``): the page that fits the
person who scanned it, decided here for the page and for tests alike.

- The holder of an approved reservation of the item (its requester) → the hand-over confirmation of it.
- The owner side (who may handle the item's reservations) → the confirmation if exactly one reservation of the
  item is approved, a short choice if several are, and the item page if none is.
- Everyone else → the item page, if they may see it; NotVisible (404, as the item page) if not, so a label
  never tells anyone that a hidden item exists.
Signed-out visitors never get here: the route demands sign-in, and the login page brings them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.db import db
from marketplace.errors import NotVisible
from marketplace.listings import services as listings
from marketplace.listings.models import Item
from marketplace.listings.permissions import can_manage_item
from marketplace.reservations.models import Reservation, ReservationStatus

Landing = Literal["hand_over", "choose", "item"]


@dataclass(frozen=True)
class Scan:
    """What the scan shows: ``landing``, with the one ``reservation`` to confirm (hand_over) or the approved
    ``reservations`` to choose from (choose)."""

    item: Item
    landing: Landing
    reservation: Reservation | None = None
    reservations: list[Reservation] = field(default_factory=list)


def scan(viewer: User, item_id: int) -> Scan:
    """Where ``viewer`` lands from the item's label (see the module); NotVisible for an item they may not see."""
    item = db.session.get(Item, item_id)
    if item is None:
        raise NotVisible
    approved = _approved(item)
    held = [reservation for reservation in approved if reservation.requester_id == getattr(viewer, "id", None)]
    if held:
        return Scan(item, "hand_over", reservation=held[0])
    if can_manage_item(viewer, item) and approved:
        if len(approved) == 1:
            return Scan(item, "hand_over", reservation=approved[0])
        return Scan(item, "choose", reservations=approved)
    return Scan(listings.find_item(viewer, item_id), "item")


def _approved(item: Item) -> list[Reservation]:
    """The item's approved reservations, those with the earliest pickup first (then the oldest)."""
    return list(db.session.scalars(
        select(Reservation).where(Reservation.item_id == item.id, Reservation.status == ReservationStatus.APPROVED)
        .order_by(Reservation.pickup_at.is_(None), Reservation.pickup_at, Reservation.id)))
