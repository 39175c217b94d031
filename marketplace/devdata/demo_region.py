"""The demo region's organisations, people and places: Dulten-regionen, with Dulten, Nordvik and Sørli
kommune.

Every address ends in `.example`, and every demo user has the same password (``PASSWORD``, published in the
README): never load the demo on a production database.
"""

from marketplace.accounts.models import Role
from marketplace.organisations.models import UnitKind

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
    ("lager@dulten.example", "Sindre Aas", Role.STORE_KEEPER, "dulten", "Driftsdepotet Dulten"),
    ("transport@dulten.example", "Hanne Vik", Role.TRANSPORT_COORDINATOR, "dulten", "Driftsdepotet Dulten"),
    ("admin@nordvik.example", "Per Johansen", Role.MUNICIPAL_ADMIN, "nordvik", "Nordvik rådhus"),
    ("vaktmester@nordvik.example", "Ahmed Hassan", Role.CARETAKER, "nordvik", "Nordvik driftsdepot"),
    ("skole@nordvik.example", "Marte Solberg", Role.MEMBER, "nordvik", "Nordvik skole"),
    ("transport@nordvik.example", "Rune Kvam", Role.TRANSPORT_COORDINATOR, "nordvik", "Nordvik driftsdepot"),
    ("lager@nordvik.example", "Eirik Lund", Role.STORE_KEEPER, "nordvik", "Nordvik driftsdepot"),
    ("admin@sorli.example", "Lena Dahl", Role.MUNICIPAL_ADMIN, "sorli", "Sørli rådhus"),
    ("vaktmester@sorli.example", "Jonas Moen", Role.CARETAKER, "sorli", "Sørli depot"),
    ("skole@sorli.example", "Emma Strand", Role.MEMBER, "sorli", "Sørli skole"),
    ("transport@sorli.example", "Elin Fjeld", Role.TRANSPORT_COORDINATOR, "sorli", "Sørli depot"),
    ("lager@sorli.example", "Mona Berge", Role.STORE_KEEPER, "sorli", "Sørli depot"),
    ("frivillig@dulten-frivilligsentral.example", "Aud Hansen", Role.MEMBER, "dulten-frivilligsentral", None),
    ("nettverk@dulten-regionen.example", "Tone Eriksen", Role.NETWORK_ADMIN, None, None),
    ("drift@ombruksmarkedet.example", "Nils Bakke", Role.SITE_ADMIN, None, None),
]

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
