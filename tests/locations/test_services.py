"""Pickup locations and stores: created, changed, archived and restored by a municipality's administrators,
unique by name within it, and where items stand."""

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.listings import services as listings
from marketplace.listings.models import Item
from marketplace.locations import services
from marketplace.locations.models import LocationKind
from marketplace.locations.permissions import can_manage_locations, can_run_store
from marketplace.search import services as search
from tests.factories import item_input, make_item, make_location


def actions():
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_create_change_archive_and_restore_are_audited(region):
    store = make_location(region.admin_a, region.a, "  Ombrukslageret ", address="Lagervegen 4",
                          opening_hours="Tir 12–15", contact="Kari, 900 00 000", access_notes="Rampe bak")
    assert store.name == "Ombrukslageret" and store.kind == LocationKind.STORE and store.municipality == region.a
    services.update_location(region.admin_a, store, services.LocationInput(
        name="Ombrukslageret", kind=LocationKind.STORE, address="Lagervegen 6"))
    assert store.address == "Lagervegen 6" and store.contact == ""
    services.set_location_archived(region.admin_a, store, True)
    assert store.archived_at is not None
    assert services.visible_locations(region.member_a) == []
    services.set_location_archived(region.admin_a, store, False)
    assert services.visible_locations(region.member_a) == [store]
    assert actions() == ["location_created", "location_changed", "location_archived", "location_restored"]
    changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "location_changed")).one()
    assert changed.details["previous"]["location_address"] == "Lagervegen 4"


def test_names_are_unique_within_a_municipality_whatever_the_case(region):
    first = make_location(region.admin_a, region.a, "Hentested Sentrum", "pickup")
    with pytest.raises(services.LocationError) as refused:
        make_location(region.admin_a, region.a, "hentested sentrum", "store")
    assert "name" in refused.value.errors
    other = make_location(region.admin_a, region.a, "Lager")
    with pytest.raises(services.LocationError):
        services.update_location(region.admin_a, other, services.LocationInput(name="HENTESTED SENTRUM",
                                                                               kind=LocationKind.STORE))
    assert make_location(find_admin_b(region), region.b, "Hentested Sentrum", "pickup").municipality == region.b
    assert first.name == "Hentested Sentrum"


def find_admin_b(region):
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    return make_user("admin@b.example", Role.MUNICIPAL_ADMIN, region.b)


@pytest.mark.parametrize("bad", [{"name": "   "}, {"name": "x" * 201}, {"address": "x" * 301},
                                 {"access_notes": "x" * 2001}, {"kind": "castle"}])
def test_bad_input_is_refused_and_stores_nothing(region, bad):
    values = {"name": "Lager", "kind": "store"} | bad
    with pytest.raises(services.LocationError):
        services.create_location(region.admin_a, region.a, services.LocationInput(**values))
    assert services.locations_of(region.a) == []


def test_only_the_municipalitys_administrators_manage_its_locations(region):
    store = make_location(region.admin_a, region.a, "Lager")
    for user in (region.member_a, region.caretaker_a, region.store_keeper_a, region.caretaker_b):
        assert not can_manage_locations(user, region.a)
        with pytest.raises(Forbidden):
            make_location(user, region.a, "Annet lager")
        with pytest.raises(Forbidden):
            services.set_location_archived(user, store, True)
    with pytest.raises(Forbidden):  # its own people: refused
        services.find_location(region.store_keeper_a, store.id)
    with pytest.raises(NotVisible):  # another municipality's people: never told it exists
        services.find_location(region.caretaker_b, store.id)
    with pytest.raises(NotVisible):
        services.municipality_for_location_admin(region.caretaker_b, "kommune-a")
    with pytest.raises(Forbidden):
        services.municipality_for_location_admin(region.member_a, "kommune-a")
    assert services.find_location(region.admin_a, store.id) is store
    assert services.find_location(region.site_admin, store.id) is store


def test_who_runs_a_store(region):
    assert can_run_store(region.store_keeper_a, region.a) and can_run_store(region.caretaker_a, region.a)
    assert can_run_store(region.admin_a, region.a)
    assert not can_run_store(region.member_a, region.a) and not can_run_store(region.transport_a, region.a)
    assert not can_run_store(region.store_keeper_a, region.b) and not can_run_store(region.caretaker_b, region.a)


