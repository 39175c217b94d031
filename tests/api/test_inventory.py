"""The inventory in the API (issue #21): registering an item in use, changing its status, offering it as surplus
with its history, the inventory's list; and that an item in use never shows outside its own municipality, by
any route: the item, lists and their totals, search and its facets, photos, labels, exports, alerts."""

from __future__ import annotations

import difflib
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.inventory import services as inventory
from marketplace.listings import services as listings
from marketplace.listings.models import Item, ItemStatus
from marketplace.notifications.models import Notification
from marketplace.reservations.models import Reservation
from marketplace.search import services as search
from marketplace.search import suggest
from tests.api.conftest import error_code, fields
from tests.conftest import fresh, login, without_csrf_tokens
from tests.factories import item_input, jpeg_bytes, make_item

IN_USE = {"title": "Elevpulter, høye", "category": "desk", "condition": "good", "quantity": 28,
          "status": "in_use", "building": "A skole", "floor": "2", "room": "204"}


def _audit_actions(item_id: int) -> list[str]:
    fresh()
    return [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if (event.details or {}).get("item_id") == item_id]


# --- Registering, status changes, offering as surplus -----------------------------------------------------

def test_a_caretaker_registers_an_item_in_use_where_it_stands(api, setup):
    response = api.post("/items", "caretaker_a", json=IN_USE)
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert (item["status"], item["building"], item["floor"], item["room"]) == ("in_use", "A skole", "2", "204")
    assert item["published_at"] is None and item["municipality"]["slug"] == "kommune-a"
    assert api.get(f"/items/{item['id']}", "member_a").get_json()["floor"] == "2"
    assert _audit_actions(item["id"]) == ["item_created", "inventory_registered"]
    for status in ("for_repair", "for_recycling"):
        assert api.post("/items", "admin_a", json=IN_USE | {"status": status}).get_json()["status"] == status


def test_the_floor_is_changed_like_building_and_room(api, setup):
    item_id = api.post("/items", "caretaker_a", json=IN_USE).get_json()["id"]
    changed = api.patch(f"/items/{item_id}", "caretaker_a", json={"floor": "U1", "room": "Lager"}).get_json()
    assert (changed["floor"], changed["room"], changed["building"], changed["status"]) == ("U1", "Lager", "A skole",
                                                                                          "in_use")
    assert api.patch(f"/items/{item_id}", "caretaker_a", json={"title": "Pulter"}).get_json()["floor"] == "U1"
    assert api.patch(f"/items/{item_id}", "caretaker_a", json={"floor": ""}).get_json()["floor"] == ""
    response = api.patch(f"/items/{item_id}", "caretaker_a", json={"floor": "x" * 41})
    assert response.status_code == 422 and "floor" in fields(response)
    listing = api.post("/items", "caretaker_a", json={**IN_USE, "status": "published", "floor": "3"}).get_json()
    assert listing["floor"] == "3" and listing["status"] == "published"


@pytest.mark.parametrize("who", ["member_a", "member_b", "partner_user", "network_admin"])
def test_only_caretakers_and_administrators_register(api, setup, who):
    response = api.post("/items", who, json=IN_USE)
    assert response.status_code == 403
    assert db.session.scalar(select(Item.id)) is None


@pytest.mark.parametrize("status", ["disposed", "withdrawn", "reserved", "IN_USE", ""])
def test_a_status_not_to_create_with_is_422_naming_it(api, setup, status):
    response = api.post("/items", "caretaker_a", json=IN_USE | {"status": status})
    assert response.status_code == 422 and "status" in fields(response)
    assert db.session.scalar(select(Item.id)) is None


@pytest.fixture
def desks(api, setup):
    """An item A has in use, and a listing of A's on the market."""
    setup.desks = api.post("/items", "caretaker_a", json=IN_USE).get_json()["id"]
    setup.listing = make_item(setup.caretaker_a, title="Kontorstoler til overs", now=setup.long_ago).id
    db.session.commit()
    return setup


