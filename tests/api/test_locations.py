"""Pickup locations and stores through the JSON API, and items standing at them."""

from marketplace.db import db
from marketplace.locations.models import Location
from tests.api.conftest import *  # noqa: F401,F403  (the api fixture and the region with tokens)
from tests.api.conftest import error_code
from tests.conftest import fresh
from tests.factories import make_item, make_location

STORE = {"name": "Ombrukslageret", "kind": "store", "address": "Lagervegen 4, 9990 A",
         "opening_hours": "Tir 12–15", "contact": "Kari", "access_notes": "Rampe bak"}
ITEM = {"title": "Stablestoler", "category": "stackable_chair", "condition": "good", "quantity": 4}


def test_an_administrator_creates_and_changes_locations_that_members_list(api):
    created = api.post("/locations", "admin_a", json=STORE)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["kind"] == "store" and body["municipality"]["slug"] == "kommune-a" and not body["archived"]
    assert body["map_url"] == "https://www.openstreetmap.org/search?query=Lagervegen+4%2C+9990+A"
    listed = api.get("/locations", "member_a").get_json()["locations"]
    assert [location["id"] for location in listed] == [body["id"]]
    assert set(listed[0]) >= {"id", "name", "kind", "address", "opening_hours", "contact", "access_notes",
                              "municipality"}
    assert api.get("/locations", "member_b").get_json() == {"locations": []}
    changed = api.patch(f"/locations/{body['id']}", "admin_a", json={"opening_hours": "Ons 9–11"})
    assert changed.status_code == 200 and changed.get_json()["opening_hours"] == "Ons 9–11"
    assert changed.get_json()["address"] == STORE["address"]
    archived = api.patch(f"/locations/{body['id']}", "admin_a", json={"archived": True})
    assert archived.get_json()["archived"] is True
    assert api.get("/locations", "member_a").get_json() == {"locations": []}


def test_locations_are_changed_only_by_their_municipalitys_administrators(api, setup):
    store = make_location(setup.admin_a, setup.a, "Lager")
    db.session.commit()
    assert api.post("/locations", "caretaker_a", json=STORE).status_code == 403
    assert api.post("/locations", "partner_user", json=STORE).status_code == 403
    assert api.post("/locations", json=STORE).status_code == 401
    assert api.patch(f"/locations/{store.id}", "caretaker_a", json={"name": "X"}).status_code == 403
    for outsider in ("caretaker_b", "member_c", "partner_user", "network_admin"):
        assert api.patch(f"/locations/{store.id}", outsider, json={"name": "X"}).status_code == 404, outsider
    assert api.patch("/locations/999999", "admin_a", json={"name": "X"}).status_code == 404
    fresh()
    assert db.session.get(Location, store.id).name == "Lager"


def test_bad_locations_are_refused_and_change_nothing(api, setup):
    make_location(setup.admin_a, setup.a, "Lager")
    db.session.commit()
    for bad in ({**STORE, "kind": "castle"}, {**STORE, "name": ""}, {**STORE, "name": "LAGER"},
                {**STORE, "colour": "red"}, {**STORE, "address": "x" * 301}, {"kind": "store"}):
        answer = api.post("/locations", "admin_a", json=bad)
        assert answer.status_code == 422, bad
        assert error_code(answer) == "validation_failed"
    store_id = db.session.query(Location.id).scalar()
    for bad in ({"archived": "yes"}, {"name": "   "}, {"kind": "depot"}):
        assert api.patch(f"/locations/{store_id}", "admin_a", json=bad).status_code == 422, bad
    assert api.post("/locations", "admin_a", data="{", content_type="application/json").status_code == 400
    fresh()
    assert db.session.query(Location).count() == 1


def test_items_carry_their_location_and_refuse_another_municipalitys(api, setup):
    store = make_location(setup.admin_a, setup.a, "Lager", address="Lagervegen 4")
    archived = make_location(setup.admin_a, setup.a, "Gammelt")
    from marketplace.locations import services as locations
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    locations.set_location_archived(setup.admin_a, archived, True)
    b_store = make_location(make_user("admin@b.example", Role.MUNICIPAL_ADMIN, setup.b), setup.b, "B-lager")
    db.session.commit()
    created = api.post("/items", "caretaker_a", json={**ITEM, "location_id": store.id})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["location_id"] == store.id and body["location"]["name"] == "Lager"
    assert body["location"]["address"] == "Lagervegen 4"
    for wrong in (b_store.id, archived.id, 999999):
        answer = api.post("/items", "caretaker_a", json={**ITEM, "location_id": wrong})
        assert answer.status_code == 422, wrong
        assert api.patch(f"/items/{body['id']}", "caretaker_a", json={"location_id": wrong}).status_code == 422
    moved = api.patch(f"/items/{body['id']}", "caretaker_a", json={"location_id": None})
    assert moved.status_code == 200 and moved.get_json()["location"] is None
    api.patch(f"/items/{body['id']}", "caretaker_a", json={"location_id": store.id})
    found = api.get(f"/items?location={store.id}", "member_a").get_json()
    assert [item["id"] for item in found["items"]] == [body["id"]]
    assert api.get(f"/items?location={store.id}", "member_c").get_json()["total"] == 0
    assert api.get("/items?location=abc", "member_a").status_code == 400
    other = make_item(setup.caretaker_a, title="Uten sted")
    db.session.commit()
    assert api.get(f"/items/{other.id}", "member_a").get_json()["location"] is None