def test_visible_locations_are_the_own_municipalitys_active_ones(region):
    pickup = make_location(region.admin_a, region.a, "Porten", "pickup")
    store = make_location(region.admin_a, region.a, "Lager")
    assert services.visible_locations(region.member_a) == [pickup, store]
    assert services.visible_locations(region.member_b) == []
    assert services.visible_locations(region.partner_user) == []
    assert pickup in services.visible_locations(region.site_admin)


def test_the_location_choices_are_the_visible_locations_by_id_and_name(region):
    pickup = make_location(region.admin_a, region.a, "Porten", "pickup")
    make_location(region.admin_a, region.a, "Lager")
    archived = make_location(region.admin_a, region.a, "Gammelt lager")
    services.set_location_archived(region.admin_a, archived, True)
    make_location(find_admin_b(region), region.b, "B-lager")
    for user in (region.member_a, region.member_b, region.partner_user, region.site_admin, region.admin_a):
        choices = [(choice.id, choice.name) for choice in services.location_choices(user)]
        assert choices == [(location.id, location.name) for location in services.visible_locations(user)]
    assert [choice.name for choice in services.location_choices(region.member_a)] == ["Porten", "Lager"]
    assert pickup.id not in [choice.id for choice in services.location_choices(region.member_b)]


def test_an_item_stands_at_a_location_of_its_own_municipality(region, catalogue):
    store = make_location(region.admin_a, region.a, "Lager")
    archived = make_location(region.admin_a, region.a, "Gammelt lager")
    services.set_location_archived(region.admin_a, archived, True)
    make_location(find_admin_b(region), region.b, "B-lager")
    b_store = services.locations_of(region.b)[0]
    item = make_item(region.caretaker_a, location=store)
    assert item.location == store and item.location_since is not None
    for wrong in (b_store, archived):
        with pytest.raises(listings.ListingError) as refused:
            make_item(region.caretaker_a, location=wrong)
        assert "location" in refused.value.errors
        with pytest.raises(listings.ListingError):
            listings.update_item(region.caretaker_a, item, item_input(location=wrong))
    assert item.location == store
    # An item already standing at a location that is archived later keeps it when edited.
    services.set_location_archived(region.admin_a, store, True)
    listings.update_item(region.caretaker_a, item, item_input(location=store, title="Nye stoler"))
    assert item.location == store and item.title == "Nye stoler"
    listings.update_item(region.caretaker_a, item, item_input(location=None))
    assert item.location is None
    assert db.session.scalar(select(Item.location_id).where(Item.id == item.id)) is None


def test_search_filters_by_location_under_visibility(region, catalogue):
    pickup = make_location(region.admin_a, region.a, "Porten", "pickup")
    at_pickup = make_item(region.caretaker_a, title="Stoler ved porten", location=pickup)
    make_item(region.caretaker_a, title="Stoler på skolen")
    draft = make_item(region.caretaker_a, title="Utkast ved porten", location=pickup, publish=False)
    params = search.SearchParams.from_args(_args(location=str(pickup.id)))
    assert params.location == pickup.id and params.is_filtered
    assert [item.id for item in search.search(region.member_a, params).items] == [at_pickup.id]
    assert search.search(region.member_c, params).total == 0  # another network: nothing, not even a count
    assert draft.id not in [item.id for item in search.search(region.caretaker_a, params).items]
    nonsense = search.SearchParams.from_args(_args(location="abc"))
    assert nonsense.location is None and "location" in nonsense.ignored
    assert search.SearchParams.from_args(_args(**{k: str(v) for k, v in params.to_args().items()})).location == pickup.id


def _args(**values):
    from werkzeug.datastructures import MultiDict

    return MultiDict(values)


def test_the_import_takes_a_location_by_name(region, catalogue):
    from marketplace.listings import importer, spreadsheet

    store = make_location(region.admin_a, region.a, "Ombrukslageret")
    header = "tittel;kategori;tilstand;antall;sted\r\n"
    good = spreadsheet.parse((header + "Stoler;office_chair;god;4;ombrukslageret\r\nBord;desk;god;1;\r\n")
                             .encode(), "inventar.csv")
    report = importer.import_items(region.caretaker_a, region.a, good, publish=True)
    assert report.ok, report.errors
    assert [(item.title, item.location) for item in db.session.scalars(select(Item).order_by(Item.id))] == [
        ("Stoler", store), ("Bord", None)]
    bad = spreadsheet.parse((header + "Stoler;office_chair;god;4;B-lageret\r\n").encode(), "inventar.csv")
    refused = importer.import_items(region.caretaker_a, region.a, bad, publish=True)
    assert not refused.ok and [error.column for error in refused.errors] == ["sted"]  # as the file names it