def test_the_status_moves_between_the_inventory_statuses_with_reasons(api, desks):
    url = f"/items/{desks.desks}/status"
    response = api.post(url, "caretaker_a", json={"status": "for_repair", "reason": "Løse bein"})
    assert response.status_code == 200 and response.get_json()["status"] == "for_repair"
    assert api.post(url, "admin_a", json={"status": "in_use"}).get_json()["status"] == "in_use"
    response = api.post(url, "caretaker_a", json={"status": "disposed", "reason": "Knekt",
                                                  "disposal_reason": "scrapped"})
    assert response.status_code == 200 and response.get_json()["status"] == "disposed"
    assert _audit_actions(desks.desks) == ["item_created", "inventory_registered", "inventory_status_changed",
                                           "inventory_status_changed", "inventory_status_changed"]
    fresh()
    changes = [event.details for event in db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "inventory_status_changed").order_by(AuditEvent.id))]
    assert [(c["status_from"], c["status_to"], c["reason"], c["disposal_reason"]) for c in changes] == [
        ("in_use", "for_repair", "Løse bein", None), ("for_repair", "in_use", "", None),
        ("in_use", "disposed", "Knekt", "scrapped")]
    response = api.post(url, "caretaker_a", json={"status": "in_use"})  # disposed: out of the inventory
    assert response.status_code == 409


@pytest.mark.parametrize("body, field", [
    ({"status": "published"}, "status"), ({"status": "draft"}, "status"), ({"status": "nonsense"}, "status"),
    ({}, "status"), ({"status": "in_use"}, "status"),  # where it already is
    ({"status": "disposed"}, "disposal_reason"), ({"status": "disposed", "disposal_reason": "burnt"},
                                                   "disposal_reason"),
    ({"status": "for_repair", "disposal_reason": "recycled"}, "disposal_reason"),
    ({"status": "for_repair", "reason": "x" * 501}, "reason"), ({"status": "for_repair", "why": "x"}, "why"),
])
def test_a_bad_status_change_is_422_naming_the_field_and_changes_nothing(api, desks, body, field):
    response = api.post(f"/items/{desks.desks}/status", "caretaker_a", json=body)
    assert response.status_code == 422 and field in fields(response), response.get_json()
    fresh()
    assert db.session.get(Item, desks.desks).status == ItemStatus.IN_USE
    assert "inventory_status_changed" not in _audit_actions(desks.desks)


def test_status_changes_by_those_who_may_not(api, desks):
    body = {"status": "for_repair"}
    assert api.post(f"/items/{desks.listing}/status", "caretaker_a", json=body).status_code == 409  # on the market
    assert api.post(f"/items/{desks.desks}/status", "member_a", json=body).status_code == 403  # sees, may not
    for who in ("caretaker_b", "member_b", "partner_user", "network_admin"):
        response = api.post(f"/items/{desks.desks}/status", who, json=body)
        assert response.status_code == 404 and error_code(response) == "not_found"
    assert api.post("/items/2147483647/status", "caretaker_a", json=body).status_code == 404
    fresh()
    assert db.session.get(Item, desks.desks).status == ItemStatus.IN_USE


def test_an_item_in_use_is_not_withdrawn_deleted_shared_nor_reserved(api, desks):
    """Only the inventory's own moves apply to it: the market's answer 409 and change nothing."""
    for method, path in (("POST", "withdraw"), ("DELETE", ""), ("POST", "share-with-network")):
        response = api(method, f"/items/{desks.desks}/{path}".rstrip("/"), "caretaker_a")
        assert response.status_code == 409, (method, path)
    response = api.post(f"/items/{desks.desks}/reservations", "member_a", json={"quantity": 1})
    assert response.status_code == 409
    assert api.post(f"/items/{desks.desks}/reservations", "member_b", json={"quantity": 1}).status_code == 404
    fresh()
    item = db.session.get(Item, desks.desks)
    assert (item.status, item.quantity_available) == (ItemStatus.IN_USE, Decimal(28))
    assert db.session.scalar(select(Reservation.id).where(Reservation.item_id == item.id)) is None


