"""Building projects in the API: start one, add needs room by room, see what could cover them (own inventory
before the network), assign inventory (moved and split) or a listing (reserved), buy the rest new, and the
progress figures; nobody outside the municipality sees a project."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.db import db, utcnow
from marketplace.inventory import services as inventory
from tests.api.conftest import error_code, fields
from tests.factories import item_input, make_item


@pytest.fixture
def stock(setup):
    setup.old_chairs = inventory.register(setup.caretaker_a, item_input(
        title="Kontorstoler, gamle skolen", quantity=Decimal(12), building="Gamle skolen", room="101"),
        now=setup.long_ago)
    setup.network_chairs = make_item(setup.caretaker_b, title="Kontorstoler fra B", quantity=Decimal(6),
                                     now=setup.long_ago)
    db.session.commit()
    return setup


def due() -> str:
    return str((utcnow() + timedelta(days=60)).date())


def test_a_project_is_furnished_from_own_inventory_then_the_network_then_new(api, stock):
    assert api.post("/projects", "caretaker_a", json={"name": "Bibliotek"}).status_code == 403
    response = api.post("/projects", "admin_a", json={"name": "Nytt bibliotek", "due": due(),
                                                      "building": "Dulten bibliotek"})
    assert response.status_code == 201, response.get_json()
    project = response.get_json()
    assert (project["name"], project["needs"], project["needs_total"], project["share_reused"]) == (
        "Nytt bibliotek", [], "0", None)
    path = f"/projects/{project['id']}"
    need = api.post(f"{path}/needs", "caretaker_a", json={"category": "office_chair", "quantity": 20,
                                                         "room": "Lesesal"})
    assert need.status_code == 201, need.get_json()
    need = need.get_json()
    assert [m["id"] for m in need["matches"]["own_inventory"]] == [stock.old_chairs.id]
    assert [m["id"] for m in need["matches"]["network"]] == [stock.network_chairs.id]
    assert need["matches"]["own_inventory"][0]["place"] == "Gamle skolen, 101"
    assign = f"{path}/needs/{need['id']}/assign"
    placed = api.post(assign, "caretaker_a", json={"item_id": stock.old_chairs.id, "quantity": 10})
    assert placed.status_code == 201, placed.get_json()
    placed = placed.get_json()
    assert placed["kind"] == "placement" and placed["item_id"] != stock.old_chairs.id and placed["reuse_event_id"]
    reserved = api.post(assign, "caretaker_a", json={"item_id": stock.network_chairs.id, "quantity": 6}).get_json()
    assert reserved["kind"] == "reservation" and reserved["need"]["amounts"]["covered_network"] == "6"
    too_many = api.post(assign, "caretaker_a", json={"item_id": stock.old_chairs.id, "quantity": 3})
    assert too_many.status_code == 422 and "quantity" in fields(too_many)
    assert api.post(f"{path}/needs/{need['id']}/buy-new", "caretaker_a", json={"reason": "bogus"}).status_code == 422
    decided = api.post(f"{path}/needs/{need['id']}/buy-new", "caretaker_a", json={"reason": "deadline"})
    assert decided.status_code == 200 and decided.get_json()["outcome"] == "partly_reused"
    figures = api.get(path, "member_a").get_json()
    assert (figures["needs_total"], figures["covered_inventory"], figures["covered_network"],
            figures["bought_new"], figures["share_reused"]) == ("20", "10", "6", "4", 0.8)
    assert figures["needs"][0]["matches"] is None and Decimal(figures["co2e_kg"]) > 0
    assert api.get(f"/needs/{need['id']}", "member_a").get_json()["reused_quantity"] == "16"
    listed = api.get("/projects", "member_a").get_json()
    assert listed["total"] == 1 and listed["projects"][0]["share_reused"] == 0.8
    assert api.post(assign, "caretaker_a", json={"item_id": stock.old_chairs.id, "quantity": 1}).status_code == 409


def test_other_units_are_listed_apart_and_never_added_to_pieces(api, stock):
    project = api.post("/projects", "admin_a", json={"name": "Skolegård", "due": due()}).get_json()
    for body in ({"category": "grit_sand", "quantity": "1.5"}, {"category": "office_chair", "quantity": 4}):
        assert api.post(f"/projects/{project['id']}/needs", "admin_a", json=body).status_code == 201
    figures = api.get(f"/projects/{project['id']}", "admin_a").get_json()
    assert figures["needs_total"] == "4"
    assert [(row["unit"], row["needs_total"]) for row in figures["other_units"]] == [("tonne", "1.5")]


def test_nobody_outside_the_municipality_sees_or_changes_a_project(api, stock):
    project = api.post("/projects", "admin_a", json={"name": "Nytt bibliotek", "due": due()}).get_json()
    need = api.post(f"/projects/{project['id']}/needs", "admin_a",
                    json={"category": "office_chair", "quantity": 2}).get_json()
    for who in ("member_b", "caretaker_b", "partner_user", "network_admin"):
        assert api.get(f"/projects/{project['id']}", who).status_code == 404, who
        assert api.get("/projects", who).get_json()["total"] == 0
        assert api.post(f"/projects/{project['id']}/needs/{need['id']}/assign", who,
                        json={"item_id": stock.old_chairs.id, "quantity": 1}).status_code == 404
    assert error_code(api.post(f"/projects/{project['id']}/needs", "member_a",
                               json={"category": "office_chair", "quantity": 1})) == "forbidden"
    bad = api.post("/projects", "admin_a", json={"name": "X", "site_id": 999999})
    assert bad.status_code == 422 and list(fields(bad)) == ["site_id"]
