"""A large, realistic region for benchmarks: `marketplace bench-data --items 100000 --municipalities 50`.

Meant for an empty benchmark database (it refuses a database that already has items, unless forced). The
organisations and people are few and made as ORM objects; the items and their search index rows are many and
written with bulk ``INSERT`` statements (executemany in batches), which is what makes 100,000 items a matter
of seconds rather than an hour. The rows are what the services would write: published items carry the
visibility stages of their municipality's policy (as ``publish_item`` sets them), data-bearing ICT is only
sometimes erased, and the search index holds the same text (``search.text.document``) the service indexes.

The region: networks of about ``network_size`` municipalities, each municipality with 3–8 units, a caretaker
and a staff member (all with one password, hashed once), one partner organisation per network; items in every
category with Norwegian titles, descriptions, brands, colours and quantities, published over the last year.
Everything is drawn from a seeded random generator, so the same arguments give the same region.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Membership, Role, User
from marketplace.db import db, utcnow
from marketplace.devdata import bulk
from marketplace.impact import services as impact
from marketplace.listings.models import (INVENTORY_STATUSES, Category, CategoryGroup, Condition, Item, ItemStatus,
                                         MeasureUnit)

# The statuses bench items get, in the order of their weights (written-off items are not generated).
BENCH_STATUSES = [ItemStatus.DRAFT, ItemStatus.PUBLISHED, ItemStatus.COMPLETED, ItemStatus.WITHDRAWN,
                  ItemStatus.EXPIRED]
from marketplace.organisations.models import Municipality, Network, Organisation, PartnerOrganisation, Unit, UnitKind
from marketplace.search import text as search_text
from marketplace.search import vocabulary

PASSWORD = "ombruk-benk"  # every generated user's password (bench databases only)
BATCH_SIZE = 5_000
_THOUSANDTHS = Decimal("0.001")
_BIG_LOTS = {"stackable_chair", "pupil_chair", "pupil_desk", "office_chair", "keyboard", "mouse", "table"}


class BenchDataError(RuntimeError):
    """The region cannot be generated here; the message says why."""


@dataclass
class BenchRegion:
    networks: int = 0
    municipalities: int = 0
    units: int = 0
    users: int = 0
    items: int = 0
    published: int = 0
    inventory: int = 0
    seconds: float = 0.0
    municipality_slugs: list[str] = field(default_factory=list)
    member_emails: list[str] = field(default_factory=list)
    caretaker_emails: list[str] = field(default_factory=list)


# --- names ---------------------------------------------------------------------------------------------------

_PLACE_START = ["Aust", "Berg", "Bjørk", "Bre", "Eik", "Elve", "Fjell", "Fjord", "Furu", "Gran", "Grøn", "Hav",
                "Holm", "Li", "Lund", "Myr", "Nord", "Sjø", "Skog", "Sol", "Stein", "Strand", "Sør", "Vest", "Vik",
                "Ås", "Øst", "Rød", "Kvit", "Lyng"]
_PLACE_END = ["vik", "dal", "nes", "heim", "stad", "sund", "berg", "land", "øy", "åsen", "fjord", "mo", "haug",
              "bygd", "vågen"]
_STREETS = ["Storgata", "Skoleveien", "Kirkeveien", "Havnegata", "Fjellveien", "Industriveien", "Torget",
            "Elveveien", "Sjøgata", "Parkveien", "Stasjonsveien", "Bakkeveien"]
_PEOPLE = ["Kari Nilsen", "Ola Berg", "Ahmed Hassan", "Marte Solberg", "Jonas Moen", "Emma Strand", "Lena Dahl",
           "Per Johansen", "Ingrid Haugen", "Sara Lie", "Nils Bakke", "Aud Hansen", "Tone Eriksen", "Ali Khan",
           "Siri Lunde", "Eirik Vik", "Maja Holm", "Anders Lien", "Fatima Noor", "Henrik Aas"]
# (name pattern, kind, building, room)
_UNITS = [
    ("{} rådhus", UnitKind.OFFICE, "Rådhuset", "Lager i kjelleren"),
    ("{} driftsdepot", UnitKind.DEPOT, "Lagerhall 2", ""),
    ("{} skole", UnitKind.SCHOOL, "Hovedbygget", ""),
    ("{} ungdomsskole", UnitKind.SCHOOL, "Bygg B", ""),
    ("Nordre {} skole", UnitKind.SCHOOL, "Skolen", ""),
    ("{} barnehage", UnitKind.KINDERGARTEN, "Barnehagen", "Lageret ved personalinngangen"),
    ("{} bibliotek", UnitKind.LIBRARY, "Biblioteket", "Magasinet"),
    ("{} helsehus", UnitKind.CARE, "Helsehuset", ""),
    ("{} sykehjem", UnitKind.CARE, "Sykehjemmet", "Kjelleren"),
    ("{} kulturhus", UnitKind.CULTURE, "Kulturhuset", "Scenelageret"),
    ("{} svømmehall", UnitKind.OTHER, "Hallen", ""),
]
_PICKUP = [
    "Hentes hverdager 08–15. Meld deg i resepsjonen.",
    "Hentes etter skoletid (etter kl. 15) eller i ferier etter avtale med vaktmester.",
    "Hentes hverdager 07–14. Ring på ved porten; truck og lasterampe er tilgjengelig.",
    "Avtal tid i reservasjonen. Vaktmester hjelper å bære ut.",
    "Hentes via varemottaket på baksiden av bygget.",
    "",
]

# Title nouns per category: (singular, plural). Categories not listed use their Norwegian name.
_NOUNS = {
    "office_chair": [("Kontorstol", "Kontorstoler"), ("Arbeidsstol", "Arbeidsstoler")],
    "stackable_chair": [("Stablestol", "Stablestoler"), ("Konferansestol", "Konferansestoler")],
    "pupil_chair": [("Elevstol", "Elevstoler")],
    "pupil_desk": [("Elevpult", "Elevpulter"), ("Elevbord", "Elevbord")],
    "teacher_desk": [("Kateter", "Katetre"), ("Lærerpult", "Lærerpulter")],
    "desk": [("Skrivebord", "Skrivebord"), ("Arbeidsbord", "Arbeidsbord")],
    "sit_stand_desk": [("Hev/senk-skrivebord", "Hev/senk-skrivebord"), ("Hev/senk-pult", "Hev/senk-pulter"),
                       ("Elektrisk hev/senk-bord", "Elektriske hev/senk-bord")],
    "table": [("Bord", "Bord"), ("Møtebord", "Møtebord"), ("Kantinebord", "Kantinebord"),
              ("Klappbord", "Klappbord")],
    "bookshelf": [("Bokhylle", "Bokhyller"), ("Reol", "Reoler")],
    "pedestal": [("Skuffeseksjon", "Skuffeseksjoner"), ("Skuffekontainer", "Skuffekontainere")],
    "cabinet": [("Skap", "Skap"), ("Arkivskap", "Arkivskap"), ("Garderobeskap", "Garderobeskap")],
    "sofa": [("Sofa", "Sofaer"), ("Tremannssofa", "Tremannssofaer")],
    "armchair": [("Lenestol", "Lenestoler"), ("Loungestol", "Loungestoler")],
    "whiteboard": [("Tavle", "Tavler"), ("Whiteboard", "Whiteboards")],
    "other_furniture": [("Garderobebenk", "Garderobebenker"), ("Skillevegg", "Skillevegger"),
                        ("Stumtjener", "Stumtjenere"), ("Krakk", "Krakker")],
    "laptop": [("Bærbar PC", "Bærbare PC-er"), ("Laptop", "Laptoper")],
    "desktop_pc": [("Stasjonær PC", "Stasjonære PC-er")],
    "monitor_24": [("Skjerm 24 tommer", "Skjermer 24 tommer"), ("PC-skjerm 24\"", "PC-skjermer 24\"")],
    "monitor_27": [("Skjerm 27 tommer", "Skjermer 27 tommer"), ("PC-skjerm 27\"", "PC-skjermer 27\"")],
    "tablet": [("Nettbrett", "Nettbrett")],
    "smartphone": [("Mobiltelefon", "Mobiltelefoner")],
    "projector": [("Prosjektor", "Prosjektorer")],
    "printer": [("Skriver", "Skrivere")],
    "mfp": [("Multifunksjonsmaskin", "Multifunksjonsmaskiner"), ("Kopimaskin", "Kopimaskiner")],
    "docking_station": [("Dokkingstasjon", "Dokkingstasjoner")],
    "keyboard": [("Tastatur", "Tastaturer")],
    "mouse": [("Mus", "Mus")],
    "access_point": [("Trådløst aksesspunkt", "Trådløse aksesspunkt")],
    "network_switch": [("Nettverkssvitsj", "Nettverkssvitsjer")],
    "other_ict": [("Dokumentkamera", "Dokumentkameraer"), ("Høyttaler", "Høyttalere"), ("Headset", "Headset")],
    "grit_sand": [("Strøsand", "Strøsand")],
    "other_material": [("Gipsplater", "Gipsplater"), ("Teppefliser", "Teppefliser"), ("Trematerialer", "Trematerialer"),
                       ("Isolasjon", "Isolasjon"), ("Gulvfliser", "Gulvfliser")],
}
_BRANDS = {
    CategoryGroup.FURNITURE: [("HÅG", "Capisco"), ("HÅG", "H05"), ("Kinnarps", "Plus 8"), ("Savo", "Ikon"),
                              ("EFG", "Tango"), ("Flokk", ""), ("RH", "Logic"), ("Ikea", ""), ("Martela", ""),
                              ("Input Interiør", ""), ("Holmris", "Viper"), ("Fora Form", "Mylo"), ("Lintex", ""),
                              ("", ""), ("", "")],
    CategoryGroup.ICT: [("Dell", ""), ("HP", ""), ("Lenovo", ""), ("Samsung", ""), ("Logitech", ""), ("", "")],
    CategoryGroup.MATERIAL: [("", ""), ("", ""), ("Gyproc", ""), ("Interface", ""), ("Rockwool", "")],
}
# ICT brands and models per category; other ICT categories draw from the group's list above.
_ICT_MODELS = {
    "laptop": [("Dell", "Latitude 5420"), ("HP", "EliteBook 840 G8"), ("Lenovo", "ThinkPad T14"),
               ("Apple", "MacBook Air"), ("Lenovo", "ThinkPad L13")],
    "desktop_pc": [("Dell", "OptiPlex 7090"), ("HP", "ProDesk 600 G6"), ("Lenovo", "ThinkCentre M70q")],
    "monitor_24": [("Dell", "P2422H"), ("HP", "E24 G4"), ("Lenovo", "ThinkVision T24i"), ("Samsung", "S24R")],
    "monitor_27": [("Dell", "U2719D"), ("HP", "E27 G4"), ("Lenovo", "ThinkVision T27h"), ("LG", "27UL500")],
    "tablet": [("Apple", "iPad 9"), ("Samsung", "Galaxy Tab A8"), ("Lenovo", "Tab M10")],
    "smartphone": [("Apple", "iPhone 12"), ("Samsung", "Galaxy S21"), ("Samsung", "Galaxy A52")],
    "projector": [("Epson", "EB-L200W"), ("BenQ", "MW560"), ("Epson", "EB-695Wi")],
    "printer": [("HP", "LaserJet M428"), ("Brother", "HL-L2350DW"), ("Canon", "i-SENSYS")],
    "mfp": [("Canon", "imageRUNNER C3226i"), ("Ricoh", "IM C3000"), ("Konica Minolta", "bizhub C250i")],
    "docking_station": [("Dell", "WD19"), ("HP", "USB-C G5"), ("Lenovo", "ThinkPad USB-C Dock")],
    "keyboard": [("Logitech", "K120"), ("Dell", "KB216"), ("Logitech", "MK270")],
    "mouse": [("Logitech", "B100"), ("Dell", "MS116"), ("Logitech", "M185")],
    "access_point": [("Ubiquiti", "UniFi U6 Lite"), ("Cisco", "Aironet 2800"), ("Aruba", "AP-515")],
    "network_switch": [("Cisco", "Catalyst 2960"), ("HP", "Aruba 2530"), ("Ubiquiti", "UniFi Switch 24")],
}
_COLOURS = {
    CategoryGroup.FURNITURE: ["grå", "svart", "hvit", "bjørk", "eik", "bøk", "blå", "rød", "grønn", "antrasitt",
                              "lys grå", ""],
    CategoryGroup.ICT: ["svart", "sølv", "hvit", "", ""],
    CategoryGroup.MATERIAL: ["", "", "grå", "hvit"],
}
_ADJECTIVES = ["Pene", "Lite brukte", "Godt brukte", "Nesten nye", "Solide", "Stødige", "Gode", "Eldre"]
_ORIGIN = [
    "Brukt på {unit} til ombyggingen.", "Står på lager etter flytting.",
    "Erstattet av nytt utstyr ved rehabiliteringen av {unit}.", "Overskudd etter sammenslåing av avdelinger.",
    "Tatt ut av bruk etter utskifting.", "Blitt til overs etter innredningen av nye lokaler.",
]
_CONDITION_TEXT = {
    Condition.AS_NEW: ["Som ny, knapt brukt.", "Ubrukt, fortsatt i emballasjen."],
    Condition.GOOD: ["Pent brukt med små bruksmerker.", "I god stand, fungerer som den skal."],
    Condition.WORN: ["Tydelig brukt med riper og merker, men fungerer fint.", "Slitt trekk, stødig understell."],
    Condition.NEEDS_REPAIR: ["Trenger reparasjon: løs skrue og et knekt hjul.", "Defekt, egner seg til deler."],
}
_EXTRA = ["Kan hentes samlet eller enkeltvis.", "Vi hjelper med å bære ut.", "Må hentes innen fire uker.",
          "Blir kastet om ingen tar dem.", "Ta med tralle til større partier.", ""]
_ICT_EXTRA = ["Lader følger med.", "Uten lader.", "Tilbakestilt til fabrikkinnstillinger.", "Med strømkabel."]


# --- the generator ---------------------------------------------------------------------------------------------


def generate(items: int = 100_000, municipalities: int = 50, *, network_size: int = 10, seed: int = 1,
             force: bool = False, batch_size: int = BATCH_SIZE, password: str = PASSWORD,
             progress: Callable[[str], object] = lambda _m: None, now: datetime | None = None,
             inventory_share: float = 0.0) -> BenchRegion:
    """Write the region into the current session's transaction (the caller commits, then may ``analyze()``).

    ``inventory_share`` of the items are the municipalities' own inventory (in use, for repair or recycling,
    decision 43): indexed for search like any item, and never shown on the market."""
    if items < 0 or municipalities < 1 or network_size < 1 or batch_size < 1 or not 0 <= inventory_share < 1:
        raise BenchDataError("items must not be negative; municipalities, network size and batch size positive; "
                             "the inventory share at least 0 and below 1.")
    started = time.perf_counter()
    session = db.session
    existing = session.scalar(select(func.count()).select_from(Item)) or 0
    if existing and not force:
        raise BenchDataError(f"The database already has {existing} items. bench-data is for empty benchmark "
                             f"databases; give --force to add the region anyway.")
    now = now or utcnow()
    rng = random.Random(seed)
    impact.install_default_factors(progress=progress)
    categories = list(session.scalars(select(Category).order_by(Category.position)))
    region = BenchRegion()

    # Organisations and people: few, so ORM objects through the session.
    taken_slugs = set(session.scalars(select(Organisation.slug))) | set(session.scalars(select(Network.slug)))
    taken_emails = set(session.scalars(select(User.email)))
    password_hash = accounts.hash_password(password)  # once: argon2 is slow on purpose

    def unique_slug(base: str) -> str:
        slug, number = base, 1
        while slug in taken_slugs:
            number += 1
            slug = f"{base}-{number}"
        taken_slugs.add(slug)
        return slug

    def make_user(email: str, name: str, role: Role, organisation: Organisation, unit: Unit | None) -> User:
        while email in taken_emails:
            local, domain = email.split("@")
            email = f"{local}-{rng.randrange(10**6)}@{domain}"
        taken_emails.add(email)
        user = User(email=email, name=name, password_hash=password_hash, locale="nb")
        user.memberships.append(Membership(role=role, organisation=organisation, unit=unit))
        session.add(user)
        region.users += 1
        return user

    names = _place_names(rng, municipalities)
    progress(f"Region: {municipalities} municipalities in networks of up to {network_size}")
    municipality_rows = []  # (municipality, units, caretaker)
    network = None
    for index, name in enumerate(names):
        if index % network_size == 0:
            slug = unique_slug(f"{search_text.fold(name).replace(' ', '-')}-regionen")
            network = Network(slug=slug, name=f"{name}-regionen")
            session.add(network)
            partner_slug = unique_slug(f"{slug}-frivilligsentral")
            partner = PartnerOrganisation(slug=partner_slug, name=f"{name} frivilligsentral", networks=[network])
            session.add(partner)
            region.networks += 1
            session.flush()
            make_user(f"frivillig@{partner_slug}.example", rng.choice(_PEOPLE), Role.MEMBER, partner, None)
        slug = unique_slug(search_text.fold(name).replace(" ", "-"))
        municipality = Municipality(
            slug=slug, name=f"{name} kommune", org_number=f"9{rng.randrange(10**8):08d}", networks=[network],
            network_share_days=rng.choice([0, 1, 3, 3, 3, 7, 14]),
            partner_share_days=rng.choice([7, 14, 14, 30, None]),
        )
        units = []  # (unit, building, room): the town hall, the depot and 1–6 more
        for pattern, kind, building, room in _UNITS[:2] + rng.sample(_UNITS[2:], rng.randint(1, 6)):
            unit = Unit(name=pattern.format(name), kind=kind,
                        address=f"{rng.choice(_STREETS)} {rng.randint(1, 40)}, {rng.randint(1000, 9999)} {name}")
            municipality.units.append(unit)
            units.append((unit, building, room))
        session.add(municipality)
        session.flush()
        depot = units[1][0]
        school = next((unit for unit, *_ in units if unit.kind == UnitKind.SCHOOL), units[0][0])
        caretaker = make_user(f"vaktmester@{slug}.example", rng.choice(_PEOPLE), Role.CARETAKER, municipality, depot)
        member = make_user(f"ansatt@{slug}.example", rng.choice(_PEOPLE), Role.MEMBER, municipality, school)
        session.flush()
        municipality_rows.append((municipality, units, caretaker))
        region.municipalities += 1
        region.units += len(units)
        region.municipality_slugs.append(slug)
        region.caretaker_emails.append(caretaker.email)
        region.member_emails.append(member.email)

    # Items and their index rows: many, so written in bulk (``bulk``: COPY on PostgreSQL), with explicit ids.
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    first_id = (session.scalar(select(func.max(Item.id))) or 0) + 1
    items_writer = None
    if postgres:  # the documents are staged as text, then made tsvectors by the server in one statement
        connection.execute(text("CREATE TEMPORARY TABLE bench_documents "
                                "(item_id INTEGER, municipality_id INTEGER, document TEXT) ON COMMIT DROP"))
        index_statement = "COPY bench_documents (item_id, municipality_id, document) FROM STDIN"
    else:
        index_statement = "INSERT INTO item_search (rowid, document) VALUES (?, ?)"
    weights = [_category_weight(category) for category in categories]
    texts = bulk.IndexText()  # the documents, and the vocabulary written once at the end
    item_rows, index_rows = [], []
    for number in range(items):
        municipality, units, caretaker = municipality_rows[rng.randrange(len(municipality_rows))]
        category = rng.choices(categories, weights)[0]
        row = _item_row(rng, first_id + number, municipality, units, caretaker, category, now)
        if inventory_share and rng.random() < inventory_share:
            _make_inventory(rng, row)
        region.inventory += row["status"] in INVENTORY_STATUSES
        item_rows.append(row)
        names = [row["title"], category.name_nb, category.name_en, row["brand"], row["model"], row["colour"]]
        document = texts.document(names, row["description"])
        key = (row["id"], row["municipality_id"]) if postgres else (row["id"],)
        index_rows.append((*key, document))
        region.published += row["status"] == ItemStatus.PUBLISHED
        if len(item_rows) >= batch_size or number == items - 1:
            items_writer = items_writer or bulk.BulkWriter(connection, Item.__table__, list(row))
            items_writer.write(item_rows)
            bulk.write_rows(items_writer.cursor, index_statement, index_rows, postgres=postgres)
            item_rows, index_rows = [], []
            progress(f"Items: {number + 1}/{items}")
    if postgres:
        progress("Text index …")
        connection.execute(text(  # the publication copied from the item, the document stripped, as ``save`` does
            "INSERT INTO item_search (item_id, municipality_id, published_at, document) "
            "SELECT item_id, bench_documents.municipality_id, CASE WHEN status = 'published' THEN published_at END, "
            "strip(to_tsvector('simple', document)) FROM bench_documents JOIN items ON items.id = item_id "
            "ORDER BY item_id"))
        connection.execute(text("DROP TABLE bench_documents"))
    words = texts.words
    vocabulary.add_all(session, words)
    if postgres and items:  # explicit ids: move the sequence past them, so the app's next item gets a fresh id
        connection.execute(text("SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT max(id) FROM items))"))
    region.items = items
    region.seconds = time.perf_counter() - started
    return region


def analyze() -> None:
    """Refresh the planner statistics after the bulk load (call after committing). PostgreSQL also gets a VACUUM,
    as autovacuum would give it in time, so the GIN index's pending list is merged and index-only scans work."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def _place_names(rng: random.Random, count: int) -> list[str]:
    names = [start + end for start in _PLACE_START for end in _PLACE_END]
    rng.shuffle(names)
    names = [name[0] + name[1:].lower() for name in names]
    if count > len(names):
        names += [f"{names[index % len(names)]} {index // len(names) + 1}" for index in range(len(names), count)]
    return names[:count]


