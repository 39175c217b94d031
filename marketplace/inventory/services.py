"""The inventory: what a municipality owns and uses, registered where it stands (building, floor, room), with
the statuses in use, for repair, for recycling; offered on the market with one action as the same item, so
its history stays with it. Functions flush, never commit; every change is audited.

An inventory item is an ``Item`` in one of ``INVENTORY_STATUSES``: the visibility condition shows it to its
own municipality's people only, and the market's lists (search, the home page, "our listings") show
published items only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden
from marketplace.inventory.permissions import can_keep_inventory, can_see_inventory
from marketplace.listings import services as listings
from marketplace.listings.models import INVENTORY_STATUSES, Category, DisposalReason, Item, ItemStatus, Photo
from marketplace.listings.signals import item_saved
from marketplace.organisations.models import Municipality

PER_PAGE = 50
# Where an inventory item may go from each inventory status (disposal: recycled or scrapped, with a reason).
NEXT_STATUSES = {status: tuple(other for other in (*INVENTORY_STATUSES, ItemStatus.DISPOSED) if other != status)
                 for status in INVENTORY_STATUSES}


class InventoryError(ValueError):
    """The input cannot be saved as given; ``errors`` maps field names to messages fit to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Filters:
    location_id: int | None = None
    building: str = ""
    room: str = ""
    category: Category | None = None
    status: ItemStatus | None = None


@dataclass(frozen=True)
class Place:
    building: str = ""
    floor: str = ""
    room: str = ""
    location_id: int | None = None

    def __str__(self) -> str:
        return ", ".join(part for part in (self.building, self.floor, self.room) if part)


@dataclass(frozen=True)
class InventoryPage:
    items: list[Item]
    total: int
    page: int
    per_page: int


def _municipality_of(actor: User) -> Municipality:
    municipality = actor.municipality
    if municipality is None or not can_see_inventory(actor, municipality):
        raise Forbidden
    return municipality


def register(actor: User, data: listings.ItemInput, *, status: ItemStatus = ItemStatus.IN_USE,
             now: datetime | None = None) -> Item:
    """Register an item in use (or for repair or recycling) in the actor's municipality; checked as any
    listing is, never published."""
    municipality = _municipality_of(actor)
    if not can_keep_inventory(actor, municipality):
        raise Forbidden
    if status not in INVENTORY_STATUSES:
        raise InventoryError({"status": _("Choose in use, for repair or for recycling.")})
    item = listings.create_item(actor, data, municipality=municipality, now=now)
    item.status = status
    db.session.flush()
    audit.record("inventory_registered", actor=actor, municipality_id=municipality.id, item_id=item.id,
                 status=status.value)
    return item


def change_status(actor: User, item_id: int, status: ItemStatus, *, reason: str = "",
                  disposal_reason: DisposalReason | None = None, now: datetime | None = None) -> Item:
    """Move an inventory item between in use, for repair and for recycling, or dispose of it (recycled or
    scrapped, with the reason)."""
    item = listings.find_manageable_item(actor, item_id)
    if item.status not in INVENTORY_STATUSES:
        raise Conflict(_("Only items in the inventory change status here."))
    if status not in NEXT_STATUSES[item.status]:
        raise InventoryError({"status": _("Choose another status.")})
    reason = reason.strip()
    if len(reason) > 500:
        raise InventoryError({"reason": _("Say why in at most 500 characters.")})
    if status == ItemStatus.DISPOSED:
        if disposal_reason is None:
            raise InventoryError({"disposal_reason": _("Say whether it was recycled or scrapped.")})
        item.disposal_reason, item.disposal_note, item.closed_at = disposal_reason, reason, now or utcnow()
    audit.record("inventory_status_changed", actor=actor, municipality_id=item.municipality_id, item_id=item.id,
                 status_from=item.status.value, status_to=status.value, reason=reason,
                 disposal_reason=disposal_reason.value if disposal_reason else None)
    item.status = status
    db.session.flush()
    return item


def place_of(item: Item) -> Place:
    return Place(item.building, item.floor, item.room, item.location_id)


