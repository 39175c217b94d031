"""Demo building project: Dulten's new library furnished from what exists (issue 21's case). Its needs are met
partly from the old school's inventory (moved into the new rooms), partly from Nordvik's surplus (reserved, one
lot already handed over and standing in its room), and a few bought new with reasons. Made through the real
services, as the municipality's people would; loaded once, after the inventory.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.db import db
from marketplace.devdata.demo_inventory import BUILDING
from marketplace.i18n import oslo_date
from marketplace.listings.models import Category, Item, ItemStatus
from marketplace.projects import services as projects
from marketplace.projects.models import Project
from marketplace.reservations import handover
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew

NAME = "Nytt bibliotek, Dulten"
# (room, category, quantity, from the old school: [(room there, title there, how many)], from Nordvik, reason new)
NEEDS = [
    ("Lesesal", "bookshelf", 18, [("Bibliotek", "Bokhylle, 5 hyller", 14)], 0, "quantity"),
    ("Lesesal", "table", 8, [("Bibliotek", "Lesebord", 4)], 4, None),
    ("Lesesal", "stackable_chair", 32, [("Bibliotek", "Stablestol, grå", 16), ("Personalrom", "Stablestol, grå", 10)],
     6, None),
    ("Barneavdelingen", "pupil_chair", 20, [("101", "Elevstol, blå skall", 12)], 0, None),
    ("Arbeidsrom", "office_chair", 6, [("Datarom", "Kontorstol, enkel", 4)], 0, "condition"),
    ("Arbeidsrom", "laptop", 4, [], 0, "nothing_suitable"),
]
# Nordvik's listings (demo_listings.LISTINGS) the project reserves from; the tables are handed over already.
NORDVIK_LISTINGS = {"table": "Lesebord fra Nordvik bibliotek (12 stk.)",
                    "stackable_chair": "Stablestoler fra Nordvik kulturhus (12 stk.)"}
HANDED_OVER = ("table",)
# The reuse events the project appends: each lot moved from the old school, and each lot handed over.
EVENTS = sum(len(from_school) for _room, _slug, _quantity, from_school, *_rest in NEEDS) + len(HANDED_OVER)


def load(now: datetime) -> None:
    person = accounts.find_user_by_email
    admin, caretaker = person("admin@dulten.example"), person("vaktmester@dulten.example")
    nordvik = person("vaktmester@nordvik.example")
    if admin is None or nordvik is None or db.session.scalar(select(Project.id).limit(1)) is not None:
        return
    categories = {category.slug: category for category in db.session.scalars(select(Category))}
    offered = {slug: db.session.scalar(select(Item).where(Item.title == title))
               for slug, title in NORDVIK_LISTINGS.items()}
    project = projects.start_project(admin, projects.ProjectInput(
        name=NAME, due=oslo_date(now) + timedelta(days=90), building="Dulten bibliotek",
        description="Det gamle skolebygget tømmes. Biblioteket innredes fra det vi har, så fra nettverket."),
        now=now - timedelta(days=10))
    for room, slug, quantity, from_school, from_nordvik, reason in NEEDS:
        project_need = projects.add_need(caretaker, project, projects.NeedInput(
            category=categories[slug], quantity=Decimal(quantity), room=room), now=now - timedelta(days=9))
        for old_room, title, count in from_school:
            item = db.session.scalar(select(Item).where(
                Item.building == BUILDING, Item.room == old_room, Item.title == title,
                Item.status.in_([ItemStatus.IN_USE, ItemStatus.FOR_REPAIR])))
            projects.place(caretaker, project_need, item.id, Decimal(count), would_buy_new=WouldBuyNew.YES,
                           now=now - timedelta(days=8))
        if from_nordvik:
            reservation = projects.reserve(caretaker, project_need, offered[slug].id, Decimal(from_nordvik),
                                           would_buy_new=WouldBuyNew.YES, now=now - timedelta(days=7))
            if slug in HANDED_OVER:  # the tables stand in the reading room already
                reservations.approve(nordvik, reservation, now=now - timedelta(days=6))
                handover.collect(nordvik, reservation, now=now - timedelta(days=3))
        if reason:
            projects.decide(caretaker, project_need, reason=reason, now=now - timedelta(days=2))
    db.session.flush()
