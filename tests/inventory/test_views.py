"""The inventory's pages over HTTP: the list with its filters and pages, registering on a phone (the room
remembered, "same as the last one"), and the status change and offer from the item page; another
municipality's people see none of it."""

import io
import re

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.inventory import services as inventory
from marketplace.listings.models import DisposalReason, Item, ItemStatus, Photo
from tests.conftest import fresh, login
from tests.factories import item_input, jpeg_bytes, make_item

CHAIR = {"title": "Elevstol, blå", "category": "office_chair", "condition": "good", "quantity": "12",
         "building": "Dulten skole", "floor": "2", "room": "204", "brand": "Flexa", "model": "Pupil 3",
         "asset_tag": "DK-0001", "serial_number": "SN-1", "status": "in_use"}


@pytest.fixture
def stock(region, catalogue):
    """A's inventory: chairs in room 204, a desk for repair in the gym, and a listing on the market."""
    region.chairs = inventory.register(region.caretaker_a, item_input(
        title="Elevstoler", building="Dulten skole", floor="2", room="204"))
    region.desk = inventory.register(region.caretaker_a, item_input(
        "desk", title="Lærerpult", building="Gymsalen", floor="1", room="Lager"), status=ItemStatus.FOR_REPAIR)
    region.listing = make_item(region.caretaker_a, title="Kontorstoler til overs")
    db.session.commit()
    return region


def count_items():
    fresh()
    return db.session.scalar(select(func.count()).select_from(Item))


def test_the_list_shows_the_own_inventory_by_place_with_filters(client, stock):
    login(client, "member@a.example")  # a member sees it, but registers nothing
    page = client.get("/inventory").get_data(as_text=True)
    assert "Elevstoler" in page and "Lærerpult" in page and "Kontorstoler til overs" not in page
    assert "2 gjenstander funnet" in page and "Registrer en gjenstand" not in page
    assert page.index("Dulten skole · etasje 2 · rom 204") < page.index("Gymsalen · etasje 1 · rom Lager")
    assert "I bruk" in page and "Til reparasjon" in page and "10 stk." in page
    assert f'href="/items/{stock.chairs.id}"' in page
    assert client.get("/inventory/new").status_code == 403
    for query, shown, hidden in [("?status=for_repair", "Lærerpult", "Elevstoler"),
                                 ("?building=Dulten+skole", "Elevstoler", "Lærerpult"),
                                 ("?room=lager", "Lærerpult", "Elevstoler"),
                                 ("?category=desk", "Lærerpult", "Elevstoler")]:
        filtered = client.get("/inventory" + query).get_data(as_text=True)
        assert shown in filtered and hidden not in filtered and "1 gjenstand funnet" in filtered, query
    nothing = client.get("/inventory?status=published&category=nope&page=abc")
    assert nothing.status_code == 200 and "2 gjenstander funnet" in nothing.get_data(as_text=True)
    empty = client.get("/inventory?room=999").get_data(as_text=True)
    assert "Ingen gjenstander passer til disse filtrene." in empty


def test_the_list_has_pages_and_a_label_sheet_for_the_items_shown(client, stock, monkeypatch):
    monkeypatch.setattr(inventory, "PER_PAGE", 1)
    login(client, "caretaker@a.example")
    first = client.get("/inventory").get_data(as_text=True)
    assert "Side 1 av 2" in first and 'href="/inventory?page=2"' in first and "Lærerpult" not in first
    assert f'href="/items/labels?item={stock.chairs.id}"' in first
    second = client.get("/inventory?page=2").get_data(as_text=True)
    assert "Lærerpult" in second and "Elevstoler" not in second and "Side 2 av 2" in second
    sheet = client.get(f"/items/labels?item={stock.chairs.id}&item={stock.desk.id}").get_data(as_text=True)
    assert "Elevstoler" in sheet and "Lærerpult" in sheet and "Dulten skole, etasje 2, 204" in sheet


def test_an_empty_inventory_says_so_and_others_are_kept_out(client, stock):
    login(client, "caretaker@b.example")
    page = client.get("/inventory").get_data(as_text=True)
    assert "Ingenting er registrert ennå." in page and "Elevstoler" not in page
    assert "Registrer en gjenstand" in page
    client.post("/logout")
    login(client, "helper@hjelpen.example")  # a partner organisation has no inventory
    assert client.get("/inventory").status_code == 403
    assert client.get("/inventory/new").status_code == 403
    client.post("/logout")
    assert client.get("/inventory").status_code == 302  # to the sign-in page


