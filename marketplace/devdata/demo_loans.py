"""Demo loans: a class set of iPads, chairs for an exam and projectors lent between the demo municipalities, in
every state: on loan, overdue, renewal asked, returned, partly returned with a lost unit, returned with a lost
unit. Made through the real services with their clocks set back; loaded once (skipped when a demo item is lent).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.db import db
from marketplace.listings import erasure, services as listings
from marketplace.listings.models import Category, Condition, Item, ItemOffer
from marketplace.organisations.models import UnitKind
from marketplace.reservations import handover, loans, services as reservations
from marketplace.reservations.models import WouldBuyNew

# (category, title, lender, quantity, loan days, description)
LENT = [
    ("tablet", "Klassesett iPad (25 stk.)", "dulten", 25, 14,
     "iPad 9. generasjon med deksel og lader, i ladeskap på hjul. Lånes ut til prøver og prosjektuker."),
    ("stackable_chair", "Stoler til eksamen", "nordvik", 60, 7,
     "Grå stablestoler til eksamen og arrangementer. Hentes og leveres på depotet."),
    ("projector", "Prosjektor til lån", "sorli", 3, 5, "Bærbar prosjektor med HDMI-kabel og veske."),
]


def load(now: datetime) -> None:
    if db.session.scalar(select(Item.id).where(Item.offer == ItemOffer.LEND).limit(1)) is not None:
        return
    person = accounts.find_user_by_email
    caretaker = {slug: person(f"vaktmester@{slug}.example") for slug in ("dulten", "nordvik", "sorli")}
    school = {slug: person(f"skole@{slug}.example") for slug in ("dulten", "nordvik", "sorli")}
    categories = {category.slug: category for category in db.session.scalars(select(Category))}
    items = {}
    for slug, title, lender, quantity, days, description in LENT:
        giver = caretaker[lender]
        published = now - timedelta(days=70)
        item = listings.create_item(giver, listings.ItemInput(
            title=title, category=categories[slug], condition=Condition.GOOD, quantity=Decimal(quantity),
            description=description, offer=ItemOffer.LEND, loan_days=days,
            unit=next(u for u in giver.municipality.units if u.kind == UnitKind.DEPOT)), publish=False)
        _erase(giver, item, published)
        listings.publish_item(giver, item, now=published)
        item.created_at = item.updated_at = published
        items[slug] = item

    def lend(slug, borrower, quantity, days_ago):
        item, giver = items[slug], caretaker[next(lender for s, _t, lender, *_ in LENT if s == slug)]
        lent_at = now - timedelta(days=days_ago)
        reservation = reservations.reserve(school[borrower], item.id, Decimal(quantity),
                                           would_buy_new=WouldBuyNew.UNKNOWN, now=lent_at - timedelta(days=2),
                                           note="Til prøveuka.")
        reservations.approve(giver, reservation, now=lent_at - timedelta(days=1))
        handover.collect(giver, reservation, now=lent_at)
        return reservation, giver

    # The iPads: returned a month ago (erasure recorded again), and now overdue in Sørli.
    returned, giver = lend("tablet", "nordvik", 25, 50)
    loans.record_return(giver, returned, note="Alle 25 levert i ladeskapet.", now=now - timedelta(days=37))
    _erase(giver, items["tablet"], now - timedelta(days=36))
    lend("tablet", "sorli", 10, 20)
    # The chairs: on loan with a renewal asked; partly back with one broken, the rest overdue; and returned
    # with one lost.
    asked, _giver = lend("stackable_chair", "dulten", 30, 5)
    loans.ask_renewal(school["dulten"], asked, 7, now=now - timedelta(hours=3))
    partly, giver = lend("stackable_chair", "sorli", 20, 12)
    loans.record_return(giver, partly, quantity=Decimal(17), lost=Decimal(1), condition=Condition.WORN,
                        note="Én stol knekt bein. To kommer neste uke.", now=now - timedelta(days=4))
    lost, giver = lend("stackable_chair", "dulten", 8, 30)
    loans.record_return(giver, lost, quantity=Decimal(7), lost=Decimal(1), note="Én stol ble borte.",
                        now=now - timedelta(days=22))
    # A projector on loan, not yet due.
    lend("projector", "dulten", 1, 1)
    db.session.flush()


def _erase(giver, item: Item, when: datetime) -> None:
    if item.category.holds_data:
        text = f"Slettesertifikat {item.title} {when.date().isoformat()}".encode("ascii", "replace")
        erasure.record_erasure(giver, item, b"%PDF-1.4\n% " + text + b"\n%%EOF\n", now=when)