def _check_part(item: Item, quantity: Decimal | None) -> Decimal:
    if problem := item.category.unit.quantity_problem(quantity):
        raise InventoryError({"quantity": problem})
    if quantity > item.quantity:
        raise InventoryError({"quantity": _("The row has only %(quantity)s.", quantity=format(
            item.quantity.normalize(), "f"))})
    return quantity


def _claim(item: Item, quantity: Decimal, place: Place | None, now: datetime) -> None:
    """Take ``quantity`` of the row where it stands now: the whole row moved to ``place``, or a part
    taken off it. One conditional UPDATE, so of two moves racing for the same chairs one is refused."""
    values = ({"quantity": Item.quantity - quantity, "quantity_available": Item.quantity_available - quantity}
              if quantity < item.quantity else
              {"building": place.building, "floor": place.floor, "room": place.room,
               "location_id": place.location_id, "location_since": now} if place is not None else {})
    taken = db.session.execute(update(Item).where(
        Item.id == item.id, Item.status == item.status, Item.quantity == item.quantity,
        Item.building == item.building, Item.floor == item.floor, Item.room == item.room,
    ).values(updated_at=now, **values).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise Conflict(_("Someone else changed or moved these just now. Reload the page to see where they are."))
    db.session.refresh(item)


def _photo_copies(item: Item) -> list[Photo]:
    """The item's photos for another item: the stored files are shared (they are kept by content hash)."""
    return [Photo(uploaded_by_id=photo.uploaded_by_id, position=photo.position, content_hash=photo.content_hash,
                  width=photo.width, height=photo.height, alt_text=photo.alt_text) for photo in item.photos]


def _split_off(actor: User, item: Item, quantity: Decimal, now: datetime) -> Item:
    """A new row of ``quantity`` of the item, copied from it (photos too), naming the row it came from."""
    part = Item(**{column.key: getattr(item, column.key) for column in Item.__table__.columns
                   if column.key not in {"id", "created_at", "updated_at", "quantity", "quantity_available"}})
    part.quantity = part.quantity_available = quantity
    part.origin_item_id, part.created_at, part.created_by_id = item.id, now, actor.id
    part.photos = _photo_copies(item)
    db.session.add(part)
    db.session.flush()
    item_saved.send(part)
    audit.record("inventory_split", actor=actor, municipality_id=item.municipality_id, item_id=item.id,
                 part_id=part.id, quantity=format(quantity.normalize(), "f"))
    return part


# What an item received from another organisation keeps of the listing it came from: what it is, never where
# it stood, who listed it or how it was offered.
RECEIVED_FIELDS = ("title", "description", "category_id", "condition", "dimensions", "brand", "model", "colour",
                   "asset_tag", "serial_number", "kgco2e_new", "mass_kg", "price_new_nok", "figures_source",
                   "erasure_recorded_at", "erasure_certificate", "purchased_on")


def receive(item: Item, quantity: Decimal, municipality: Municipality, place: Place, *, by_id: int | None,
            unit_id: int | None, now: datetime | None = None) -> Item:
    """What was handed over from ``item`` becomes an item in use in the receiving municipality's inventory, at
    ``place`` (a building project's room); it names the listing it came from, so both sides keep the history."""
    now = now or utcnow()
    received = Item(**{name: getattr(item, name) for name in RECEIVED_FIELDS}, municipality_id=municipality.id,
                    unit_id=unit_id, status=ItemStatus.IN_USE, quantity=quantity, quantity_available=quantity,
                    building=place.building, floor=place.floor, room=place.room, location_id=place.location_id,
                    location_since=now, origin_item_id=item.id, created_by_id=by_id, created_at=now)
    received.photos = _photo_copies(item)
    db.session.add(received)
    db.session.flush()
    item_saved.send(received)
    audit.record("inventory_received", municipality_id=municipality.id, item_id=received.id, origin_item_id=item.id,
                 quantity=format(quantity.normalize(), "f"), moved_to=str(place))
    return received


def move(actor: User, item: Item, quantity: Decimal | None, place: Place, now: datetime | None = None) -> Item:
    """Move ``quantity`` of an inventory item to ``place``: the whole row, or a part split off as a row of its
    own (10 of 12 chairs); the part names the row it came from, so both keep the history."""
    now = now or utcnow()
    if not can_keep_inventory(actor, item.municipality):
        raise Forbidden
    if item.status not in INVENTORY_STATUSES:
        raise Conflict(_("Only items in the inventory can be moved from here."))
    quantity = _check_part(item, quantity)
    came_from, whole = str(place_of(item)), quantity == item.quantity
    _claim(item, quantity, place, now)
    moved = item
    if not whole:
        moved = _split_off(actor, item, quantity, now)
        moved.building, moved.floor, moved.room = place.building, place.floor, place.room
        moved.location_id, moved.location_since = place.location_id, now
    db.session.flush()
    audit.record("inventory_moved", actor=actor, municipality_id=item.municipality_id, item_id=moved.id,
                 quantity=format(quantity.normalize(), "f"), came_from=came_from, moved_to=str(place))
    return moved


def offer_as_surplus(actor: User, item_id: int, quantity: Decimal | None = None,
                     now: datetime | None = None) -> Item:
    """Put an inventory item on the market with one action: it is published as it is (the same item, so
    its history stays), under the municipality's sharing rules. Part of a row (10 of 12 chairs) is split
    off first and offered; the rest stays in use."""
    item = listings.find_manageable_item(actor, item_id)
    if item.status not in INVENTORY_STATUSES:
        raise Conflict(_("Only items in the inventory can be offered from here."))
    if quantity is not None and _check_part(item, quantity) < item.quantity:
        now = now or utcnow()
        _claim(item, quantity, None, now)
        item = _split_off(actor, item, quantity, now)
    status_from = item.status
    item.status = ItemStatus.DRAFT  # publishing checks it as any draft (end date, safety note)
    try:
        listings.publish_item(actor, item, now=now)
    except (listings.ListingError, listings.TransitionError):
        item.status = status_from  # refused: the page shows why, and the item stays where it was
        raise
    audit.record("inventory_offered", actor=actor, municipality_id=item.municipality_id, item_id=item.id,
                 status_from=status_from.value)
    return item


def inventory(actor: User, filters: Filters = Filters(), page: int = 1, per_page: int = PER_PAGE
              ) -> InventoryPage:
    """The actor's municipality's inventory, by building, floor and room, a page at a time."""
    municipality = _municipality_of(actor)
    query = select(Item).where(Item.municipality_id == municipality.id,
                               Item.status.in_(filters.status and [filters.status] or INVENTORY_STATUSES))
    if filters.location_id is not None:
        query = query.where(Item.location_id == filters.location_id)
    if filters.building:
        query = query.where(func.lower(Item.building) == filters.building.strip().lower())
    if filters.room:
        query = query.where(func.lower(Item.room) == filters.room.strip().lower())
    if filters.category is not None:
        query = query.where(Item.category_id == filters.category.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, 1 + (total - 1) // per_page if total else 1))
    items = db.session.scalars(query.order_by(Item.building, Item.floor, Item.room, Item.title, Item.id)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return InventoryPage(items=list(items), total=total, page=page, per_page=per_page)


def places(actor: User) -> list[tuple[str, str, str]]:
    """The buildings, floors and rooms the municipality's inventory stands in, for choosing and filtering."""
    municipality = _municipality_of(actor)
    rows = db.session.execute(select(Item.building, Item.floor, Item.room).where(
        Item.municipality_id == municipality.id, Item.status.in_(INVENTORY_STATUSES)).distinct()
        .order_by(Item.building, Item.floor, Item.room))
    return [tuple(row) for row in rows]


def last_registered(actor: User) -> Item | None:
    """The item the actor registered last in their municipality's inventory and that is still there, for
    "same as the last one" (the next chair like it)."""
    municipality = _municipality_of(actor)
    return db.session.scalar(select(Item).where(
        Item.municipality_id == municipality.id, Item.created_by_id == actor.id,
        Item.status.in_(INVENTORY_STATUSES)).order_by(Item.created_at.desc(), Item.id.desc()).limit(1))
