"""The reuse store (ombrukslager): a municipality's store keepers and caretakers take items into its stores, see
a store's stock, move items between its locations and write items off.

Every function takes the acting user explicitly, checks ``can_run_store`` itself, flushes and never commits;
every change is audited with where the item stood before and after. A store keeper lists nothing
(``can_list_items`` stays the caretakers'); what they see is widened only to the items standing in their
municipality's stores (listings/visibility.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, func, select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db import ListPage, db, utcnow
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.i18n import oslo_date
from marketplace.listings.models import DisposalReason, Item, ItemStatus
from marketplace.listings.services import visible_items
from marketplace.locations.models import Location, LocationKind
from marketplace.locations.permissions import can_run_store
from marketplace.organisations.models import Municipality
from marketplace.reservations.models import Reservation, ReservationStatus, WaitlistEntry, WaitlistStatus

# A listing taken into a store stays listed at least this long (instead of expiring), as Warp It's store does.
STORE_LISTING_DAYS = 90
# Items that still stand somewhere: not handed over, not written off.
STANDING = (ItemStatus.DRAFT, ItemStatus.PUBLISHED, ItemStatus.WITHDRAWN, ItemStatus.EXPIRED)
MAX_NOTE = 1000
STOCK_PAGE_SIZE = 50  # items of a store a page, the latest arrivals first


class StoreError(ValueError):
    """Input that breaks a rule. ``errors`` maps a field name to a message fit to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- Reading --------------------------------------------------------------------------------------------

def runs_a_store(user: User) -> bool:
    """Whether ``user`` runs the stores of their own municipality (the "Lager" menu entry)."""
    return can_run_store(user, user.municipality) if user.municipality is not None else False


def my_stores(actor: User) -> list[tuple[Location, int]]:
    """The active stores of the municipalities whose stores ``actor`` runs, each with the number of items
    standing there (two queries)."""
    municipality_ids = [m.organisation_id for m in actor.memberships
                        if isinstance(m.organisation, Municipality) and can_run_store(actor, m.organisation)]
    stores = list(db.session.scalars(select(Location).where(
        Location.municipality_id.in_(municipality_ids), Location.kind == LocationKind.STORE,
        Location.archived_at.is_(None)).order_by(Location.name, Location.id)))
    counts = dict(db.session.execute(select(Item.location_id, func.count()).where(
        Item.location_id.in_([store.id for store in stores]), Item.status.in_(STANDING))
        .group_by(Item.location_id)).all())
    return [(store, counts.get(store.id, 0)) for store in stores]


def find_store(actor: User, location_id: int) -> Location:
    """A store whose stock ``actor`` may see: 404 for a location that is not a store or not of their
    municipality, 403 for its own people who do not run its stores."""
    store = db.session.get(Location, location_id)
    if store is None or store.kind != LocationKind.STORE:
        raise NotVisible
    if not can_run_store(actor, store.municipality):
        if any(m.organisation_id == store.municipality_id for m in actor.memberships):
            raise Forbidden
        raise NotVisible
    return store


def stock(actor: User, store: Location, page: int = 1) -> ListPage:
    """Page ``page`` of the items standing in ``store`` (not handed over, not written off), the latest arrivals
    first."""
    if not can_run_store(actor, store.municipality):
        raise Forbidden
    standing = visible_items(actor).where(Item.location_id == store.id, Item.status.in_(STANDING))
    return db.page(standing.order_by(Item.location_since.desc(), Item.id.desc()), page, STOCK_PAGE_SIZE)


def find_location(location_id: int | None) -> Location | None:
    """The location a form names, or None; whether it may be used for an item, the changes below check."""
    return db.session.get(Location, location_id) if location_id is not None else None


# Statements the item page of a store's item runs on every view, built once (cheaper than building them anew).
_DESTINATIONS = select(Location).where(
    Location.municipality_id == bindparam("municipality_id"), Location.archived_at.is_(None),
    Location.id != bindparam("location_id")).order_by(Location.kind.desc(), Location.name)
_OPEN_HOLDS = select(
    select(func.count()).select_from(Reservation).where(
        Reservation.item_id == bindparam("item_id"),
        Reservation.status.in_([status for status in ReservationStatus if status.holds_quantity]))
    .scalar_subquery()
    + select(func.count()).select_from(WaitlistEntry).where(
        WaitlistEntry.item_id == bindparam("item_id"), WaitlistEntry.status == WaitlistStatus.OFFERED)
    .scalar_subquery())


