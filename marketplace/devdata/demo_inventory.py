"""Demo inventory: Dulten's old school surveyed room by room before it is emptied (issue 21's case: the new
school and library are to be furnished from what exists). Registered through the real service as the
caretaker would on a phone; loaded once (skipped when the municipality has an inventory).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.db import db
from marketplace.i18n import oslo_date
from marketplace.inventory import fleet
from marketplace.inventory import services as inventory
from marketplace.listings.models import INVENTORY_STATUSES, Category, Condition, Item, ItemStatus, UserGroup
from marketplace.listings.services import ItemInput

BUILDING = "Gamle Dulten skole"
# What a classroom holds: (category, title, quantity, condition)
CLASSROOM = [
    ("pupil_desk", "Elevpult, enkel, bøk", 26, Condition.WORN),
    ("pupil_chair", "Elevstol, blå skall", 26, Condition.GOOD),
    ("teacher_desk", "Kateter", 1, Condition.WORN),
    ("whiteboard", "Tavle, hvit, 240 cm", 1, Condition.GOOD),
    ("bookshelf", "Bokhylle, 5 hyller", 2, Condition.GOOD),
]
OTHER_ROOMS = [
    ("1", "Personalrom", [("table", "Møtebord, 6 plasser", 3, Condition.GOOD),
                          ("stackable_chair", "Stablestol, grå", 20, Condition.GOOD),
                          ("sofa", "Sofa, 3-seter", 2, Condition.WORN)]),
    ("1", "Kontor rektor", [("desk", "Skrivebord med skuff", 1, Condition.GOOD),
                            ("office_chair", "Kontorstol, HÅG", 2, Condition.GOOD),
                            ("cabinet", "Arkivskap, 4 skuffer", 2, Condition.WORN),
                            ("laptop", "Bærbar PC, 14 tommer", 2, Condition.GOOD)]),
    ("2", "Bibliotek", [("bookshelf", "Bokhylle, 5 hyller", 14, Condition.GOOD),
                        ("table", "Lesebord", 4, Condition.WORN),
                        ("stackable_chair", "Stablestol, grå", 16, Condition.GOOD)]),
    ("2", "Datarom", [("desktop_pc", "Stasjonær PC", 24, Condition.WORN),
                      ("monitor_24", "Skjerm 24 tommer", 24, Condition.GOOD),
                      ("office_chair", "Kontorstol, enkel", 24, Condition.WORN)]),
]
# The ICT among them, for the fleet view: title → (purchased how many years before now, used by whom)
ICT = {"Bærbar PC, 14 tommer": (3, UserGroup.STAFF), "Stasjonær PC": (7, UserGroup.PUPILS),
       "Skjerm 24 tommer": (5, UserGroup.PUPILS)}
# A few rows that are not simply in use: (room, title) → status
NOT_IN_USE = {("103", "Elevstol, blå skall"): ItemStatus.FOR_REPAIR,
              ("Datarom", "Stasjonær PC"): ItemStatus.FOR_RECYCLING,
              ("Personalrom", "Sofa, 3-seter"): ItemStatus.FOR_RECYCLING}


def rooms() -> list[tuple[str, str, list]]:
    """(floor, room, contents): eight classrooms over two floors, then the other rooms."""
    classrooms = [(str(floor), f"{floor}0{number}", CLASSROOM) for floor in (1, 2) for number in range(1, 5)]
    return classrooms + OTHER_ROOMS


def load(now: datetime) -> None:
    caretaker = accounts.find_user_by_email("vaktmester@dulten.example")
    if caretaker is None or db.session.scalar(select(Item.id).where(
            Item.municipality_id == caretaker.municipality.id, Item.status.in_(INVENTORY_STATUSES)).limit(1)):
        return
    categories = {category.slug: category for category in db.session.scalars(select(Category))}
    for floor, room, contents in rooms():
        for slug, title, quantity, condition in contents:
            item = inventory.register(caretaker, ItemInput(
                title=title, category=categories[slug], condition=condition, quantity=Decimal(quantity),
                building=BUILDING, floor=floor, room=room), now=now)
            if title in ICT:
                years, group = ICT[title]
                fleet.set_details(caretaker, item, purchased_on=oslo_date(now).replace(day=1).replace(
                    year=oslo_date(now).year - years), user_group=group, now=now)
            if title == "Bærbar PC, 14 tommer":
                fleet.record_repair(caretaker, item.id, repaired_on=oslo_date(now) - timedelta(days=120),
                                    description="Nytt batteri", cost_nok=Decimal("890"), now=now)
            status = NOT_IN_USE.get((room, title))
            if status is not None:
                inventory.change_status(caretaker, item.id, status, reason="Registrert ved kartleggingen", now=now)