def test_another_municipalitys_caretaker_gets_404_on_every_route(client, stock):
    login(client, "caretaker@b.example")
    item_id = stock.chairs.id
    assert client.get(f"/items/{item_id}").status_code == 404
    assert client.get(f"/items/{item_id}/edit").status_code == 404
    assert client.post(f"/inventory/{item_id}/status", data={"status": "for_repair"}).status_code == 404
    assert client.post(f"/inventory/{item_id}/offer").status_code == 404
    assert client.get(f"/items/labels?item={item_id}").status_code == 404
    assert client.get(f"/items/{item_id}/label").status_code == 404
    fresh()
    assert db.session.get(Item, item_id).status == ItemStatus.IN_USE


def test_registering_with_a_photo_then_the_next_one_like_it(client, stock, web_app):
    login(client, "caretaker@a.example")
    form = client.get("/inventory/new").get_data(as_text=True)
    assert 'name="photos"' in form and 'accept="image/jpeg' in form
    assert re.search(r'<input checked[^>]*value="in_use"', form)
    saved = client.post("/inventory/new", data=dict(CHAIR, photos=(io.BytesIO(jpeg_bytes()), "stol.jpg")))
    assert saved.status_code == 303 and saved.location.endswith("/inventory/new")
    fresh()
    item = db.session.scalar(select(Item).where(Item.title == "Elevstol, blå"))
    assert (item.status, item.building, item.floor, item.room) == (ItemStatus.IN_USE, "Dulten skole", "2", "204")
    assert (item.asset_tag, item.brand, len(item.photos)) == ("DK-0001", "Flexa", 1)
    assert item.published_at is None
    fresh_form = client.get("/inventory/new").get_data(as_text=True)
    assert "«Elevstol, blå» er registrert" in fresh_form and f'href="/items/{item.id}"' in fresh_form
    # The room is remembered, the rest is not.
    assert 'value="Dulten skole"' in fresh_form and 'value="204"' in fresh_form
    assert 'value="Flexa"' not in fresh_form and 'value="Elevstol, blå"' not in fresh_form
    same = client.get("/inventory/new?same=1").get_data(as_text=True)
    assert 'value="Elevstol, blå"' in same and 'value="Flexa"' in same and 'value="Pupil 3"' in same
    assert 'value="12"' in same and 'value="204"' in same and '<option selected value="office_chair">' in same
    assert "DK-0001" not in same and "SN-1" not in same and 'name="photo_ids"' not in same
    again = client.post("/inventory/new", data=dict(CHAIR, asset_tag="DK-0002", serial_number="SN-2",
                                                    status="for_repair"))
    assert again.status_code == 303
    fresh()
    second = db.session.scalar(select(Item).where(Item.asset_tag == "DK-0002"))
    assert second.status == ItemStatus.FOR_REPAIR and second.photos == []
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "inventory_registered"))
    assert len(list(actions)) == 4  # the two of the fixture, and these


def test_bad_input_is_a_400_with_messages_and_saves_nothing(client, stock):
    login(client, "caretaker@a.example")
    before = count_items()
    for bad, field in [(dict(CHAIR, title=""), "title"), (dict(CHAIR, quantity="mange"), "quantity"),
                       (dict(CHAIR, quantity="1,5"), "quantity"), (dict(CHAIR, category="rocket"), "category"),
                       (dict(CHAIR, status="published"), "status"), (dict(CHAIR, condition=""), "condition"),
                       (dict(CHAIR, floor="x" * 41), "floor"), (dict(CHAIR, unit="99999"), "unit")]:
        answer = client.post("/inventory/new", data=dict(bad, photos=(io.BytesIO(jpeg_bytes()), "a.jpg")))
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400, field
        assert 'class="error-summary"' in page and f'id="{field}-error"' in page, field
        assert 'name="photo_ids"' in page  # the photo is kept for the next try
    assert count_items() == before
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Photo).where(Photo.item_id.is_not(None))) == 0


