"""Test data made through the real services, so the rules that guard production data guard test data too."""

from __future__ import annotations

from types import SimpleNamespace

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Municipality, PartnerOrganisation, UnitKind
from tests.conftest import TEST_PASSWORD


def make_user(email, role=Role.MEMBER, organisation=None, unit=None, network=None, name=None, password=TEST_PASSWORD):
    return accounts.create_user(
        email=email, name=name or email.split("@")[0].title(), password=password, role=role,
        organisation=organisation, unit=unit, network=network,
    )


def build_region() -> SimpleNamespace:
    """Network "vest" with municipalities A and B and a partner; municipality C in another network "nord"."""
    vest = organisations.create_network("vest", "Vest-nettverket")
    nord = organisations.create_network("nord", "Nord-nettverket")
    a = organisations.create_organisation(Municipality, "kommune-a", "A kommune", networks=[vest])
    b = organisations.create_organisation(Municipality, "kommune-b", "B kommune", networks=[vest])
    c = organisations.create_organisation(Municipality, "kommune-c", "C kommune", networks=[nord])
    partner = organisations.create_organisation(PartnerOrganisation, "hjelpen", "Hjelpen", networks=[vest])
    school_a = organisations.create_unit(a, "A skole", UnitKind.SCHOOL)
    depot_a = organisations.create_unit(a, "A depot", UnitKind.DEPOT)
    school_b = organisations.create_unit(b, "B skole", UnitKind.SCHOOL)
    school_c = organisations.create_unit(c, "C skole", UnitKind.SCHOOL)
    return SimpleNamespace(
        vest=vest, nord=nord, a=a, b=b, c=c, partner=partner,
        school_a=school_a, depot_a=depot_a, school_b=school_b, school_c=school_c,
        member_a=make_user("member@a.example", Role.MEMBER, a, school_a),
        caretaker_a=make_user("caretaker@a.example", Role.CARETAKER, a, depot_a),
        admin_a=make_user("admin@a.example", Role.MUNICIPAL_ADMIN, a),
        store_keeper_a=make_user("store@a.example", Role.STORE_KEEPER, a, depot_a),
        transport_a=make_user("transport@a.example", Role.TRANSPORT_COORDINATOR, a, depot_a),
        member_b=make_user("member@b.example", Role.MEMBER, b, school_b),
        caretaker_b=make_user("caretaker@b.example", Role.CARETAKER, b, school_b),
        member_c=make_user("member@c.example", Role.MEMBER, c, school_c),
        partner_user=make_user("helper@hjelpen.example", Role.MEMBER, partner),
        network_admin=make_user("coordinator@vest.example", Role.NETWORK_ADMIN, network=vest),
        site_admin=make_user("root@site.example", Role.SITE_ADMIN),
    )


def install_catalogue():
    from marketplace.impact.services import install_default_factors

    return install_default_factors()


def category(slug):
    from sqlalchemy import select

    from marketplace.db import db
    from marketplace.listings.models import Category

    return db.session.scalar(select(Category).where(Category.slug == slug))


def item_input(slug="office_chair", **fields):
    from decimal import Decimal

    from marketplace.listings.models import Condition
    from marketplace.listings.services import ItemInput

    values = {"title": "Kontorstoler, grå", "category": category(slug), "condition": Condition.GOOD,
              "quantity": Decimal("10")}
    values.update(fields)
    return ItemInput(**values)


def make_item(actor, slug="office_chair", publish=True, now=None, **fields):
    from marketplace.listings import services

    return services.create_item(actor, item_input(slug, **fields), publish=publish, now=now)


def jpeg_bytes(width=800, height=600, colour=(40, 120, 90), gps=False) -> bytes:
    """A real JPEG made with Pillow; with ``gps`` it carries an EXIF GPS position, as phone photos do."""
    import io

    from PIL import Image

    image = Image.new("RGB", (width, height), colour)
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"
        exif.get_ifd(0x8825).update({1: "N", 2: (59.0, 54.0, 41.0), 3: "E", 4: (10.0, 45.0, 8.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes() if gps else b"")
    return buffer.getvalue()


def find_user(email):
    from marketplace.accounts.services import find_user_by_email

    return find_user_by_email(email)


def make_location(actor, municipality, name, kind="store", **fields):
    """A pickup location or store made by ``actor`` (a municipal administrator) through the service."""
    from marketplace.locations import services
    from marketplace.locations.models import LocationKind

    return services.create_location(actor, municipality, services.LocationInput(
        name=name, kind=LocationKind(kind), **fields))
