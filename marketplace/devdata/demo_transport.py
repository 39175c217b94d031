"""The demo's transport requests, in every state across the three municipalities, once: two planned for
today (so the run sheet has stops; the first ordered by Nordvik's caretaker for Nordvik skole), one just
requested, one on the van, one delivered (its hand-over written to the ledger with the distance and the
vehicle) and one cancelled. Made through the same services as the pages, by the demo's people."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.db import db
from marketplace.i18n import oslo_date
from marketplace.listings import services as listings
from marketplace.listings.models import Category, Condition, Item, ItemStatus
from marketplace.organisations.models import UnitKind
from marketplace.reservations import services as reservations
from marketplace.reservations.models import Reservation, WouldBuyNew
from marketplace.transport import services as transport
from marketplace.transport.models import TransportRequest

# (giver, receiver's e-mail, who orders, destination unit, what becomes of it)
PLANS = [
    ("dulten", "skole@nordvik.example", "vaktmester@nordvik.example", "Nordvik skole", "scheduled"),
    ("dulten", "skole@sorli.example", "skole@sorli.example", "Sørli skole", "scheduled"),
    ("nordvik", "skole@dulten.example", "skole@dulten.example", "Dulten skole", "requested"),
    ("sorli", "bibliotek@dulten.example", "bibliotek@dulten.example", "Dulten bibliotek", "picked_up"),
    ("nordvik", "skole@sorli.example", "skole@sorli.example", "Sørli skole", "delivered"),
    ("sorli", "skole@nordvik.example", "skole@nordvik.example", "Nordvik skole", "cancelled"),
]


def load(now: datetime) -> None:
    """Create the demo's transport requests unless there are any."""
    if db.session.scalar(select(TransportRequest.id).limit(1)) is not None:
        return
    person = accounts.find_user_by_email
    today = oslo_date(now)
    taken: set[int] = set()
    for stop, (giver, receiver_email, orderer_email, unit_name, state) in enumerate(PLANS, start=1):
        receiver, orderer = person(receiver_email), person(orderer_email)
        coordinator = person(f"transport@{giver}.example")
        caretaker = person(f"vaktmester@{giver}.example")
        item = _delivered_item(caretaker, now) if state == "delivered" else _shared_item(giver, now, taken)
        if item is None:
            continue
        taken.add(item.id)
        reservation = reservations.reserve(receiver, item.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                                           note="Vi har ikke bil; kan dere kjøre det?", now=now - timedelta(hours=3))
        if state != "requested":
            reservations.approve(caretaker, reservation, now=now - timedelta(hours=2))
        unit = next(unit for unit in receiver.organisation.units if unit.name == unit_name)
        request = transport.request_transport(
            orderer, reservation, window_from=today, window_to=today + timedelta(days=7), to_unit_id=unit.id,
            volume_m3=Decimal("1.5"), weight_kg=Decimal(40), floors=1 if stop % 2 else 0, lift=stop % 2 == 0,
            contact_name=receiver.name, contact_phone="+47 900 00 0%02d" % stop,
            notes="Ring når dere er fem minutter unna.", now=now - timedelta(hours=1))
        if state in ("scheduled", "picked_up", "delivered"):
            # The first stop's driver is the coordinator (a user); the others a hired driver, by name.
            transport.schedule(coordinator, request, scheduled_date=today, stop_order=stop,
                               driver_id=coordinator.id if stop == 1 else None,
                               driver_name="" if stop == 1 else "Ola Kjøreplass")
        if state == "picked_up":
            transport.pick_up(coordinator, request, now=now)
        elif state == "delivered":
            transport.deliver(coordinator, request, transport_km=Decimal("14.2"), transport_mode="electric_van",
                              now=now)
        elif state == "cancelled":
            transport.cancel(orderer, request, "Vi henter selv likevel.", now=now)
    db.session.flush()


def _shared_item(giver: str, now: datetime, taken: set[int]) -> Item | None:
    """A published listing of ``giver`` the whole network has seen for a day, with at least four left and no
    reservation yet (so the demo's other reservations keep theirs)."""
    reserved = select(Reservation.item_id)
    return db.session.scalar(select(Item).where(
        Item.status == ItemStatus.PUBLISHED, Item.network_visible_at <= now - timedelta(days=1),
        Item.quantity_available >= 4, Item.id.not_in(reserved), Item.id.not_in(taken or {0}),
        Item.category.has(holds_data=False), Item.municipality.has(slug=giver),
    ).order_by(Item.published_at).limit(1))


def _delivered_item(caretaker, now: datetime) -> Item:
    """The delivered transport's item: listed for it a fortnight ago, as the reuse history's items are, so the
    demo's current listings stay those of ``demo_listings``."""
    category = db.session.scalar(select(Category).where(Category.slug == "bookshelf"))
    unit = next(u for u in caretaker.municipality.units if u.kind == UnitKind.DEPOT)
    published = now - timedelta(days=14)
    item = listings.create_item(caretaker, listings.ItemInput(
        title="Bokhyller, bjørk", category=category, condition=Condition.GOOD, quantity=Decimal(2), unit=unit,
        description="To bokhyller fra biblioteket, 180 cm høye."), publish=False)
    listings.publish_item(caretaker, item, now=published)
    item.created_at = item.updated_at = published
    return item