def _category_weight(category: Category) -> float:
    """Furniture is most of what municipalities give away; then ICT; bulk materials are rarer."""
    if category.group == CategoryGroup.FURNITURE:
        return 5.0 if category.slug in {"office_chair", "stackable_chair", "pupil_chair", "desk", "table"} else 3.0
    if category.group == CategoryGroup.ICT:
        return 2.5 if category.slug in {"laptop", "monitor_24", "desktop_pc"} else 1.0
    return 0.7


def _quantity(rng: random.Random, category: Category) -> Decimal:
    if category.unit.whole_numbers:  # pieces or sets
        roll = rng.random()
        if roll < 0.4:
            return Decimal(1)
        if roll < 0.8:
            return Decimal(rng.randint(2, 10))
        if roll < 0.97 or category.slug not in _BIG_LOTS:
            return Decimal(rng.randint(11, 40))
        return Decimal(rng.randint(41, 200))  # a school's or a canteen's worth of chairs
    if category.unit == MeasureUnit.TONNE:
        return (Decimal(rng.randint(5, 400)) / 10).quantize(_THOUSANDTHS)
    if category.unit == MeasureUnit.M3:
        return (Decimal(rng.randint(1, 300)) / 10).quantize(_THOUSANDTHS)
    if category.unit == MeasureUnit.M2:  # a room's to a floor's worth of boards, tiles or paving
        return (Decimal(rng.randint(20, 4000)) / 10).quantize(_THOUSANDTHS)
    most = 300 if category.group == CategoryGroup.FURNITURE else 2000
    return Decimal(rng.randint(5, most)).quantize(_THOUSANDTHS)


