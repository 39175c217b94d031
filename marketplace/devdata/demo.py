"""Loads the demo region: the fictional network "Dulten-regionen" with Dulten, Nordvik and Sørli kommune.

Loading is idempotent: whatever already exists is kept, whatever is missing is created through the same
services the app uses. The organisations, people and places are in ``demo_region``; every demo address ends
in `.example`, and every demo user has the same password.

The listings (``demo_listings.LISTINGS``) are created by the demo caretakers and admins through the listing
services, in every stage: drafts; published today (seen only in their own municipality), some days ago (the
network too) or weeks ago (the partners too); withdrawn; expired; ICT with and without recorded data erasure.
Their photos are drawn by ``devdata.photos`` and uploaded through the real photo pipeline. The listings are
loaded once: if the demo municipalities already have any items, the step is skipped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select, update

from marketplace.listings import erasure
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.db import db, utcnow
from marketplace.devdata import demo_inventory, demo_loans, demo_projects, demo_transport, photos
from marketplace.devdata.demo_listings import LISTINGS, DemoListing
from marketplace.devdata.demo_locations import load_locations, place_items
from marketplace.devdata.demo_region import MUNICIPALITIES, NETWORK, PARTNERS, PASSWORD, PLACES, USERS
from marketplace.i18n import OSLO, oslo_date
from marketplace.impact import services as impact
from marketplace.listings import services as listings
from marketplace.listings.models import Category, Condition, Item, ItemStatus
from marketplace.notifications.models import Notification
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Municipality, PartnerOrganisation, UnitKind
from marketplace.reservations import handover, picking
from marketplace.reservations import services as reservations
from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew
from marketplace.wanted import services as wanted
from marketplace.wanted.models import WantedNotice

# How long before now each stage's listings were published: (least, most) days; for "today" minutes.
_PUBLISHED_AGO = {"today": (20, 300), "network": (4, 12), "partners": (20, 45), "withdrawn": (8, 30),
                  "expired": (35, 60)}
_VIEW_NAMES = {0: "sett forfra", 2: "nærbilde"}


def _certificate(listing: DemoListing, moment: datetime) -> bytes:
    """A small, valid one-page PDF: the demo's stand-in for an erasure certificate."""
    lines = ["Sertifikat for datasletting (demo)", listing.title,
             f"Inventarnummer: {listing.asset_tag or 'se vedlagt liste'}",
             f"Slettet: {oslo_date(moment).isoformat()}", "Metode: NIST SP 800-88 Purge, verifisert",
             "Ombruksmarkedet - fiktive demodata"]

    def text(line: str) -> bytes:
        raw = line.encode("cp1252", "replace")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    content = b"BT /F1 14 Tf 72 770 Td 18 TL " + b" ".join(text(line) + b" '" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def _photo_views(count: int, several: bool) -> list[int]:
    return [0, 1, 2][:count] if count != 2 else [0, 1 if several else 2]


def _alt_text(title: str, view: int, several: bool) -> str:
    if view == 1:
        name = "flere sammen" if several else "sett fra en annen kant"
    else:
        name = _VIEW_NAMES[view]
    return f"Illustrasjon: {title}, {name}"


def _load_listings(progress: Callable[[str], object], now: datetime) -> None:
    """Create ``LISTINGS`` with their photos, stages and history, unless the demo municipalities already
    have items (then nothing is touched, so a second `marketplace demo` changes no listing)."""
    municipalities = {slug: organisations.find_municipality(slug) for slug, *_ in MUNICIPALITIES}
    ids = [m.id for m in municipalities.values() if m is not None]
    if db.session.scalar(select(Item.id).where(Item.municipality_id.in_(ids)).limit(1)) is not None:
        progress("[4/5] Listings: skipped, the demo municipalities already have listings")
        return
    categories = {category.slug: category for category in db.session.scalars(select(Category))}
    if any(listing.category not in categories for listing in LISTINGS):  # `marketplace init` not run yet
        impact.install_default_factors(progress=progress)
        categories = {category.slug: category for category in db.session.scalars(select(Category))}
    people = {email: accounts.find_user_by_email(email) for email in {listing.by for listing in LISTINGS}}
    today = oslo_date(now)

    # Oldest first, so ids follow time as they would in real use.
    plans = []
    for listing in LISTINGS:
        rng = random.Random(f"{listing.municipality}|{listing.title}")
        if listing.stage == "draft":
            created = now - timedelta(hours=rng.uniform(2, 72))
            published = None
        elif listing.stage == "today":
            published = now - timedelta(minutes=rng.uniform(*_PUBLISHED_AGO["today"]))
            created = published - timedelta(minutes=rng.uniform(3, 15))
        else:
            published = now - timedelta(days=rng.uniform(*_PUBLISHED_AGO[listing.stage]))
            created = published - timedelta(minutes=rng.uniform(3, 15))
        plans.append((created, published, rng, listing))
    plans.sort(key=lambda plan: plan[0])

    total = len(plans)
    progress(f"[4/5] Listings ({total}, with photos)")
    for done, (created, published, rng, listing) in enumerate(plans, start=1):
        actor = people[listing.by]
        municipality = municipalities[listing.municipality]
        category = categories[listing.category]
        unit = next(u for u in municipality.units if u.name == listing.unit)
        building, room, pickup = PLACES[listing.unit]
        until = available = None
        if listing.stage == "expired":
            until = today - timedelta(days=rng.randint(2, 14))
        elif listing.until is not None:
            until = today + timedelta(days=listing.until)
        if listing.available is not None:
            available = today + timedelta(days=listing.available)
        item = listings.create_item(actor, listings.ItemInput(
            title=listing.title, category=category, condition=listing.condition,
            quantity=Decimal(listing.quantity), description=listing.description, unit=unit,
            dimensions=listing.dimensions, brand=listing.brand, model=listing.model, colour=listing.colour,
            building=listing.building or building, room=listing.room or room,
            pickup_instructions=listing.pickup or pickup, available_from=available, advertise_until=until,
            would_be_discarded=listing.discarded, asset_tag=listing.asset_tag, serial_number=listing.serial,
        ), publish=False)

        # 1–3 drawn photos: from the front, several together (or from another side), close up.
        several = category.unit.whole_numbers and Decimal(listing.quantity) > 1
        for view in _photo_views(listing.photos, several):
            data = photos.render(category.slug, group=category.group.value, colour=listing.colour,
                                 seed=f"{listing.municipality}|{listing.title}", view=view, several=several)
            listings.upload_photo(actor, data, item=item, alt_text=_alt_text(listing.title, view, several))
        if listing.erased:
            erasure.record_erasure(actor, item, _certificate(listing, created), now=created)
        changed = created
        if published is not None:
            listings.publish_item(actor, item, now=published)
            changed = published
        if listing.stage == "withdrawn":
            changed = min(published + timedelta(days=rng.uniform(2, 6)), now - timedelta(hours=1))
            listings.withdraw_item(actor, item, now=changed)
        # The services stamp creation with the wall clock; the demo backdates it to its story.
        item.created_at, item.updated_at = created, changed
        for photo in item.photos:
            photo.created_at = created
        if done % 10 == 0 or done == total:
            progress(f"[4/5] Listings: {done}/{total}")
    db.session.flush()
    expired = listings.expire_items(now)
    if expired:
        progress(f"[4/5] Listings: {len(expired)} past their advertise-until date marked expired")


# A year of hand-overs for the climate report: (category, title, giver, quantities, would be discarded).
HISTORY = [
    ("office_chair", "Kontorstoler, svarte", "dulten", (6, 12, 20), True),
    ("stackable_chair", "Stablestoler fra kantina", "nordvik", (20, 30, 40), True),
    ("pupil_chair", "Elevstoler, bøk", "sorli", (15, 24, 28), False),
    ("pupil_desk", "Elevpulter, enkle", "dulten", (10, 15, 24), True),
    ("desk", "Skrivebord, hvite", "nordvik", (2, 4, 6), True),
    ("sit_stand_desk", "Hev/senk-pulter", "dulten", (2, 3, 5), False),
    ("bookshelf", "Bokhyller fra biblioteket", "dulten", (3, 6, 8), True),
    ("cabinet", "Arkivskap i stål", "sorli", (2, 3, 4), True),
    ("sofa", "Sofa fra personalrommet", "nordvik", (1, 1, 2), True),
    ("table", "Møtebord", "sorli", (1, 2, 3), False),
    ("whiteboard", "Tavler", "nordvik", (2, 3, 4), True),
    ("laptop", "Bærbare PC-er, Lenovo", "dulten", (5, 10, 15), False),
    ("monitor_24", "Skjermer 24 tommer", "sorli", (4, 8, 12), False),
    ("projector", "Prosjektorer", "nordvik", (1, 2, 3), False),
    ("other_furniture", "Diverse møbler fra flytting (kg)", "dulten", (120, 250, 400), True),
    ("grit_sand", "Strøsand (tonn)", "sorli", (2, 3, 5), False),
]
RECEIVERS = ["skole@nordvik.example", "skole@sorli.example", "skole@dulten.example", "bibliotek@dulten.example",
             "frivillig@dulten-frivilligsentral.example"]
HISTORY_START = date(2026, 1, 5)  # the default factor set applies from 1 January 2026


def _load_reservations(progress: Callable[[str], object], now: datetime) -> None:
    """A year of reuse history, and reservations in every state on today's listings. Skipped when the demo
    municipalities already have reservations."""
    municipalities = [organisations.find_municipality(slug) for slug, *_ in MUNICIPALITIES]
    ids = [m.id for m in municipalities if m is not None]
    if db.session.scalar(select(Reservation.id).where(Reservation.municipality_id.in_(ids)).limit(1)) is not None:
        progress("[5/5] Reservations: skipped, the demo region already has reservations")
        return
    caretakers = {slug: accounts.find_user_by_email(f"vaktmester@{slug}.example") for slug, *_ in MUNICIPALITIES}
    receivers = [accounts.find_user_by_email(email) for email in RECEIVERS]
    categories = {category.slug: category for category in db.session.scalars(select(Category))}
    rng = random.Random("dulten-regionen history")
    answers = [WouldBuyNew.YES] * 6 + [WouldBuyNew.UNKNOWN] * 3 + [WouldBuyNew.NO]
    start = datetime.combine(HISTORY_START, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=8)
    span = max(1, (now - start).days - 30)
    events = 0
    progress(f"[5/5] Reuse history since {HISTORY_START.isoformat()}")
    for round_number in range(3):
        for slug, title, giver_slug, quantities, discarded in HISTORY:
            giver = caretakers[giver_slug]
            published = start + timedelta(days=rng.uniform(0, span), hours=rng.uniform(0, 8))
            quantity = Decimal(quantities[round_number])
            item = listings.create_item(giver, listings.ItemInput(
                title=title, category=categories[slug], condition=rng.choice(list(Condition)[:3]),
                quantity=quantity, would_be_discarded=discarded,
                unit=next(u for u in giver.municipality.units if u.kind == UnitKind.DEPOT),
            ), publish=False)
            if item.category.holds_data:
                erasure.record_erasure(giver, item, _certificate_for(title, published), now=published)
            listings.publish_item(giver, item, now=published)
            receiver = rng.choice([r for r in receivers if r.municipality != giver.municipality])
            # Partners see a listing only after the network's turn and their own further delay.
            asked = published + timedelta(days=18 if receiver.municipality is None else 4, hours=2)
            reservation = reservations.reserve(receiver, item.id, quantity, would_buy_new=rng.choice(answers),
                                               now=asked)
            reservations.approve(giver, reservation, now=asked + timedelta(hours=20))
            handover.collect(giver, reservation, now=asked + timedelta(days=rng.randint(2, 6)))
            item.created_at = item.updated_at = published
            events += 1
    progress(f"[5/5] Reuse history: {events} hand-overs")
    # The history's notifications are old news: the demo users start with an inbox of today's only.
    db.session.execute(update(Notification).where(Notification.read_at.is_(None)).values(read_at=now))
    _load_open_reservations(now, caretakers)
    db.session.flush()


def _certificate_for(title: str, when: datetime) -> bytes:
    text = f"Slettesertifikat {title} {when.date().isoformat()}".encode("ascii", "replace")
    return b"%PDF-1.4\n% " + text + b"\n%%EOF\n"


def _load_open_reservations(now: datetime, caretakers: dict) -> None:
    """Reservations in every state on the listings everyone can see today; of the two approved, the first is
    picked and set aside for its collector (the store's "ready for pickup"), the second not yet."""
    school = {slug: accounts.find_user_by_email(f"skole@{slug}.example") for slug, *_ in MUNICIPALITIES}
    shared = list(db.session.scalars(select(Item).where(
        Item.status == ItemStatus.PUBLISHED, Item.network_visible_at <= now - timedelta(days=1),
        Item.quantity_available >= 4).order_by(Item.published_at)))
    plans = ["requested", "approved", "rejected", "cancelled", "expired", "requested", "approved"]
    picked = False
    for state, item in zip(plans, shared, strict=False):
        giver_slug = item.municipality.slug
        asker = school["nordvik" if giver_slug != "nordvik" else "sorli"]
        if item.category.holds_data and item.erasure_recorded_at is None:
            continue
        when = now - timedelta(days=6 if state == "expired" else 1)
        if when < item.network_visible_at:
            continue
        reservation = reservations.reserve(asker, item.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                                           note="Til klasserommet etter sommeren.", now=when)
        giver = caretakers[giver_slug]
        if state == "approved":
            reservations.approve(giver, reservation, pickup_at=_working_hours(oslo_date(now) + timedelta(days=3)),
                                 now=now)
            reservations.add_message(asker, reservation, "Vi kommer med varebil, to personer.")
            if not picked:
                picking.mark_picked(giver, reservation, now=now)
                picked = True
        elif state == "rejected":
            reservations.reject(giver, reservation, "Dessverre lovet bort til en annen enhet i kommunen.", now=now)
        elif state == "cancelled":
            reservations.cancel(asker, reservation, "Vi fant det vi trengte i egen kommune.", now=now)
    reservations.expire_reservations(now)


def _working_hours(day: date) -> datetime:
    """Ten in the morning in Oslo on ``day``: when a caretaker would meet a van, whenever the demo is loaded."""
    return datetime(day.year, day.month, day.day, 10, tzinfo=OSLO).astimezone(timezone.utc)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    where: str


def load(progress: Callable[[str], object] = lambda _message: None, *, with_listings: bool = True) -> list[DemoLogin]:
    """Create whatever of the demo region is missing; return the demo logins. Without listings, only the
    organisations and people (quick: what browser tests start from)."""
    progress("[1/5] Network, municipalities and units")
    network = organisations.find_network(NETWORK[0]) or organisations.create_network(*NETWORK)
    for slug, name, org_number, units in MUNICIPALITIES:
        municipality = organisations.find_municipality(slug) or organisations.create_organisation(
            Municipality, slug, name, networks=[network], org_number=org_number
        )
        existing = {unit.name for unit in municipality.units}
        for unit_name, kind, address in units:
            if unit_name not in existing:
                organisations.create_unit(municipality, unit_name, kind, address)

    progress("[2/5] Partner organisations")
    for slug, name in PARTNERS:
        if organisations.find_organisation(slug) is None:
            organisations.create_organisation(PartnerOrganisation, slug, name, networks=[network])

    progress(f"[3/5] Users ({len(USERS)})")
    logins = []
    for email, name, role, organisation_slug, unit_name in USERS:
        organisation = organisations.find_organisation(organisation_slug) if organisation_slug else None
        unit = next((u for u in getattr(organisation, "units", []) if u.name == unit_name), None)
        if accounts.find_user_by_email(email) is None:
            accounts.create_user(
                email=email, name=name, password=PASSWORD, role=role,
                organisation=organisation, unit=unit, network=network if role == Role.NETWORK_ADMIN else None,
            )
        where = unit.name if unit else organisation.name if organisation else (
            network.name if role == Role.NETWORK_ADMIN else "all networks")
        logins.append(DemoLogin(email=email, role=role.value, where=where))
    db.session.flush()
    load_locations(progress)

    if with_listings:
        now = utcnow()
        _load_listings(progress, now=now)
        _load_reservations(progress, now=now)
        _load_wanted(now)
        place_items(progress, now)
        demo_loans.load(now)
        demo_transport.load(now)
        demo_inventory.load(now)
        demo_projects.load(now)
    return logins


def _load_wanted(now: datetime) -> None:
    """A few wanted notices and needs (the reuse-first check), once: one met by reuse, one bought new against
    a returned laptop (the caretaker registers the laptop from the need's page), one still open."""
    if db.session.scalar(select(WantedNotice.id).limit(1)) is not None:
        return
    person = accounts.find_user_by_email
    categories = {category.slug: category for category in db.session.scalars(select(Category))}
    today = oslo_date(now)
    wanted.post_notice(person("skole@nordvik.example"), wanted.NoticeInput(
        title="24 elevstoler til 5. trinn", category=categories["pupil_chair"], quantity=Decimal(24),
        needed_by=today + timedelta(days=60), description="Helst like stoler, gjerne stablebare."),
        now=now - timedelta(days=5))
    wanted.post_notice(person("bibliotek@dulten.example"), wanted.NoticeInput(
        title="Bokhyller til lesesalen", category=categories["bookshelf"], quantity=Decimal(6),
        needed_by=today + timedelta(days=30)), now=now - timedelta(days=2))
    wanted.register_need(person("skole@dulten.example"), wanted.NeedInput(
        title="Pulter til nytt klasserom", category=categories["pupil_desk"], quantity=Decimal(12),
        needed_by=today + timedelta(days=45)), now=now - timedelta(days=1))
    laptop = wanted.register_need(person("skole@sorli.example"), wanted.NeedInput(
        title="Ny bærbar PC til lærer", category=categories["laptop"], quantity=Decimal(1),
        returned_asset_tag="SOR-0412"), now=now - timedelta(days=20))
    wanted.record_outcome(person("skole@sorli.example"), laptop, reservation_ids=[],
                          reason="nothing_suitable", now=now - timedelta(days=6))
    school = person("skole@nordvik.example")
    reservation = db.session.scalar(select(Reservation).where(
        Reservation.requester_id == school.id, Reservation.status == ReservationStatus.COLLECTED)
        .order_by(Reservation.created_at.desc()).limit(1))
    if reservation is not None:
        met = wanted.register_need(school, wanted.NeedInput(
            title=reservation.item.title, category=reservation.item.category, quantity=reservation.quantity),
            now=now - timedelta(days=3))
        wanted.record_outcome(school, met, reservation_ids=[reservation.id], now=now - timedelta(days=1))
    db.session.flush()

