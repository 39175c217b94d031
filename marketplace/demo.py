"""The demo region: the fictional network "Dulten-regionen" with Dulten, Nordvik and Sørli kommune.

Loading is idempotent: whatever already exists is kept, whatever is missing is created through the same
services the app uses. Every demo address ends in `.example`, and every demo user has the same password.

The listings (``LISTINGS``) are created by the demo caretakers and admins through the listing services, in
every stage: drafts; published today (seen only in their own municipality), some days ago (the network too)
or weeks ago (the partners too); withdrawn; expired; ICT with and without recorded data erasure. Their photos
are drawn by ``marketplace.demo_photos`` and uploaded through the real photo pipeline. The listings are
loaded once: if the demo municipalities already have any items, the step is skipped.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select, update

from marketplace import demo_photos
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.db import db, utcnow
from marketplace.i18n import oslo_date
from marketplace.impact import services as impact
from marketplace.listings import services as listings
from marketplace.listings.models import Category, Condition, Item, ItemStatus, MeasureUnit
from marketplace.notifications.models import Notification
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Municipality, PartnerOrganisation, UnitKind
from marketplace.reservations import services as reservations
from marketplace.reservations.models import Reservation, WouldBuyNew

PASSWORD = "ombruk-demo"
NETWORK = ("dulten-regionen", "Dulten-regionen")

MUNICIPALITIES = [
    ("dulten", "Dulten kommune", "964000001", [
        ("Dulten rådhus", UnitKind.OFFICE, "Storgata 1, 9990 Dulten"),
        ("Dulten skole", UnitKind.SCHOOL, "Skoleveien 4, 9990 Dulten"),
        ("Dulten ungdomsskole", UnitKind.SCHOOL, "Skoleveien 10, 9990 Dulten"),
        ("Dulten bibliotek", UnitKind.LIBRARY, "Torget 2, 9990 Dulten"),
        ("Driftsdepotet Dulten", UnitKind.DEPOT, "Industriveien 7, 9991 Dulten"),
    ]),
    ("nordvik", "Nordvik kommune", "964000002", [
        ("Nordvik rådhus", UnitKind.OFFICE, "Havnegata 3, 9980 Nordvik"),
        ("Nordvik skole", UnitKind.SCHOOL, "Fjellveien 12, 9980 Nordvik"),
        ("Nordvik barnehage", UnitKind.KINDERGARTEN, "Fjellveien 20, 9980 Nordvik"),
        ("Nordvik bibliotek", UnitKind.LIBRARY, "Havnegata 5, 9980 Nordvik"),
        ("Nordvik helsehus", UnitKind.CARE, "Sjøgata 30, 9980 Nordvik"),
        ("Nordvik driftsdepot", UnitKind.DEPOT, "Moloveien 2, 9981 Nordvik"),
    ]),
    ("sorli", "Sørli kommune", "964000003", [
        ("Sørli rådhus", UnitKind.OFFICE, "Kirkeveien 1, 9970 Sørli"),
        ("Sørli skole", UnitKind.SCHOOL, "Elveveien 8, 9970 Sørli"),
        ("Sørli kulturhus", UnitKind.CULTURE, "Kirkeveien 6, 9970 Sørli"),
        ("Sørli depot", UnitKind.DEPOT, "Sagbruksveien 3, 9971 Sørli"),
    ]),
]
PARTNERS = [("dulten-frivilligsentral", "Dulten frivilligsentral")]

# (e-mail, name, role, organisation slug or None, unit name or None)
USERS = [
    ("admin@dulten.example", "Ingrid Haugen", Role.MUNICIPAL_ADMIN, "dulten", "Dulten rådhus"),
    ("vaktmester@dulten.example", "Kari Nilsen", Role.CARETAKER, "dulten", "Driftsdepotet Dulten"),
    ("skole@dulten.example", "Ola Berg", Role.MEMBER, "dulten", "Dulten skole"),
    ("bibliotek@dulten.example", "Sara Lie", Role.MEMBER, "dulten", "Dulten bibliotek"),
    ("admin@nordvik.example", "Per Johansen", Role.MUNICIPAL_ADMIN, "nordvik", "Nordvik rådhus"),
    ("vaktmester@nordvik.example", "Ahmed Hassan", Role.CARETAKER, "nordvik", "Nordvik driftsdepot"),
    ("skole@nordvik.example", "Marte Solberg", Role.MEMBER, "nordvik", "Nordvik skole"),
    ("admin@sorli.example", "Lena Dahl", Role.MUNICIPAL_ADMIN, "sorli", "Sørli rådhus"),
    ("vaktmester@sorli.example", "Jonas Moen", Role.CARETAKER, "sorli", "Sørli depot"),
    ("skole@sorli.example", "Emma Strand", Role.MEMBER, "sorli", "Sørli skole"),
    ("frivillig@dulten-frivilligsentral.example", "Aud Hansen", Role.MEMBER, "dulten-frivilligsentral", None),
    ("nettverk@dulten-regionen.example", "Tone Eriksen", Role.NETWORK_ADMIN, None, None),
    ("drift@ombruksmarkedet.example", "Nils Bakke", Role.SITE_ADMIN, None, None),
]

# --- Listings -------------------------------------------------------------------------------------------

# Where things stand at each unit, and how to fetch them: (building, room, pickup instructions).
PLACES = {
    "Dulten rådhus": (
        "", "Lageret i kjelleren (K12)",
        "Hentes hverdager 08–15. Meld deg i resepsjonen, så blir du fulgt ned. Bruk varemottaket i "
        "bakgården; det er plass til en varebil."),
    "Dulten skole": (
        "Hovedbygget", "",
        "Hentes etter skoletid (etter kl. 15) eller i ferier etter avtale med vaktmester. Kjør inn porten "
        "ved gymsalen."),
    "Dulten ungdomsskole": (
        "Bygg B", "",
        "Hentes hverdager 07.30–15. Vaktmester hjelper å bære ut; ta med tralle til større partier."),
    "Dulten bibliotek": (
        "", "",
        "Hentes mandag–fredag 09–11, før åpningstid. Bruk personalinngangen på baksiden."),
    "Driftsdepotet Dulten": (
        "Lagerhall 2", "",
        "Hentes hverdager 07–14. Ring på ved porten; truck og lasterampe er tilgjengelig."),
    "Nordvik rådhus": (
        "", "IT-lageret i underetasjen",
        "Hentes hverdager 09–14 via varemottaket i Havnegata 3B."),
    "Nordvik skole": (
        "Nybygget", "",
        "Hentes etter kl. 15 eller i skoleferien. Vaktmester må være til stede, så avtal tid i "
        "reservasjonen."),
    "Nordvik barnehage": (
        "", "Lageret ved personalinngangen",
        "Hentes etter kl. 16.30, når barna har gått hjem. Parker ved porten, ikke i gården."),
    "Nordvik bibliotek": (
        "", "Magasinet i underetasjen",
        "Hentes tirsdag og torsdag 08–10. Heis ned til magasinet."),
    "Nordvik helsehus": (
        "Fløy A", "",
        "Hentes hverdager 10–14 via varemottaket bak bygget. Meld fra i vaktrommet før du går inn."),
    "Nordvik driftsdepot": (
        "Kaldlageret", "",
        "Hentes hverdager 07–14.30. Hjullaster kan laste bulkvarer; skriv i reservasjonen hva du trenger."),
    "Sørli rådhus": (
        "", "Lagerrommet i 1. etasje",
        "Hentes hverdager 08–15. Ring servicetorget når du står ved varemottaket."),
    "Sørli skole": (
        "Hovedbygget", "",
        "Hentes etter kl. 15.30 på hverdager. Vaktmester viser vei."),
    "Sørli kulturhus": (
        "", "Scenelageret",
        "Hentes på dagtid når det ikke er forestillinger. Lasterampe bak scenen, høyde 3,2 m."),
    "Sørli depot": (
        "", "Uteområdet ved saltlageret",
        "Hentes hverdager 07–14. Ta med henger eller lastebil; vi laster med hjullaster."),
}

# A listing's stage: "draft"; published "today" (seen in its own municipality only), "network" (4–12 days
# ago: the network sees it) or "partners" (3–6 weeks ago: partner organisations too); "withdrawn";
# "expired" (its advertise-until date has passed). The default policy opens a listing to the network after
# 3 days and to partners 14 days later.


@dataclass(frozen=True)
class DemoListing:
    municipality: str  # slug
    by: str  # e-mail of the caretaker or admin who lists it
    category: str  # slug
    title: str
    quantity: str  # pieces, or kg / tonnes with decimals
    condition: Condition
    unit: str  # name of the unit it belongs to
    stage: str
    description: str
    room: str = ""
    building: str = ""  # default: the unit's, from PLACES
    pickup: str = ""  # default: the unit's, from PLACES
    brand: str = ""
    model: str = ""
    colour: str = ""
    dimensions: str = ""
    discarded: bool = False  # would otherwise be discarded
    erased: bool = False  # data erasure recorded (data-bearing ICT)
    asset_tag: str = ""
    serial: str = ""
    photos: int = 2
    until: int | None = None  # advertise until, days from today
    available: int | None = None  # available from, days from today


D, N, S = "dulten", "nordvik", "sorli"
VD, AD = "vaktmester@dulten.example", "admin@dulten.example"
VN, AN = "vaktmester@nordvik.example", "admin@nordvik.example"
VS, AS = "vaktmester@sorli.example", "admin@sorli.example"
GOOD, WORN, AS_NEW, REPAIR = Condition.GOOD, Condition.WORN, Condition.AS_NEW, Condition.NEEDS_REPAIR

LISTINGS = [
    # --- Dulten kommune ---
    DemoListing(
        D, VD, "stackable_chair", "Stablestoler, grå (24 stk.)", "24", GOOD, "Dulten ungdomsskole", "network",
        "24 stablestoler med grått stofftrekk og forkrommet understell, brukt i aulaen. Setene er hele; noen "
        "har små flekker som bør gå bort med rens. Stables inntil 10 i høyden. Vi gir dem helst bort samlet, "
        "men det går fint å reservere færre.",
        room="Aulaen, lager bak scenen", building="Bygg A", brand="EFG", colour="grå",
        dimensions="B 50 × D 52 × H 82 cm, sittehøyde 45 cm", photos=3, until=21),
    DemoListing(
        D, VD, "pupil_desk", "Elevpulter med stoler (28 sett)", "28", WORN, "Dulten skole", "partners",
        "Enkeltpulter med bokhylle under platen, og én stol per pult. Platene har skriblerier og noen hakk, "
        "men understellene er stødige. Byttes ut fordi 5. trinn får hev/senk-pulter. Blir kastet når de nye "
        "pultene kommer, om ingen tar dem.",
        room="Klasserom 5A og 5B", colour="bjørk", dimensions="70 × 50 cm, høyde 72 cm", discarded=True,
        photos=3, until=30),
    DemoListing(
        D, VD, "bookshelf", "Bokhyller fra biblioteket (8 stk.)", "8", GOOD, "Dulten bibliotek", "today",
        "Frittstående bokhyller i bjørkefinér med fem regulerbare hyller. De står fastskrudd i veggen i dag; "
        "vi demonterer dem og setter dem klare i personalgangen når ombyggingen starter. Passer godt i et "
        "klasserom eller på et arbeidsrom.",
        room="Barneavdelingen, 1. etasje", colour="bjørk", dimensions="B 90 × D 30 × H 200 cm", until=35,
        available=7),
    DemoListing(
        D, VD, "whiteboard", "Tavle, hvit, 200 × 120 cm", "1", WORN, "Dulten skole", "network",
        "Veggmontert whiteboard med pennehylle. Noen grå skygger etter gammel tusj, men den vaskes ren med "
        "tavlerens. Vaktmester tar den ned fra veggen før henting.",
        room="Klasserom 3B", colour="hvit", dimensions="200 × 120 cm"),
    DemoListing(
        D, VD, "projector", "Prosjektorer (6 stk.)", "6", GOOD, "Dulten ungdomsskole", "partners",
        "Takmonterte prosjektorer, tatt ned da klasserommene fikk interaktive skjermer. 1 200–2 600 "
        "lampetimer. Fjernkontroll og takfeste følger med alle; HDMI-kabler kan vi legge ved.",
        room="IKT-lageret, 2. etasje", brand="Epson", model="EB-W49", colour="hvit"),
    DemoListing(
        D, AD, "laptop", "Bærbare PC-er, Lenovo ThinkPad T14 (12 stk.)", "12", GOOD, "Dulten rådhus",
        "network",
        "Intel Core i5, 16 GB minne, 256 GB SSD, 14 tommer full HD. Diskene er slettet og slettesertifikatet "
        "er registrert. Lader følger med alle. Batterikapasitet 70–85 %. Leveres uten Windows-lisens: "
        "installer eget image.",
        room="IT-avdelingen, 3. etasje", brand="Lenovo", model="ThinkPad T14 Gen 1", colour="svart",
        erased=True, asset_tag="DUL-IKT-0412 til 0423", photos=3),
    DemoListing(
        D, AD, "monitor_24", "Skjermer 24 tommer, Dell P2419H (20 stk.)", "20", GOOD, "Dulten rådhus",
        "partners",
        "Full HD-skjermer med justerbar fot (høyde, vipp og pivot). Strømkabel og DisplayPort-kabel følger "
        "med. Et par har små riper i rammen.",
        room="IT-avdelingen, 3. etasje", brand="Dell", model="P2419H", colour="svart"),
    DemoListing(
        D, AD, "docking_station", "Dokkingstasjoner, Lenovo USB-C (15 stk.)", "15", GOOD, "Dulten rådhus",
        "network",
        "Passer til ThinkPad T14-ene og de fleste PC-er med USB-C. Strømadapter på 90 W følger med alle.",
        room="IT-avdelingen, 3. etasje", brand="Lenovo", model="ThinkPad USB-C Dock Gen 2", colour="svart",
        photos=1),
    DemoListing(
        D, VD, "grit_sand", "Strøsand, 3 tonn", "3", GOOD, "Driftsdepotet Dulten", "network",
        "Overskudd fra forrige sesong: 3 tonn tørr strøsand (0–8 mm) i binge. Kan deles opp.",
        building="Saltlageret",
        pickup=("Ta med henger eller bil med lasteplan; vi laster med hjullaster hverdager 07–14. "
                "Mengden anslås etter skuffen."),
        until=20),
    DemoListing(
        D, AD, "office_chair", "Kontorstoler, HÅG H04 (10 stk.)", "10", GOOD, "Dulten rådhus", "withdrawn",
        "Ergonomiske kontorstoler med armlener og justerbar setehøyde og setedybde. Ble ledige etter "
        "flyttingen til nytt kontorlandskap.",
        room="2. etasje, det gamle økonomikontoret", brand="HÅG", model="H04", colour="svart"),
    DemoListing(
        D, AD, "sit_stand_desk", "Hev/senk-skrivebord 160 cm (6 stk.)", "6", AS_NEW, "Dulten rådhus", "draft",
        "Elektriske hev/senk-bord, kjøpt i 2023 til et prosjektkontor som er lagt ned. Minnefunksjon på "
        "betjeningspanelet. Leveres demontert, plate og understell hver for seg.",
        room="Prosjektkontoret, 4. etasje", brand="Kinnarps", colour="hvit plate, sølv understell",
        dimensions="160 × 80 cm, høyde 65–125 cm", available=14),
    DemoListing(
        D, VD, "sofa", "Sofa fra personalrommet", "1", WORN, "Dulten skole", "expired",
        "Tre-seters sofa i grønt ullstoff. Slitt på armlenene, men ingen hull og ingen lukt. Personalrommet "
        "pusses opp, så sofaen må ut.",
        room="Personalrommet", colour="mørkegrønn", dimensions="B 200 × D 85 cm", discarded=True),
    DemoListing(
        D, VD, "armchair", "Lenestoler, oransje (2 stk.)", "2", GOOD, "Dulten bibliotek", "network",
        "To like lenestoler med eikeben og oransje ullstoff. Fine i et lesehjørne eller på et venterom.",
        room="Lesesalen", colour="oransje", photos=3),
    DemoListing(
        D, VD, "teacher_desk", "Kateter, eik", "1", WORN, "Dulten ungdomsskole", "partners",
        "Solid kateter med skuffeseksjon (tre skuffer, den øverste med lås; nøkkelen finnes). Riper i "
        "platen. Blir kastet om ingen vil ha det.",
        room="Naturfagrommet", colour="eik", dimensions="150 × 75 cm", discarded=True, photos=1),
    DemoListing(
        D, AD, "cabinet", "Arkivskap med fløydører, lysegrå (4 stk.)", "4", GOOD, "Dulten rådhus", "today",
        "Arkivskap i stål med låsbare fløydører og fire regulerbare hyller. Nøkler til alle. Tunge: ta med "
        "tralle og to personer.",
        room="Arkivet, kjelleren", colour="lysegrå", dimensions="B 100 × D 42 × H 195 cm"),
    DemoListing(
        D, AD, "pedestal", "Skuffeseksjoner på hjul, hvite (9 stk.)", "9", GOOD, "Dulten rådhus", "network",
        "Skuffeseksjoner med tre skuffer og sentrallås. Nøklene mangler til tre av dem, men låsen kan "
        "byttes.",
        colour="hvit", dimensions="B 42 × D 58 × H 62 cm"),
    DemoListing(
        D, VD, "desktop_pc", "Stasjonære PC-er, HP EliteDesk 800 G4 (8 stk.)", "8", GOOD,
        "Dulten ungdomsskole", "network",
        "Intel Core i5-8500, 8 GB minne, 256 GB SSD, med tastatur og mus. IT-avdelingen sletter diskene; til "
        "slettesertifikatet er registrert, vises annonsen bare i Dulten kommune.",
        room="Datarommet", brand="HP", model="EliteDesk 800 G4 SFF", colour="svart"),
    DemoListing(
        D, VD, "keyboard", "Tastaturer med mus, norsk oppsett (30 stk.)", "30", GOOD, "Dulten skole",
        "partners",
        "Kablede USB-tastaturer med mus, fra datarommet. Vasket og testet.",
        room="Datarommet", brand="Logitech", model="MK120", colour="svart", photos=1),
    DemoListing(
        D, VD, "pupil_chair", "Elevstoler, blå (30 stk.)", "30", WORN, "Dulten skole", "expired",
        "Stablestoler i elevstørrelse (sittehøyde 46 cm) med blått plastsete og grå stålramme. Noen har "
        "tusjstreker.",
        room="Klasserom 6A", colour="blå"),
    DemoListing(
        D, VD, "other_furniture", "Garderobebenker fra gymsalen (85,5 kg)", "85.5", WORN,
        "Dulten ungdomsskole", "network",
        "Seks benker med furuspiler og stålben, skrudd løs da garderobene ble pusset opp. Oppgitt i kilo "
        "fordi de gis bort samlet.",
        room="Garderobene ved gymsalen", colour="furu", dimensions="6 benker à 180 cm", discarded=True),
    DemoListing(
        D, VD, "tablet", "Nettbrett, iPad 9. generasjon (15 stk.)", "15", GOOD, "Dulten skole", "today",
        "Fra 3. trinn, som har gått over til Chromebook. Nullstilt og fjernet fra skolens MDM; "
        "slettesertifikatet er registrert. Med deksel og lader.",
        room="IKT-skapet ved biblioteket", brand="Apple", model="iPad (9. generasjon), 64 GB",
        colour="stellargrå", erased=True),
    DemoListing(
        D, AD, "mfp", "Multifunksjonsmaskin, Ricoh IM C3000", "1", GOOD, "Dulten rådhus", "partners",
        "Farge-multifunksjonsmaskin med to papirskuffer og dokumentmater. Harddisken er overskrevet av "
        "leverandøren, og sertifikatet er registrert. Om lag 180 000 utskrifter. Veier om lag 100 kg: krever "
        "bil med lift.",
        room="Kopirommet, 2. etasje", brand="Ricoh", model="IM C3000", colour="hvit", erased=True,
        asset_tag="DUL-IKT-0098", serial="3100R810274"),
    DemoListing(
        D, VD, "table", "Runde bord, bøk (3 stk.)", "3", GOOD, "Dulten bibliotek", "draft",
        "Runde bord fra kafeen i biblioteket. Det er plass til fire stoler rundt hvert.",
        room="Kafeen", colour="bøk", dimensions="Ø 110 cm, høyde 72 cm", photos=0),
    DemoListing(
        D, VD, "other_material", "Himlingsplater, restparti (142,5 kg)", "142.5", AS_NEW,
        "Driftsdepotet Dulten", "partners",
        "Ubrukte himlingsplater i originalemballasje (9 pakker), til overs etter ombyggingen av Dulten "
        "skole. Lagret tørt. Oppgitt i kilo for klimaregnskapet.",
        room="Reolene ved port 3", brand="Ecophon", model="Focus A", colour="hvit",
        dimensions="60 × 60 cm, 20 mm"),
    # --- Nordvik kommune ---
    DemoListing(
        N, VN, "table", "Barnebord, lave (4 stk.)", "4", WORN, "Nordvik barnehage", "network",
        "Lave bord for barn i alderen 3–6 år, med avrundede hjørner. Malingssøl i platene som ikke går bort, "
        "men helt stødige.",
        room="Avdeling Tussen", colour="bjørk", dimensions="120 × 70 cm, høyde 52 cm"),
    DemoListing(
        N, VN, "stackable_chair", "Stablestoler, røde (40 stk.)", "40", GOOD, "Nordvik skole", "today",
        "Stablestoler med rødt plastsete og forkrommet understell, brukt på skoleavslutninger. De står på en "
        "stolvogn som kan lånes til transporten.",
        room="Gymsalen, lageret under tribunen", colour="rød", photos=3),
    DemoListing(
        N, AN, "laptop", "Bærbare PC-er, HP EliteBook 840 G6 (8 stk.)", "8", GOOD, "Nordvik rådhus",
        "network",
        "Intel Core i5, 16 GB minne, 512 GB SSD. Venter på sletting: til slettesertifikatet er registrert, "
        "vises annonsen bare for ansatte i Nordvik kommune. Ladere følger med.",
        brand="HP", model="EliteBook 840 G6", colour="sølv"),
    DemoListing(
        N, VN, "laptop", "Bærbar PC, Dell Latitude 5420 (knekt hengsel)", "1", REPAIR, "Nordvik helsehus",
        "partners",
        "Virker med ekstern skjerm, men venstre skjermhengsel er knekt. En ny hengsel koster rundt 300 kr. "
        "Disken er slettet, og sertifikatet er registrert. Fin som reservemaskin eller til et verksted.",
        room="Kontoret i 2. etasje", brand="Dell", model="Latitude 5420", colour="svart", erased=True,
        asset_tag="NOR-IKT-003187", serial="7HJ2KL3", photos=3),
    DemoListing(
        N, AN, "monitor_27", "Skjermer 27 tommer, Samsung (6 stk.)", "6", AS_NEW, "Nordvik rådhus", "network",
        "Nesten ubrukte 27-tommers skjermer fra et møterom som er bygget om. USB-C og HDMI. I originalesker.",
        brand="Samsung", model="S27R650", colour="mørkegrå"),
    DemoListing(
        N, VN, "smartphone", "Mobiltelefoner, iPhone SE 2. generasjon (10 stk.)", "10", GOOD,
        "Nordvik helsehus", "network",
        "Tjenestetelefoner fra hjemmetjenesten, byttet ut i ny avtale. Nullstilt og fjernet fra MDM; "
        "slettesertifikatet er registrert. Batterihelse 78–90 %. Uten ladere.",
        room="Hjemmetjenestens kontor", brand="Apple", model="iPhone SE (2. generasjon), 64 GB",
        colour="svart", erased=True),
    DemoListing(
        N, AN, "desk", "Skrivebord, hvite, 140 cm (5 stk.)", "5", GOOD, "Nordvik rådhus", "partners",
        "Faste skrivebord med hvit plate og grått understell. Kabelkanal under platen.",
        room="Byggesaksavdelingen, 2. etasje", colour="hvit", dimensions="140 × 80 cm"),
    DemoListing(
        N, AN, "sit_stand_desk", "Hev/senk-skrivebord 160 cm (4 stk.)", "4", GOOD, "Nordvik rådhus", "today",
        "Elektriske skrivebord fra saksbehandlerkontorene, som flytter til nytt bygg med nye møbler. Alle "
        "virker; ett har en liten flis i kanten.",
        room="Saksbehandlerkontorene, 3. etasje", brand="EFG", colour="grå plate, sølv understell",
        dimensions="160 × 80 cm, høyde 64–129 cm", until=30),
    DemoListing(
        N, AN, "office_chair", "Kontorstoler, Kinnarps (12 stk.)", "12", WORN, "Nordvik rådhus", "network",
        "Kontorstoler med armlener og høy rygg. Stoffet er falmet og har noen flekker, men mekanikken "
        "virker. Egner seg for nytt trekk.",
        room="Saksbehandlerkontorene, 3. etasje", brand="Kinnarps", model="8000-serien", colour="blå"),
    DemoListing(
        N, VN, "bookshelf", "Reoler fra biblioteksmagasinet (12 stk.)", "12", GOOD, "Nordvik bibliotek",
        "partners",
        "Stålreoler med seks hyller hver, fra magasinet som tømmes. De skrus fra hverandre; "
        "monteringsbeskrivelse og alle beslag følger med. Går til metallgjenvinning om ingen tar dem.",
        colour="grå", dimensions="B 100 × D 35 × H 210 cm", discarded=True),
    DemoListing(
        N, VN, "whiteboard", "Krittavle med sidefløyer, grønn", "1", WORN, "Nordvik skole", "expired",
        "Klassisk krittavle med to sidefløyer. Godt brukt, men flaten er jevn. Kan passe i et verksted eller "
        "en barnehage. Må tas ned fra veggen av den som henter; vi låner ut verktøy.",
        room="Klasserom 204", colour="mørkegrønn", dimensions="400 × 120 cm med fløyene åpne", discarded=True,
        photos=1),
    DemoListing(
        N, VN, "pupil_desk", "Elevpulter, enkle (20 stk.)", "20", GOOD, "Nordvik skole", "withdrawn",
        "Enkeltpulter med bøkplate og grått stålunderstell, høyde 72 cm.",
        room="Klasserom 108", colour="bøk", dimensions="70 × 50 cm"),
    DemoListing(
        N, VN, "pupil_chair", "Elevstoler, grå (20 stk.)", "20", GOOD, "Nordvik skole", "network",
        "Elevstoler med sete og rygg i bøkfinér og grå stålramme, sittehøyde 46 cm. Stables fem i høyden.",
        room="Klasserom 108", colour="grå"),
    DemoListing(
        N, VN, "armchair", "Lenestoler fra venterommet (4 stk.)", "4", WORN, "Nordvik helsehus", "expired",
        "Lenestoler med armlener i tre og blått, avtørkbart trekk. Slitte på armlenene.",
        room="Venterommet, 1. etasje", colour="blå"),
    DemoListing(
        N, VN, "sofa", "Sofa, 3-seter, grå", "1", GOOD, "Nordvik helsehus", "today",
        "Tre-seters sofa med avtakbare puter. Trekket ble rengjort i fjor. Må bæres ned én etasje (heisen er "
        "for liten).",
        room="Personalrommet, 2. etasje", colour="grå", dimensions="B 210 × D 90 cm", photos=3),
    DemoListing(
        N, AN, "printer", "Skrivere, HP LaserJet Pro M404dn (3 stk.)", "3", GOOD, "Nordvik rådhus", "network",
        "Svart-hvitt laserskrivere med tosidig utskrift og nettverk. Tilbakestilt til fabrikkinnstillinger, "
        "og sertifikatet er registrert. En ekstra tonerkassett følger med.",
        brand="HP", model="LaserJet Pro M404dn", colour="hvit", erased=True),
    DemoListing(
        N, AN, "network_switch", "Nettverkssvitsjer, Cisco Catalyst 2960-X (4 stk.)", "4", GOOD,
        "Nordvik rådhus", "draft",
        "48-portssvitsjer fra serverrommet. IT-avdelingen nullstiller konfigurasjonen og registrerer "
        "sertifikatet før annonsen publiseres.",
        room="Serverrommet", brand="Cisco", model="Catalyst 2960-X, 48 porter", photos=1),
    DemoListing(
        N, VN, "access_point", "Aksesspunkter, Ubiquiti UniFi AC Pro (10 stk.)", "10", GOOD, "Nordvik skole",
        "partners",
        "Trådløse aksesspunkter, tatt ned ved oppgraderingen til Wi-Fi 6. Tilbakestilt til fabrikkoppsett, "
        "og sertifikatet er registrert. Takbraketter følger med, PoE-injektorer ikke.",
        room="Vaktmesterens lager", brand="Ubiquiti", model="UniFi AC Pro", colour="hvit", erased=True),
    DemoListing(
        N, VN, "grit_sand", "Strøsand, 1,5 tonn (restlager)", "1.5", GOOD, "Nordvik driftsdepot", "network",
        "Rest fra vinterlageret, grus 2–6 mm. Litt klumpet i toppen etter fukt, ellers fin.",
        until=10),
    DemoListing(
        N, VN, "other_material", "Belegningsstein, grå (850 kg)", "850", GOOD, "Nordvik driftsdepot",
        "partners",
        "Brukt belegningsstein fra torget, rengjort og stablet på to paller. Om lag 850 kg, nok til rundt 12 "
        "m².",
        room="Pallene ved porten", colour="grå", dimensions="21 × 14 × 6 cm per stein", discarded=True),
    DemoListing(
        N, VN, "other_material", "Gipsplater, restparti (240,5 kg)", "240.5", AS_NEW, "Nordvik driftsdepot",
        "today",
        "Ubrukte gipsplater, til overs etter ombyggingen av helsehuset. Lagret tørt innendørs. 240,5 kg, om "
        "lag ti plater.",
        room="Innendørslageret", brand="Gyproc", model="GN13 Normal", colour="hvit",
        dimensions="120 × 240 cm, 12,5 mm"),
    DemoListing(
        N, VN, "cabinet", "Garderobeskap i stål (6 stk.)", "6", WORN, "Nordvik skole", "network",
        "Ansattgarderobeskap med to rom hver og beslag for hengelås. Bulker i noen dører; låser følger ikke "
        "med.",
        room="Personalgarderoben", colour="blå", dimensions="B 60 × D 50 × H 180 cm"),
    DemoListing(
        N, VN, "projector", "Prosjektor, BenQ MW560", "1", GOOD, "Nordvik bibliotek", "draft",
        "Bærbar prosjektor til foredrag, med veske og fjernkontroll. Lampen har 900 timer.",
        brand="BenQ", model="MW560", colour="hvit", photos=0),
    DemoListing(
        N, VN, "teacher_desk", "Kateter med skuffer (2 stk.)", "2", GOOD, "Nordvik skole", "network",
        "Kateter med skuffeseksjon og kabelhull for PC, fra to klasserom som har fått nye møbler.",
        room="Klasserom 110 og 111", colour="bøk", dimensions="150 × 75 cm", available=10),
    # --- Sørli kommune ---
    DemoListing(
        S, VS, "stackable_chair", "Stablestoler, svarte (60 stk.)", "60", GOOD, "Sørli kulturhus", "partners",
        "Polstrede stablestoler med svart trekk, byttet ut med nye teleskopseter i storsalen. De står på to "
        "stolvogner som kan lånes.",
        room="Storsalen, stollageret", colour="svart", photos=3),
    DemoListing(
        S, VS, "table", "Klappbord, 180 cm (15 stk.)", "15", GOOD, "Sørli kulturhus", "network",
        "Sammenleggbare bord med grå laminatplate, brukt til konferanser og loppemarked. Lette å frakte; to "
        "og to får plass i en stasjonsvogn.",
        colour="grå", dimensions="180 × 75 cm"),
    DemoListing(
        S, VS, "other_furniture", "Scenepodier, 8 moduler (320 kg)", "320", WORN, "Sørli kulturhus", "today",
        "Scenepodier med svart filt og justerbare ben. Godt brukt, men stødige. Fine for en skole eller et "
        "ungdomshus. Oppgitt i kilo fordi modulene hører sammen.",
        colour="svart", dimensions="8 moduler à 200 × 100 cm, høyde 40 cm"),
    DemoListing(
        S, AS, "laptop", "Bærbare PC-er, Lenovo ThinkPad L14 (20 stk.)", "20", GOOD, "Sørli rådhus", "today",
        "Intel Core i5, 8 GB minne, 256 GB SSD. Slettet med sertifisert programvare, og slettesertifikatet "
        "er registrert. Noen har slitte tastaturer.",
        brand="Lenovo", model="ThinkPad L14 Gen 2", colour="svart", erased=True,
        asset_tag="SOR-PC-1101 til 1120", photos=3),
    DemoListing(
        S, VS, "laptop", "Chromebooks, Acer Chromebook Spin 511 (30 stk.)", "30", WORN, "Sørli skole",
        "partners",
        "Elev-PC-er fra mellomtrinnet. De må fjernes fra skolens administrasjonskonsoll og tilbakestilles "
        "før de kan deles utenfor Sørli kommune. Noen har sprekker i skjermen.",
        room="Ladeskapet, 2. etasje", brand="Acer", model="Chromebook Spin 511", colour="mørkegrå"),
    DemoListing(
        S, AS, "monitor_24", "Skjermer 24 tommer, HP (10 stk.)", "10", WORN, "Sørli rådhus", "expired",
        "Skjermer med høydejusterbar fot. To har en død piksel. Strømkabler følger med, skjermkabler ikke.",
        brand="HP", model="EliteDisplay E243", colour="svart"),
    DemoListing(
        S, AS, "office_chair", "Kontorstoler, HÅG Capisco (8 stk.)", "8", GOOD, "Sørli rådhus", "network",
        "Sadelstoler som passer godt til hev/senk-bord. Fra servicetorget, som har fått nye stoler.",
        room="Servicetorget", brand="HÅG", model="Capisco", colour="svart"),
    DemoListing(
        S, AS, "desk", "Skrivebord, bøk, 160 cm (4 stk.)", "4", WORN, "Sørli rådhus", "partners",
        "Faste skrivebord med bøkfinér og hvitt understell. Merker etter bordskruer på kanten. Blir kastet "
        "ved ombyggingen hvis ingen henter dem.",
        room="Plankontoret, 2. etasje", colour="bøk", dimensions="160 × 80 cm", discarded=True, photos=1),
    DemoListing(
        S, VS, "grit_sand", "Strøsand, 5 tonn", "5", GOOD, "Sørli depot", "withdrawn",
        "Strøsand 0–8 mm fra vinterlageret. (Trukket: vi trenger den likevel selv.)"),
    DemoListing(
        S, VS, "pupil_desk", "Elevpulter med stoler (24 sett)", "24", GOOD, "Sørli skole", "network",
        "Pulter med hvit laminatplate og justerbar høyde (64–76 cm), med en elevstol til hver. Fra 7. trinn, "
        "som flytter inn i nye lokaler.",
        room="Klasserom 7A", colour="hvit", dimensions="70 × 50 cm", photos=3, until=40, available=5),
    DemoListing(
        S, VS, "whiteboard", "Tavler, whiteboard på hjul (2 stk.)", "2", GOOD, "Sørli skole", "today",
        "Dobbeltsidige whiteboards på hjul med bremser. Lette å flytte mellom rom.",
        room="Grupperommene", colour="hvit", dimensions="150 × 100 cm"),
    DemoListing(
        S, VS, "sofa", "Sofa fra personalrommet, blå", "1", WORN, "Sørli skole", "partners",
        "To-seters sofa. Slitt, men ren. Må hentes før personalrommet pusses opp.",
        room="Personalrommet", colour="blå", dimensions="B 160 × D 85 cm", until=12),
    DemoListing(
        S, AS, "pedestal", "Skuffeseksjoner, grå (5 stk.)", "5", GOOD, "Sørli rådhus", "draft",
        "Skuffeseksjoner på hjul med tre skuffer.",
        colour="grå", photos=0),
    DemoListing(
        S, VS, "projector", "Prosjektorer, Epson EB-X41 (3 stk.)", "3", WORN, "Sørli skole", "network",
        "Enkle prosjektorer (XGA). Alle virker, men lampen bør snart byttes på én av dem.",
        room="IKT-lageret", brand="Epson", model="EB-X41", colour="hvit", photos=1),
    DemoListing(
        S, AS, "mfp", "Multifunksjonsmaskin, Canon imageRUNNER ADVANCE", "1", REPAIR, "Sørli rådhus",
        "withdrawn",
        "Papirtrekket i skuff 2 gir stans. Harddisken må slettes før maskinen kan gis bort.",
        room="Kopirommet", brand="Canon", model="imageRUNNER ADVANCE C5535i", colour="hvit", photos=1),
    DemoListing(
        S, VS, "other_ict", "Interaktive skjermer, 65 tommer (2 stk.)", "2", GOOD, "Sørli kulturhus",
        "network",
        "Berøringsskjermer på hjulstativ, fra møterommene. Den innebygde Android-enheten er tilbakestilt, og "
        "sertifikatet er registrert. Ta med varebil: de veier 45 kg hver.",
        room="Møterommene, 2. etasje", brand="SMART", model="Board 6065", erased=True),
    DemoListing(
        S, VS, "bookshelf", "Lagerreoler i galvanisert stål (6 stk.)", "6", WORN, "Sørli depot", "expired",
        "Kraftige lagerreoler med fem hyller, 150 kg bæreevne per hylle. Noe rust på bena.",
        room="Kaldlageret", colour="stål", dimensions="B 120 × D 50 × H 200 cm"),
    DemoListing(
        S, AS, "docking_station", "Dokkingstasjoner, HP USB-C (12 stk.)", "12", GOOD, "Sørli rådhus",
        "network",
        "Passer til de fleste PC-er med USB-C, også ThinkPad-ene over. Med strømadapter.",
        brand="HP", model="USB-C Dock G5", colour="svart", photos=1),
    DemoListing(
        S, VS, "mouse", "Mus, trådløse (25 stk.)", "25", GOOD, "Sørli skole", "today",
        "Trådløse mus med USB-mottaker, fra datarommet. Uten batterier.",
        room="Datarommet", brand="Logitech", model="M185", colour="grå", photos=1),
]

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
        several = category.unit is MeasureUnit.PIECE and Decimal(listing.quantity) > 1
        for view in _photo_views(listing.photos, several):
            data = demo_photos.render(category.slug, group=category.group.value, colour=listing.colour,
                                      seed=f"{listing.municipality}|{listing.title}", view=view,
                                      several=several)
            listings.upload_photo(actor, data, item=item, alt_text=_alt_text(listing.title, view, several))
        if listing.erased:
            listings.record_erasure(actor, item, _certificate(listing, created), now=created)
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
                listings.record_erasure(giver, item, _certificate_for(title, published), now=published)
            listings.publish_item(giver, item, now=published)
            receiver = rng.choice([r for r in receivers if r.municipality != giver.municipality])
            # Partners see a listing only after the network's turn and their own further delay.
            asked = published + timedelta(days=18 if receiver.municipality is None else 4, hours=2)
            reservation = reservations.reserve(receiver, item.id, quantity, would_buy_new=rng.choice(answers),
                                               now=asked)
            reservations.approve(giver, reservation, now=asked + timedelta(hours=20))
            reservations.collect(giver, reservation, now=asked + timedelta(days=rng.randint(2, 6)))
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
    """Reservations in every state on the listings everyone can see today."""
    school = {slug: accounts.find_user_by_email(f"skole@{slug}.example") for slug, *_ in MUNICIPALITIES}
    shared = list(db.session.scalars(select(Item).where(
        Item.status == ItemStatus.PUBLISHED, Item.network_visible_at <= now - timedelta(days=1),
        Item.quantity_available >= 4).order_by(Item.published_at)))
    plans = ["requested", "approved", "rejected", "cancelled", "expired", "requested"]
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
            reservations.approve(giver, reservation, pickup_at=now + timedelta(days=3, hours=2), now=now)
            reservations.add_message(asker, reservation, "Vi kommer med varebil, to personer.")
        elif state == "rejected":
            reservations.reject(giver, reservation, "Dessverre lovet bort til en annen enhet i kommunen.", now=now)
        elif state == "cancelled":
            reservations.cancel(asker, reservation, "Vi fant det vi trengte i egen kommune.", now=now)
    reservations.expire_reservations(now)


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

    if with_listings:
        now = utcnow()
        _load_listings(progress, now=now)
        _load_reservations(progress, now=now)
        _load_wanted(now)
    return logins


def _load_wanted(now: datetime) -> None:
    """A few wanted notices and needs (the reuse-first check), once: one met by reuse, one bought new against
    a returned laptop (the caretaker registers the laptop from the need's page), one still open."""
    from marketplace.reservations.models import ReservationStatus
    from marketplace.wanted import services as wanted
    from marketplace.wanted.models import WantedNotice

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