def test_publishing_offers_an_item_in_use_as_surplus_with_its_history(api, desks):
    api.post(f"/items/{desks.desks}/status", "caretaker_a", json={"status": "for_recycling", "reason": "Nye pulter"})
    assert api.post(f"/items/{desks.desks}/publish", "member_a").status_code == 403
    assert api.post(f"/items/{desks.desks}/publish", "caretaker_b").status_code == 404
    response = api.post(f"/items/{desks.desks}/publish", "caretaker_a")
    assert response.status_code == 200
    item = response.get_json()
    assert (item["id"], item["status"], item["room"], item["floor"]) == (desks.desks, "published", "204", "2")
    assert item["published_at"] is not None
    assert _audit_actions(desks.desks) == ["item_created", "inventory_registered", "inventory_status_changed",
                                           "item_published", "inventory_offered"]
    assert desks.desks in [each["id"] for each in api.get("/items", "member_a").get_json()["items"]]
    assert api.get("/inventory", "member_a").get_json()["total"] == 0
    assert api.post(f"/items/{desks.desks}/status", "caretaker_a", json={"status": "in_use"}).status_code == 409


def test_a_draft_is_still_published_as_before(api, desks):
    draft = api.post("/items", "caretaker_a", json=IN_USE | {"status": "draft"}).get_json()
    assert draft["status"] == "draft"
    assert api.post(f"/items/{draft['id']}/publish", "caretaker_a").get_json()["status"] == "published"
    assert "inventory_offered" not in _audit_actions(draft["id"])
    assert api.post(f"/items/{draft['id']}/publish", "caretaker_a").status_code == 409  # already published


def test_an_offer_the_market_refuses_is_422_and_leaves_the_item_in_use(api, desks):
    desks.a.electrical_safety_note_required = True
    db.session.commit()
    projector = api.post("/items", "caretaker_a", json={"title": "Prosjektor", "category": "projector",
                                                        "condition": "good", "quantity": 1,
                                                        "status": "in_use"}).get_json()["id"]
    response = api.post(f"/items/{projector}/publish", "caretaker_a")
    assert response.status_code == 422 and "safety_check_note" in fields(response), response.get_json()
    fresh()
    assert db.session.get(Item, projector).status == ItemStatus.IN_USE


# --- The inventory's list -------------------------------------------------------------------------------

def test_the_inventory_lists_the_municipality_s_items_in_use_by_place(api, desks):
    chair = api.post("/items", "caretaker_a", json=IN_USE | {"title": "Kontorstol", "category": "office_chair",
                                                             "room": "205", "status": "for_repair"}).get_json()
    for who in ("member_a", "caretaker_a", "admin_a"):
        answer = api.get("/inventory", who).get_json()
        assert [each["id"] for each in answer["items"]] == [desks.desks, chair["id"]]  # room 204, then 205
        assert (answer["total"], answer["page"]) == (2, 1)
    def ids(query: str) -> list[int]:
        response = api.get(f"/inventory?{query}", "member_a")
        assert response.status_code == 200, response.get_json()
        return [each["id"] for each in response.get_json()["items"]]
    assert ids("room=205") == [chair["id"]]
    assert ids("building=a%20SKOLE") == [desks.desks, chair["id"]]
    assert ids("category=desk") == [desks.desks]
    assert ids("status=for_repair") == [chair["id"]]
    assert ids("status=in_use&room=205") == []
    assert ids("building=B%20skole") == []
    assert ids("per_page=1&page=2") == [chair["id"]]
    assert ids("per_page=1&page=3") == []  # past the end: empty, as every list's
    assert api.get("/inventory?per_page=1&page=3", "member_a").get_json()["total"] == 2
    assert desks.listing not in ids("")


def test_the_inventory_by_location(api, desks):
    from tests.factories import make_location

    store = make_location(desks.admin_a, desks.a, "Ombrukslageret", address="Lagervegen 4")
    db.session.commit()
    moved = api.post("/items", "caretaker_a", json=IN_USE | {"location_id": store.id}).get_json()["id"]
    assert [each["id"] for each in api.get(f"/inventory?location_id={store.id}", "member_a").get_json()[
        "items"]] == [moved]


@pytest.mark.parametrize("query, field", [
    ("status=published", "status"), ("status=disposed", "status"), ("category=no_such_thing", "category"),
    ("page=0", "page"), ("per_page=1000", "per_page"), ("location_id=abc", "location_id"),
    ("building=" + "x" * 121, "building"),
])
def test_bad_inventory_queries_name_the_parameter(api, desks, query, field):
    response = api.get(f"/inventory?{query}", "member_a")
    assert response.status_code == 400 and error_code(response) == "invalid_query"
    assert field in fields(response)


