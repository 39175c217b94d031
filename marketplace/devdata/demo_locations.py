"""The demo region's pickup locations and reuse stores, and items standing there: in every municipality a
pickup location and a store, made by its administrator; some published listings taken into the store by its
store keeper, one set out at the pickup location by the caretaker, and one withdrawn listing taken in and
written off (recycled). Made through the real services, once (idempotent)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.db import db
from marketplace.listings.models import Category, Item, ItemStatus
from marketplace.locations import services as locations
from marketplace.locations.models import LocationKind
from marketplace.organisations import services as organisations
from marketplace.store import services as store

# slug → (administrator, store keeper, caretaker, [(name, kind, address, opening hours, contact, access notes)])
LOCATIONS = {
    "dulten": ("admin@dulten.example", "lager@dulten.example", "vaktmester@dulten.example", [
        ("Ombrukslageret Dulten", LocationKind.STORE, "Industriveien 9, 9991 Dulten",
         "Tirsdag og torsdag 12–15", "Sindre Aas, 900 10 001",
         "Port 3 på baksiden av driftsdepotet. Lasterampe og jekketralle; alt på bakkeplan."),
        ("Hentestedet ved rådhuset", LocationKind.PICKUP, "Storgata 1, 9990 Dulten",
         "Hverdager 08–15", "Servicetorget, 900 10 000",
         "Varemottaket i bakgården. Nøkkel hos servicetorget; heis til kjelleren."),
    ]),
    "nordvik": ("admin@nordvik.example", "lager@nordvik.example", "vaktmester@nordvik.example", [
        ("Nordvik ombrukslager", LocationKind.STORE, "Moloveien 4, 9981 Nordvik",
         "Mandag og onsdag 09–14", "Eirik Lund, 900 20 001",
         "Kaldlager ved driftsdepotet. Ingen rampe: ta med to personer til tunge ting."),
        ("Hentestedet på Nordvik skole", LocationKind.PICKUP, "Fjellveien 12, 9980 Nordvik",
         "Hverdager etter kl. 15", "Vaktmester, 900 20 002",
         "Sykkelboden ved gymsalen. Kode til døra står i reservasjonen."),
    ]),
    "sorli": ("admin@sorli.example", "lager@sorli.example", "vaktmester@sorli.example", [
        ("Sørli gjenbrukslager", LocationKind.STORE, "Sagbruksveien 5, 9971 Sørli",
         "Fredag 10–14", "Mona Berge, 900 30 001",
         "Hall B, 2. etasje. Vareheis til 1000 kg; lasterampe ved hallen."),
        ("Hentestedet ved kulturhuset", LocationKind.PICKUP, "Kirkeveien 6, 9970 Sørli",
         "Hverdager 09–15 når det ikke er forestillinger", "Kulturhusets resepsjon, 900 30 002",
         "Lasterampen bak scenen, høyde 3,2 m."),
    ]),
}
IN_STORE = 2  # published listings per municipality that stand in its store


def load_locations(progress: Callable[[str], object] = lambda _message: None) -> None:
    """Each municipality's locations that are missing (by name)."""
    progress("      Pickup locations and stores")
    person = accounts.find_user_by_email
    for slug, (admin, _keeper, _caretaker, places) in LOCATIONS.items():
        municipality = organisations.find_municipality(slug)
        existing = {location.name for location in locations.locations_of(municipality)}
        for name, kind, address, hours, contact, access in places:
            if name not in existing:
                locations.create_location(person(admin), municipality, locations.LocationInput(
                    name=name, kind=kind, address=address, opening_hours=hours, contact=contact,
                    access_notes=access))
    db.session.flush()


def place_items(progress: Callable[[str], object], now: datetime) -> None:
    """Items at the locations, once: skipped when any item already stands at one."""
    if db.session.scalar(select(Item.id).where(Item.location_id.is_not(None)).limit(1)) is not None:
        return
    progress("      Items in the stores and at the pickup locations")
    person = accounts.find_user_by_email
    data_bearing = select(Category.id).where(Category.holds_data.is_(True))
    for slug, (_admin, keeper, caretaker, _places) in LOCATIONS.items():
        municipality = organisations.find_municipality(slug)
        shop, pickup = (next(location for location in locations.locations_of(municipality)
                             if location.kind == kind) for kind in (LocationKind.STORE, LocationKind.PICKUP))

        def items(status: ItemStatus, limit: int) -> list[Item]:
            return list(db.session.scalars(select(Item).where(
                Item.municipality_id == municipality.id, Item.status == status,
                Item.category_id.not_in(data_bearing)).order_by(Item.id).limit(limit)))

        published = [item for item in items(ItemStatus.PUBLISHED, 20) if not store.open_holds(item)]
        for days, item in enumerate(published[:IN_STORE]):
            store.take_into_store(person(keeper), item, shop, now=now - timedelta(days=3 + 4 * days))
        if len(published) > IN_STORE:
            store.move_item(person(caretaker), published[IN_STORE], pickup, now=now - timedelta(days=1))
        if slug == "dulten":  # a written-off item: taken into the store, then recycled
            for item in items(ItemStatus.WITHDRAWN, 1):
                store.take_into_store(person(keeper), item, shop, now=now - timedelta(days=20))
                store.write_off(person(keeper), item, "recycled", "Stoffet var ødelagt; levert som tekstil og "
                                "metall på Dulten gjenvinningsstasjon.", now=now - timedelta(days=12))
    db.session.flush()
