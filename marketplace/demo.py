"""The demo region: the fictional network "Dulten-regionen" with Dulten, Nordvik and Sørli kommune.

Loading is idempotent: whatever already exists is kept, whatever is missing is created through the same
services the app uses. Every demo address ends in `.example`, and every demo user has the same password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.db import db
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Municipality, PartnerOrganisation, UnitKind

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


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    where: str


def load(progress: Callable[[str], object] = lambda _message: None) -> list[DemoLogin]:
    """Create whatever of the demo region is missing; return the demo logins."""
    progress("[1/3] Network, municipalities and units")
    network = organisations.find_network(NETWORK[0]) or organisations.create_network(*NETWORK)
    for slug, name, org_number, units in MUNICIPALITIES:
        municipality = organisations.find_municipality(slug) or organisations.create_organisation(
            Municipality, slug, name, networks=[network], org_number=org_number
        )
        existing = {unit.name for unit in municipality.units}
        for unit_name, kind, address in units:
            if unit_name not in existing:
                organisations.create_unit(municipality, unit_name, kind, address)

    progress("[2/3] Partner organisations")
    for slug, name in PARTNERS:
        if organisations.find_organisation(slug) is None:
            organisations.create_organisation(PartnerOrganisation, slug, name, networks=[network])

    progress(f"[3/3] Users ({len(USERS)})")
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
    return logins