def _make_inventory(rng: random.Random, row: dict) -> None:
    """Turn a generated listing into an item of its municipality's inventory: mostly in use, some for repair or
    recycling; never published, so it has no stage times."""
    row["status"] = rng.choices(INVENTORY_STATUSES, [90, 6, 4])[0]
    row["floor"] = f"{rng.randint(1, 4)}. etasje"
    row["room"] = row["room"] or f"Rom {rng.randint(100, 450)}"
    row["quantity_available"] = row["quantity"]
    for key in ("published_at", "network_visible_at", "partner_visible_at", "closed_at", "advertise_until",
                "erasure_recorded_at", "erasure_recorded_by_id"):
        row[key] = None
    row["updated_at"] = row["created_at"]


def _item_row(rng: random.Random, item_id: int, municipality: Municipality, units, caretaker: User,
              category: Category, now: datetime) -> dict:
    unit, building, room = rng.choice(units)
    quantity = _quantity(rng, category)
    condition = rng.choices(list(Condition), [12, 55, 25, 8])[0]
    singular, plural = rng.choice(_NOUNS.get(category.slug) or [(category.name_nb, category.name_nb)])
    brand, model = rng.choice(_ICT_MODELS.get(category.slug) or _BRANDS[category.group])
    colour = rng.choice(_COLOURS[category.group])
    many = category.unit.whole_numbers and quantity > 1
    pattern = rng.randrange(5)
    if pattern == 0 and many:
        title = f"{plural}{', ' + colour if colour else ''} ({quantity:f} stk.)"
    elif pattern == 1 and many:
        title = f"{rng.choice(_ADJECTIVES)} {plural.lower()}{' fra ' + brand if brand else ''}"
    elif pattern == 2 and brand:
        title = f"{plural if many else singular} {brand} {model}".strip()
    else:
        title = " ".join(part for part in (plural if many else singular, brand, colour) if part)
    description = " ".join(part for part in (
        rng.choice(_ORIGIN).format(unit=unit.name), rng.choice(_CONDITION_TEXT[condition]),
        rng.choice(_ICT_EXTRA) if category.group == CategoryGroup.ICT else "", rng.choice(_EXTRA)) if part)
    dimensions = ""
    if category.group == CategoryGroup.FURNITURE and rng.random() < 0.5:
        dimensions = f"B {rng.randrange(40, 200, 10)} × D {rng.randrange(40, 100, 10)} cm"

    # The listing's life: drafts are recent; published listings spread over the last year (more recent ones,
    # as older ones have mostly been taken); closed ones were published earlier.
    status = rng.choices(BENCH_STATUSES, [5, 78, 9, 4, 4])[0]
    published_at = network_visible_at = partner_visible_at = closed_at = None
    advertise_until = None
    if status == ItemStatus.DRAFT:
        created_at = now - timedelta(days=60 * rng.random())
    else:
        age = timedelta(days=365 * rng.random() ** 1.6, seconds=rng.randrange(86_400))
        if status != ItemStatus.PUBLISHED:
            age = max(age, timedelta(days=30 + 30 * rng.random()))
        published_at = now - age
        created_at = published_at - timedelta(minutes=rng.randrange(5, 3 * 24 * 60))
        network_visible_at = published_at + timedelta(days=municipality.network_share_days)
        if municipality.partner_share_days is not None:
            partner_visible_at = network_visible_at + timedelta(days=municipality.partner_share_days)
        if status == ItemStatus.PUBLISHED:
            if rng.random() < 0.3:
                advertise_until = (now + timedelta(days=rng.randint(1, 120))).date()
        elif status == ItemStatus.EXPIRED:
            advertise_until = (published_at + timedelta(days=rng.randint(7, 28))).date()
            closed_at = datetime.combine(advertise_until, datetime.min.time(), now.tzinfo) + timedelta(days=1)
        else:
            closed_at = published_at + (now - published_at) * rng.random()
    available_from = None
    if rng.random() < 0.15:
        available_from = (now + timedelta(days=rng.randint(-30, 30))).date()

    ict = category.group == CategoryGroup.ICT
    erased_at = None
    if category.holds_data and published_at is not None and rng.random() < 0.6:
        erased_at = published_at - timedelta(hours=rng.randint(1, 72))
    updated_at = max(moment for moment in (created_at, published_at, closed_at) if moment is not None)
    return {
        "id": item_id, "municipality_id": municipality.id, "unit_id": unit.id, "created_by_id": caretaker.id,
        "category_id": category.id, "status": status, "title": title[:140], "description": description,
        "condition": condition, "quantity": quantity,
        # No reservations are generated: all is available, except what was handed over.
        "quantity_available": Decimal(0) if status == ItemStatus.COMPLETED else quantity,
        "dimensions": dimensions, "brand": brand, "model": model,
        "colour": colour, "building": building, "floor": "", "room": room, "pickup_instructions": rng.choice(_PICKUP),
        "available_from": available_from, "advertise_until": advertise_until,
        "would_be_discarded": rng.random() < 0.25, "kgco2e_new": None, "mass_kg": None, "price_new_nok": None,
        "figures_source": "",
        "asset_tag": f"IT-{item_id:07d}" if ict else "",
        "serial_number": f"{rng.getrandbits(40):010X}" if ict else "",
        "erasure_recorded_at": erased_at, "erasure_recorded_by_id": caretaker.id if erased_at else None,
        "erasure_certificate": None,
        "created_at": created_at, "updated_at": updated_at, "published_at": published_at,
        "network_visible_at": network_visible_at, "partner_visible_at": partner_visible_at, "closed_at": closed_at,
    }
