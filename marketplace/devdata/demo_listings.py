"""The demo listings: what the demo caretakers and admins put up, in every stage (``LISTINGS``)."""

from dataclasses import dataclass

from marketplace.listings.models import Condition

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
    building: str = ""  # default: the unit's, from demo_region.PLACES
    pickup: str = ""  # default: the unit's, from demo_region.PLACES
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
        D, VD, "pupil_desk_set", "Elevpulter med stoler (28 sett)", "28", WORN, "Dulten skole", "partners",
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
        D, VD, "ceiling_tile", "Himlingsplater, restparti (64,8 m²)", "64.8", AS_NEW,
        "Driftsdepotet Dulten", "partners",
        "Ubrukte himlingsplater i originalemballasje (9 pakker à 20 plater, 64,8 m²), til overs etter "
        "ombyggingen av Dulten skole. Lagret tørt.",
        room="Reolene ved port 3", brand="Ecophon", model="Focus A", colour="hvit",
        dimensions="60 × 60 cm, 20 mm"),
    DemoListing(
        D, VD, "topsoil", "Matjord fra skolegården (8 m³)", "8", GOOD, "Driftsdepotet Dulten", "today",
        "Matjord gravd opp da sandkassen ved Dulten skole ble flyttet. Fri for stein og røtter, ligger i "
        "ranke bak depotet. Passer til bed og plen.",
        room="Ranken bak saltlageret", pickup="Ta med henger; vi laster med hjullaster hverdager 07–14.",
        discarded=True, photos=1, until=30),
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
        N, VN, "table", "Lesebord fra Nordvik bibliotek (12 stk.)", "12", GOOD, "Nordvik bibliotek", "partners",
        "Lesebord i eik med stålben, fra lesesalen som bygges om. Noen riper i lakken, ellers fine. Dulten "
        "bibliotek har reservert fire til sitt nye bibliotek.",
        room="Lesesalen", colour="eik", dimensions="160 × 80 cm, høyde 72 cm"),
    DemoListing(
        N, VN, "stackable_chair", "Stablestoler fra Nordvik kulturhus (12 stk.)", "12", GOOD, "Nordvik bibliotek",
        "partners",
        "Stablestoler med polstret sete, fra salen i kulturhuset. Stables ti i høyden.",
        room="Salen", colour="mørkeblå"),
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
        N, VN, "paving_stone", "Belegningsstein, grå (12 m²)", "12", GOOD, "Nordvik driftsdepot",
        "partners",
        "Brukt belegningsstein fra torget, rengjort og stablet på to paller. Nok til rundt 12 m², om lag "
        "850 kg.",
        room="Pallene ved porten", colour="grå", dimensions="21 × 14 × 6 cm per stein", discarded=True),
    DemoListing(
        N, VN, "plasterboard", "Gipsplater, restparti (28,8 m²)", "28.8", AS_NEW, "Nordvik driftsdepot",
        "today",
        "Ubrukte gipsplater, til overs etter ombyggingen av helsehuset. Lagret tørt innendørs. Ti hele "
        "plater, 28,8 m².",
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
        S, VS, "structural_timber", "Konstruksjonsvirke 48 × 198 mm (1,6 m³)", "1.6", GOOD, "Sørli depot",
        "network",
        "Rett og tørt konstruksjonsvirke, demontert fra et lagertak uten råte. Spikerfritt og sortert på "
        "lengde (3,6–4,8 m). Om lag 1,6 m³.",
        room="Under tak ved porten", dimensions="48 × 198 mm, 3,6–4,8 m", colour="gran", photos=1, until=25),
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
        S, VS, "pupil_desk_set", "Elevpulter med stoler (24 sett)", "24", GOOD, "Sørli skole", "network",
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