def test_without_a_municipality_there_is_no_inventory(api, desks):
    for who in ("partner_user", "network_admin"):
        assert api.get("/inventory", who).status_code == 403
    answer = api.get("/inventory", "member_b").get_json()  # B's own inventory: empty
    assert (answer["items"], answer["total"]) == ([], 0)


# --- No leak: an item in use is never seen outside its municipality, by any route ------------------------

OUTSIDERS = ("member_b", "caretaker_b", "member_c", "partner_user", "network_admin")
API_QUERIES = ["", "q=elevpulter", "q=elevpulter&sort=newest", "q=pulter", "category=desk", "group=furniture",
               "municipality=kommune-a", "condition=good", "offer=give", "sort=quantity", "sort=newest",
               "per_page=1", "per_page=1&page=2", "per_page=100", "q=kontorstoler"]
PAGE_QUERIES = ["", "q=elevpulter", "q=pulter", "category=desk", "municipality=kommune-a", "group=furniture",
                "q=kontorstoler"]


def _api_lists(api, who: str) -> dict:
    """What ``who`` gets from every list of the API that could hold an item."""
    seen = {}
    for query in API_QUERIES:
        answer = api.get(f"/items?{query}", who).get_json()
        seen[f"/items?{query}"] = ([each["id"] for each in answer["items"]], answer["total"])
    for path in ("/impact/events", "/impact", "/reservations", "/wanted", "/locations"):
        response = api.get(path, who)
        seen[path] = (response.status_code, response.get_data(as_text=True) if path != "/impact" else "")
    return seen


def _timeless(text: str) -> str:
    """The text without the clock times of its making ("Laget 2026-12-06 06:12"), which move on between two
    looks a minute apart."""
    return re.sub(r"\b\d{1,2}[:.]\d{2}(:\d{2})?\b", "hh:mm", text)


