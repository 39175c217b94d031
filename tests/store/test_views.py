"""The reuse store's pages and actions over HTTP: store keepers and caretakers of the municipality only."""

from datetime import timedelta

from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.listings.models import Item, ItemStatus
from marketplace.store import services
from tests.conftest import fresh, login
from tests.factories import make_item, make_location


def setup_store(region):
    region.store = make_location(region.admin_a, region.a, "Ombrukslageret", address="Lagervegen 4")
    region.pickup = make_location(region.admin_a, region.a, "Porten", "pickup")
    region.item = make_item(region.caretaker_a, title="Stoler til lageret")
    db.session.commit()
    return region


def item_row(item_id):
    fresh()
    return db.session.get(Item, item_id)


def test_a_store_keeper_takes_in_sees_stock_moves_and_writes_off(client, region, catalogue):
    setup_store(region)
    login(client, "store@a.example")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/store"' in home
    assert "Ombrukslageret" in client.get("/store").get_data(as_text=True)
    page = client.get(f"/items/{region.item.id}").get_data(as_text=True)
    assert "Ta inn på lager" in page
    intake = client.post(f"/items/{region.item.id}/store/intake", data={"location": region.store.id})
    assert intake.status_code == 303
    assert item_row(region.item.id).location_id == region.store.id
    stock = client.get(f"/store/{region.store.id}")
    assert stock.status_code == 200 and "Stoler til lageret" in stock.get_data(as_text=True)
    assert client.post(f"/items/{region.item.id}/store/move", data={"location": region.pickup.id}).status_code == 303
    assert item_row(region.item.id).location_id == region.pickup.id
    client.post(f"/items/{region.item.id}/store/intake", data={"location": region.store.id})
    refused = client.post(f"/items/{region.item.id}/store/dispose", data={"reason": ""}, follow_redirects=True)
    assert "gjenvunnet eller kassert" in refused.get_data(as_text=True)
    assert item_row(region.item.id).status == ItemStatus.PUBLISHED
    done = client.post(f"/items/{region.item.id}/store/dispose", data={"reason": "scrapped", "note": "Knekt"})
    assert done.status_code == 303
    row = item_row(region.item.id)
    assert row.status == ItemStatus.DISPOSED and row.disposal_note == "Knekt"
    written_off = client.get(f"/items/{row.id}").get_data(as_text=True)
    assert "Kastet som restavfall" in written_off and "ingenting av den kan reserveres" in written_off
    assert "Tilgjengelig nå" not in written_off
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-4:] == ["item_taken_into_store", "item_moved", "item_taken_into_store", "item_written_off"]
    assert "Stoler til lageret" not in client.get(f"/store/{region.store.id}").get_data(as_text=True)


def test_bad_choices_are_messages_not_errors(client, region, catalogue):
    setup_store(region)
    login(client, "caretaker@a.example")
    for data in ({"location": "abc"}, {"location": "99999"}, {"location": str(region.pickup.id)}, {}):
        answer = client.post(f"/items/{region.item.id}/store/intake", data=data)
        assert answer.status_code == 303, data
    assert item_row(region.item.id).location_id is None


def test_others_are_refused(client, region, catalogue):
    setup_store(region)
    routes = [("GET", "/store"), ("GET", f"/store/{region.store.id}"),
              ("POST", f"/items/{region.item.id}/store/intake"), ("POST", f"/items/{region.item.id}/store/move"),
              ("POST", f"/items/{region.item.id}/store/dispose")]
    data = {"location": str(region.store.id), "reason": "scrapped"}
    login(client, "member@a.example")
    for method, path in routes:
        assert client.open(path, method=method, data=data).status_code == 403, path
    client.post("/logout")
    login(client, "caretaker@b.example")  # B's caretaker: A's store is not there for them
    assert client.get(f"/store/{region.store.id}").status_code == 404
    assert client.get("/store").status_code == 200  # their own (empty) list
    client.post("/logout")
    login(client, "member@c.example")  # the item is not visible outside the network
    for method, path in routes[2:]:
        assert client.open(path, method=method, data=data).status_code == 404, path
    assert client.get(f"/store/{region.pickup.id}").status_code == 404
    row = item_row(region.item.id)
    assert row.location_id is None and row.status == ItemStatus.PUBLISHED


def test_a_store_s_stock_comes_a_page_at_a_time_latest_arrivals_first(client, region, catalogue, monkeypatch):
    monkeypatch.setattr(services, "STOCK_PAGE_SIZE", 2)
    setup_store(region)
    items = [region.item, *(make_item(region.caretaker_a, title=f"Pult {number}") for number in range(2))]
    for minutes, item in enumerate(items):
        services.take_into_store(region.store_keeper_a, item, region.store, now=utcnow() + timedelta(minutes=minutes))
    db.session.commit()
    login(client, "store@a.example")
    pages = [client.get(f"/store/{region.store.id}?page={number}").get_data(as_text=True) for number in (1, 2, 3)]
    assert all("3 gjenstander på lager" in page for page in pages)
    assert "Pult 1" in pages[0] and "Pult 0" in pages[0] and "Stoler til lageret" in pages[1]
    assert "Stoler til lageret" not in pages[0] and 'rel="next"' in pages[0] and 'rel="prev"' in pages[1]
    assert 'id="beyond-last"' in pages[2] and f'href="/store/{region.store.id}?page=2"' in pages[2]