def test_status_change_and_offer_through_the_item_page(client, stock):
    login(client, "caretaker@a.example")
    item_id = stock.chairs.id
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="inventory-heading"' in page and 'action="/inventory/%d/status"' % item_id in page
    assert 'id="reserve"' not in page and 'id="visibility-heading"' not in page
    assert 'value="for_repair"' in page and 'value="disposed"' in page
    assert 'name="status" type="radio" value="in_use"' not in page
    moved = client.post(f"/inventory/{item_id}/status", data={"status": "for_repair", "reason": "Løs rygg"})
    assert moved.status_code == 303 and moved.location.endswith(f"/items/{item_id}#inventory-heading")
    fresh()
    assert db.session.get(Item, item_id).status == ItemStatus.FOR_REPAIR
    refused = client.post(f"/inventory/{item_id}/status", data={"status": "disposed"}, follow_redirects=True)
    assert "levert til gjenvinning eller kassert" in refused.get_data(as_text=True)
    for bad in ({"status": "published"}, {"status": "for_repair"}, {}):
        client.post(f"/inventory/{item_id}/status", data=bad)
        fresh()
        assert db.session.get(Item, item_id).status == ItemStatus.FOR_REPAIR
    for bad in ("abc", "11", "2,5"):  # not a number, more than the row, half a chair: a message, nothing split
        refused = client.post(f"/inventory/{item_id}/offer", data={"quantity": bad}, follow_redirects=True)
        assert "flash--error" in refused.get_data(as_text=True), bad
    assert count_items() == 3
    part = client.post(f"/inventory/{item_id}/offer", data={"quantity": "4"})
    fresh()
    offered_part = db.session.scalar(select(Item).where(Item.origin_item_id == item_id))
    assert part.location.endswith(f"/items/{offered_part.id}") and offered_part.status == ItemStatus.PUBLISHED
    assert (offered_part.quantity, db.session.get(Item, item_id).quantity) == (4, 6)
    offered = client.post(f"/inventory/{item_id}/offer", data={"quantity": "6"}, follow_redirects=True)
    assert "på markedet nå" in offered.get_data(as_text=True)
    fresh()
    item = db.session.get(Item, item_id)
    assert item.status == ItemStatus.PUBLISHED and item.id == stock.chairs.id
    again = client.post(f"/inventory/{item_id}/offer", follow_redirects=True).get_data(as_text=True)
    assert "flash--error" in again
    disposed = client.post(f"/inventory/{stock.desk.id}/status",
                           data={"status": "disposed", "disposal_reason": "recycled", "reason": "Knekt"})
    assert disposed.status_code == 303
    fresh()
    desk = db.session.get(Item, stock.desk.id)
    assert (desk.status, desk.disposal_reason, desk.disposal_note) == (ItemStatus.DISPOSED,
                                                                       DisposalReason.RECYCLED, "Knekt")


def test_a_member_sees_the_card_but_changes_nothing(client, stock):
    login(client, "member@a.example")
    page = client.get(f"/items/{stock.chairs.id}").get_data(as_text=True)
    assert 'id="inventory-heading"' in page and "I bruk" in page and 'id="inventory-status"' not in page
    assert client.post(f"/inventory/{stock.chairs.id}/status", data={"status": "for_repair"}).status_code == 403
    assert client.post(f"/inventory/{stock.chairs.id}/offer").status_code == 403
    fresh()
    assert db.session.get(Item, stock.chairs.id).status == ItemStatus.IN_USE


def test_editing_an_inventory_item_keeps_it_in_the_inventory(client, stock):
    login(client, "caretaker@a.example")
    item_id = stock.chairs.id
    form = client.get(f"/items/{item_id}/edit").get_data(as_text=True)
    assert 'name="publish"' not in form and 'name="floor"' in form and 'value="2"' in form
    saved = client.post(f"/items/{item_id}/edit", data={
        "title": "Elevstoler, blå", "category": "office_chair", "condition": "worn", "quantity": "10",
        "building": "Dulten skole", "floor": "3", "room": "301", "publish": "1"})
    assert saved.status_code == 303
    fresh()
    item = db.session.get(Item, item_id)
    assert (item.status, item.floor, item.room, item.quantity) == (ItemStatus.IN_USE, "3", "301", 10)


def test_our_listings_offers_only_the_market_statuses(client, stock):
    login(client, "caretaker@a.example")
    page = client.get("/items/ours").get_data(as_text=True)
    assert "Kontorstoler til overs" in page and "Elevstoler" not in page
    assert "status=in_use" not in page and "status=published" in page
    assert "Elevstoler" not in client.get("/items/ours?status=in_use").get_data(as_text=True)


def test_the_menu_has_the_inventory_for_its_people(client, stock):
    login(client, "member@a.example")
    assert re.search(r'href="/inventory"[^>]*>Inventar<', client.get("/").get_data(as_text=True))
    client.post("/logout")
    login(client, "helper@hjelpen.example")
    assert 'href="/inventory"' not in client.get("/").get_data(as_text=True)