def destinations(item: Item) -> list[Location]:
    """The active locations of the item's municipality it can be moved to (not where it stands)."""
    return list(db.session.scalars(_DESTINATIONS, {"municipality_id": item.municipality_id,
                                                   "location_id": item.location_id or 0}))


# --- Changing -------------------------------------------------------------------------------------------

def _check_standing(actor: User, item: Item) -> None:
    if not can_run_store(actor, item.municipality):
        raise Forbidden
    if item.status not in STANDING:
        raise Conflict(_("The item is handed over or written off: it no longer stands anywhere."))


def _where(item: Item) -> str:
    return item.location.name if item.location else (item.unit.name if item.unit else "")


def _place(actor: User, item: Item, location: Location | None, action: str, now: datetime, **details) -> None:
    if location is not None and (location.municipality_id != item.municipality_id or location.archived_at):
        raise StoreError({"location": _("Choose one of your municipality's pickup locations or stores.")})
    if location is item.location:
        raise StoreError({"location": _("The item already stands there.")})
    before = _where(item)
    # The building, room and pickup text were written for the place it leaves; the new place's own address,
    # opening hours and access are shown instead (the audit keeps what was there).
    left_behind = " · ".join(text for text in (item.building, item.room, item.pickup_instructions) if text)
    if left_behind:
        details["where_within_before"] = left_behind[:500]
    item.location, item.location_since = location, now
    item.building = item.room = item.pickup_instructions = ""
    db.session.flush()
    audit.record(action, actor=actor, municipality_id=item.municipality_id, item_id=item.id,
                 location_from=before, location_to=_where(item), **details)


def take_into_store(actor: User, item: Item, store: Location | None, now: datetime | None = None) -> Item:
    """Intake: the item now stands in ``store``. A published listing with an end date stays listed at least
    STORE_LISTING_DAYS more (so an expiring listing does not expire; a new reminder comes before the new end)."""
    _check_standing(actor, item)
    if store is None or store.kind != LocationKind.STORE:
        raise StoreError({"location": _("Choose one of your municipality's stores.")})
    now = now or utcnow()
    details = {}
    if item.status == ItemStatus.PUBLISHED and item.advertise_until is not None:
        until = max(item.advertise_until, oslo_date(now) + timedelta(days=STORE_LISTING_DAYS))
        if until != item.advertise_until:
            item.advertise_until, item.expiry_reminded_at = until, None
            details["advertise_until"] = until.isoformat()
    _place(actor, item, store, "item_taken_into_store", now, **details)
    return item


def move_item(actor: User, item: Item, location: Location | None, now: datetime | None = None) -> Item:
    """Move the item to another location of its municipality, or (``location`` None) back to its unit."""
    _check_standing(actor, item)
    _place(actor, item, location, "item_moved", now or utcnow())
    return item


def open_holds(item: Item) -> int:
    """Reservations and waitlist offers that hold some of the item now."""
    return db.session.scalar(_OPEN_HOLDS, {"item_id": item.id})


def write_off(actor: User, item: Item, reason: str, note: str = "", now: datetime | None = None) -> Item:
    """Write off an item standing in a store: recycled or scrapped, with a note. The listing closes. Refused
    while a reservation or waitlist offer holds any of it (those are answered first: nothing held is
    released behind a reserver's back)."""
    _check_standing(actor, item)
    errors = {}
    if item.location is None or item.location.kind != LocationKind.STORE:
        errors["location"] = _("Only items standing in a store are written off here: take it into a store first.")
    if reason not in {value.value for value in DisposalReason}:
        errors["reason"] = _("Choose whether it was recycled or scrapped.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("At most %(count)d characters.", count=MAX_NOTE)
    if errors:
        raise StoreError(errors)
    if held := open_holds(item):
        raise Conflict(ngettext(
            "%(num)d reservation or waitlist offer is open: approve, decline or cancel it before writing off.",
            "%(num)d reservations or waitlist offers are open: approve, decline or cancel them before writing off.",
            held))
    item.status, item.closed_at = ItemStatus.DISPOSED, now or utcnow()
    item.disposal_reason, item.disposal_note = DisposalReason(reason), note
    db.session.flush()
    audit.record("item_written_off", actor=actor, municipality_id=item.municipality_id, item_id=item.id,
                 reason=reason, note=note, location_from=_where(item))
    return item