def _pages(client) -> dict:
    """What a signed-in person's browser gets from the search page, its facets, and the exports."""
    seen = {}
    for query in PAGE_QUERIES:
        response = client.get(f"/items?{query}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        seen[f"/items?{query}"] = _timeless(without_csrf_tokens(html) if 'name="csrf_token"' in html else html)
    for path in ("/report/export.csv", "/report/ledger.csv", "/report/export.xlsx"):
        response = client.get(path)
        if path.endswith(".xlsx") and response.status_code == 200:
            body = "\n".join(";".join(str(cell) for cell in row) for sheet in load_workbook(
                io.BytesIO(response.get_data())).worksheets for row in sheet.iter_rows(values_only=True))
        else:
            body = response.get_data(as_text=True)
        seen[path] = _timeless(body)
    return seen


def _facets(person) -> dict:
    seen = {}
    for query in ("", "elevpulter", "pulter"):
        result = suggest.search(person, search.SearchParams(q=query), locale="nb")
        seen[query] = ([item.id for item in result.items], result.total,
                       {name: [(value.value, value.count) for value in values]
                        for name, values in result.facets.items()})
    return seen


def _assert_same(before: tuple[dict, ...], after: tuple[dict, ...], who: str) -> None:
    for seen_before, seen_after in zip(before, after, strict=True):
        for key, value in seen_before.items():
            if isinstance(value, str) and value != seen_after[key]:
                diff = difflib.unified_diff(value.splitlines(), seen_after[key].splitlines(), lineterm="", n=1)
                pytest.fail(f"{who} {key} changed:\n" + "\n".join(diff))
            assert seen_after[key] == value, (who, key)


def _browsers(web_app, people: tuple[str, ...], emails: dict[str, str]) -> dict:
    clients = {}
    for who in people:
        clients[who] = web_app.test_client()
        assert login(clients[who], emails[who]).status_code in (302, 303)
    return clients


def test_an_item_in_use_never_leaks_outside_its_municipality(api, web_app, setup):
    """With an in-use item with a photo in A: for B's people, C's, a partner's and the network's coordinator,
    the item, its photos, its label and QR link are 404; no list, total, search, facet, export or alert holds
    or counts it (everything they get is exactly what they got before it was registered); A's own member sees
    it in the inventory, and not on the market."""
    emails = {who: getattr(setup, who).email for who in (*OUTSIDERS, "member_a")}
    listing = make_item(setup.caretaker_a, "desk", title="Pulter til overs", now=setup.long_ago)
    search.save_search(setup.member_b, search.SearchParams(q="pulter"), "Pulter")
    search.save_search(setup.member_a, search.SearchParams(q="pulter"), "Pulter")
    db.session.commit()
    browsers = _browsers(web_app, (*OUTSIDERS, "member_a"), emails)
    people = {who: getattr(setup, who) for who in (*OUTSIDERS, "member_a")}
    before = {who: (_api_lists(api, who), _pages(browsers[who]), _facets(people[who])) for who in people}

    created = api.post("/items", "caretaker_a", json=IN_USE)
    assert created.status_code == 201
    item_id = created.get_json()["id"]
    photo = api.post(f"/items/{item_id}/photos", "caretaker_a", data={"file": (io.BytesIO(jpeg_bytes()), "p.jpg")},
                     content_type="multipart/form-data").get_json()
    db.session.commit()
    fresh()

    for who in OUTSIDERS:
        response = api.get(f"/items/{item_id}", who)
        assert response.status_code == 404 and error_code(response) == "not_found", who
        for url in (f"/photos/{photo['id']}", f"/photos/{photo['id']}/thumbnail"):
            assert api.get(url, who).status_code == 404, (who, url)
        browser = browsers[who]
        for url in (f"/items/{item_id}", f"/items/{item_id}/label", f"/items/labels?item={item_id}",
                    f"/i/{item_id}", f"/photos/{photo['id']}/large.jpg", f"/photos/{photo['id']}/thumb.jpg"):
            assert browser.get(url).status_code == 404, (who, url)
        after = (_api_lists(api, who), _pages(browser), _facets(people[who]))
        _assert_same(before[who], after, who)
        assert all(item_id not in ids for ids, _total in after[0].values() if isinstance(ids, list))
    # A's own member: in the inventory, with its photo; never on the market.
    after = (_api_lists(api, "member_a"), _pages(browsers["member_a"]), _facets(setup.member_a))
    _assert_same(before["member_a"], after, "member_a")
    assert listing.id in after[0]["/items?q=pulter"][0]
    own = browsers["member_a"]
    assert api.get(f"/items/{item_id}", "member_a").status_code == 200
    assert [each["id"] for each in api.get("/inventory", "member_a").get_json()["items"]] == [item_id]
    assert api.get(f"/photos/{photo['id']}", "member_a").status_code == 200
    assert own.get(f"/photos/{photo['id']}/thumb.jpg").status_code == 200

    # Saved searches' alerts: a new listing is announced, the item in use never.
    fresh_listing = make_item(setup.caretaker_a, "desk", title="Pulter, nye")
    db.session.commit()
    search.announce_saved_search_matches()
    db.session.commit()
    alerts = db.session.scalars(select(Notification.data).where(Notification.kind == "saved_search_match")).all()
    assert [alert["item_ids"] for alert in alerts] == [[fresh_listing.id]]  # to A's member, who sees it at once


def test_no_status_filter_of_the_market_reaches_items_in_use(api, desks):
    """GET /items has no status filter: a status asked for is ignored, and only published items come."""
    for who in ("member_a", "caretaker_a", "admin_a", "member_b"):
        for query in ("status=in_use", "status=for_repair", "q=elevpulter&status=in_use"):
            answer = api.get(f"/items?{query}", who).get_json()
            assert desks.desks not in [each["id"] for each in answer["items"]]
            assert all(each["status"] == "published" for each in answer["items"])
    assert api.get("/items?q=elevpulter", "caretaker_a").get_json()["total"] == 0
    assert listings.find_item(desks.member_a, desks.desks).quantity == Decimal(28)


def test_offering_part_of_a_row_through_the_api(api, setup):
    item_id = api.post("/items", "caretaker_a", json=IN_USE).get_json()["id"]
    assert api.post(f"/items/{item_id}/publish?quantity=29", "caretaker_a").status_code == 422
    assert api.post(f"/items/{item_id}/publish?quantity=abc", "caretaker_a").status_code == 400
    part = api.post(f"/items/{item_id}/publish?quantity=8", "caretaker_a")
    assert part.status_code == 200, part.get_json()
    part = part.get_json()
    assert part["id"] != item_id and (part["status"], part["quantity"]) == ("published", "8")
    rest = api.get(f"/items/{item_id}", "caretaker_a").get_json()
    assert (rest["status"], rest["quantity"]) == ("in_use", "20")
