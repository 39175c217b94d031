"""The ICT fleet in the API (issue #21): supplier data on an item (purchase date, user group, own footprint
with its source, erasure certificate), repairs, the fleet's rows and "do we have enough?"; nothing of it
reaches another municipality."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.i18n import oslo_date
from marketplace.inventory import fleet
from marketplace.inventory.models import ItemRepair
from marketplace.listings.models import Item
from tests.api.conftest import error_code, fields
from tests.conftest import fresh
from tests.factories import jpeg_bytes
from tests.inventory.test_fleet import PDF, build_fleet

LAPTOPS = {"title": "Elev-PC-er", "category": "laptop", "condition": "good", "quantity": 30, "status": "in_use",
           "asset_tag": "A-900", "serial_number": "PF-123", "purchased_on": "2024-08-01", "user_group": "pupils",
           "kgco2e_new": "310.5", "figures_source": "Leverandørens PCF, 2024"}


@pytest.fixture
def built(setup):
    return build_fleet(setup)


def test_supplier_data_is_sent_with_the_item_and_changed_by_patch(api, setup):
    response = api.post("/items", "caretaker_a", json=LAPTOPS)
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert (item["purchased_on"], item["user_group"], item["kgco2e_new"], item["figures_source"]) == (
        "2024-08-01", "pupils", "310.5", "Leverandørens PCF, 2024")
    assert item["erasure_certificate"] is False
    changed = api.patch(f"/items/{item['id']}", "caretaker_a", json={"user_group": "staff"}).get_json()
    assert (changed["user_group"], changed["purchased_on"]) == ("staff", "2024-08-01")  # only what is sent
    cleared = api.patch(f"/items/{item['id']}", "caretaker_a", json={"purchased_on": None}).get_json()
    assert (cleared["user_group"], cleared["purchased_on"]) == ("staff", None)
    fresh()
    actions = [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
               if (event.details or {}).get("item_id") == item["id"]]
    assert actions.count("fleet_details_changed") == 3


@pytest.mark.parametrize(("body", "field"), [
    ({"user_group": "teachers"}, "user_group"),
    ({"purchased_on": "2099-01-01"}, "purchased_on"),
    ({"purchased_on": "1.8.2024"}, "purchased_on"),
])
def test_bad_supplier_data_is_422_naming_the_field_and_changes_nothing(api, setup, body, field):
    item_id = api.post("/items", "caretaker_a", json=LAPTOPS).get_json()["id"]
    response = api.patch(f"/items/{item_id}", "caretaker_a", json=body | {"title": "Endret"})
    assert response.status_code == 422 and field in fields(response)
    fresh()
    item = db.session.get(Item, item_id)
    assert (item.title, item.purchased_on, item.user_group.value) == ("Elev-PC-er", date(2024, 8, 1), "pupils")


def test_the_erasure_certificate_is_uploaded_by_the_items_keepers(api, setup):
    item_id = api.post("/items", "caretaker_a", json=LAPTOPS).get_json()["id"]
    assert api.post(f"/items/{item_id}/erasure", "member_a", data={"file": (io.BytesIO(PDF), "c.pdf")},
                    content_type="multipart/form-data").status_code == 403
    assert api.post(f"/items/{item_id}/erasure", "caretaker_b", data={"file": (io.BytesIO(PDF), "c.pdf")},
                    content_type="multipart/form-data").status_code == 404
    missing = api.post(f"/items/{item_id}/erasure", "caretaker_a", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "file" in fields(missing)
    assert api.post(f"/items/{item_id}/erasure", "caretaker_a", json={}).status_code == 415
    junk = api.post(f"/items/{item_id}/erasure", "caretaker_a", data={"file": (io.BytesIO(b"not a pdf"), "c.txt")},
                    content_type="multipart/form-data")
    assert junk.status_code == 422 and error_code(junk) == "validation_failed"
    photo = api.post(f"/items/{item_id}/erasure", "caretaker_a", data={"file": (io.BytesIO(jpeg_bytes()), "c.jpg")},
                     content_type="multipart/form-data")
    assert photo.status_code == 200, photo.get_json()
    assert photo.get_json()["erasure_recorded"] is True and photo.get_json()["erasure_certificate"] is True
    chairs = api.post("/items", "caretaker_a", json={"title": "Stoler", "category": "office_chair",
                                                     "condition": "good", "quantity": 2}).get_json()["id"]
    no_data = api.post(f"/items/{chairs}/erasure", "caretaker_a", data={"file": (io.BytesIO(PDF), "c.pdf")},
                       content_type="multipart/form-data")
    assert no_data.status_code == 422


def test_repairs_are_recorded_and_listed_for_the_own_municipality_only(api, built):
    item_id = built.tagged.id
    response = api.post(f"/items/{item_id}/repairs", "caretaker_a",
                        json={"repaired_on": "2026-11-30", "description": "Nytt batteri", "cost_nok": "890"})
    assert response.status_code == 201, response.get_json()
    repair = response.get_json()
    assert (repair["item_id"], repair["repaired_on"], repair["cost_nok"], repair["recorded_by"]) == (
        item_id, "2026-11-30", "890.00", "Caretaker")
    listed = api.get(f"/items/{item_id}/repairs", "member_a")
    assert listed.status_code == 200 and [each["id"] for each in listed.get_json()["repairs"]] == [repair["id"]]
    for outsider in ("member_b", "caretaker_b", "member_c", "partner_user"):
        assert api.get(f"/items/{item_id}/repairs", outsider).status_code == 404, outsider
        assert api.post(f"/items/{item_id}/repairs", outsider, json={"repaired_on": "2026-11-30",
                                                                     "description": "x"}).status_code == 404
    assert api.post(f"/items/{item_id}/repairs", "member_a", json={"repaired_on": "2026-11-30",
                                                                   "description": "x"}).status_code == 403
    on_market = api.post(f"/items/{built.surplus.id}/repairs", "caretaker_a",
                         json={"repaired_on": "2026-11-30", "description": "x"})
    assert on_market.status_code == 409


@pytest.mark.parametrize(("body", "field"), [
    ({"description": "Nytt batteri"}, "repaired_on"),
    ({"repaired_on": "2026-11-30"}, "description"),
    ({"repaired_on": "2026-11-30", "description": ""}, "description"),
    ({"repaired_on": "2026-11-30", "description": "x", "cost_nok": "-1"}, "cost_nok"),
    ({"repaired_on": "2026-11-30", "description": "x", "cost_nok": "1.005"}, "cost_nok"),
    ({"repaired_on": "2099-11-30", "description": "x"}, "repaired_on"),
    ({"repaired_on": "2026-11-30", "description": "x", "who": "me"}, "who"),
])
def test_a_bad_repair_is_422_naming_the_field_and_records_nothing(api, built, body, field):
    response = api.post(f"/items/{built.tagged.id}/repairs", "caretaker_a", json=body)
    assert response.status_code == 422 and field in fields(response), response.get_json()
    fresh()
    assert db.session.scalar(select(ItemRepair.id)) is None


def test_the_fleet_lists_the_own_devices_only(api, built):
    response = api.get("/inventory/ict?per_page=2", "member_a")
    body = response.get_json()
    assert response.status_code == 200 and body["total"] == 6 and len(body["devices"]) == 2
    first = body["devices"][0]
    assert (first["asset_tag"], first["serial_number"], first["user_group"], first["kgco2e_new"],
            first["erasure_certificate"], first["repairs"]) == ("A-001", "SN-1", "pupils", "250", True, 0)
    assert first["age_years"] == str(fleet.age_years(date(2023, 8, 15), oslo_date(utcnow())))
    assert [device["asset_tag"] for device in api.get("/inventory/ict?user_group=staff", "member_a")
            .get_json()["devices"]] == ["A-200"]
    assert api.get("/inventory/ict?page=9", "member_a").get_json()["devices"] == []
    assert [device["asset_tag"] for device in api.get("/inventory/ict", "caretaker_b").get_json()["devices"]] == [
        "B-001"]
    assert api.get("/inventory/ict", "member_c").get_json()["total"] == 0
    assert api.get("/inventory/ict", "partner_user").status_code == 403
    for query, field in [("category=office_chair", "category"), ("user_group=x", "user_group"),
                         ("status=published", "status")]:
        wrong = api.get("/inventory/ict?" + query, "member_a")
        assert wrong.status_code == 400 and field in fields(wrong), query


def test_enough_answers_as_a_bare_object(api, built):
    response = api.get("/inventory/ict/enough?category=laptop&quantity=30&user_group=pupils", "member_a")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert {key: answer[key] for key in ("own_surplus", "for_repair", "network", "in_use_elsewhere", "available",
                                         "missing", "enough")} == {
        "own_surplus": "4", "for_repair": "3", "network": "6", "in_use_elsewhere": "5", "available": "13",
        "missing": "17", "enough": False}
    assert answer["need_url"].endswith("/needs/new?category=laptop&quantity=17")
    assert api.get("/inventory/ict/enough?category=laptop&quantity=13", "member_a").get_json()["enough"] is True
    for query, status, field in [("category=office_chair&quantity=3", 400, "category"),
                                 ("quantity=3", 400, "category"), ("category=laptop", 400, "quantity"),
                                 ("category=laptop&quantity=0", 400, "quantity"),
                                 ("category=laptop&quantity=2.5", 422, "quantity"),
                                 ("category=laptop&quantity=3&user_group=all", 400, "user_group")]:
        wrong = api.get("/inventory/ict/enough?" + query, "member_a")
        assert wrong.status_code == status and field in fields(wrong), query
    assert api.get("/inventory/ict/enough?category=laptop&quantity=3", "partner_user").status_code == 403
