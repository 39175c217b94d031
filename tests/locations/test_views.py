"""The pages of pickup locations and stores: for a municipality's administrators only; bad input is a form
message; and items show where they stand."""

from sqlalchemy import select

from marketplace.db import db
from marketplace.locations.models import Location
from tests.conftest import fresh, login
from tests.factories import make_item, make_location

PAGE_A = "/admin/organisations/kommune-a/locations"
NEW = {"name": "Ombrukslageret", "kind": "store", "address": "Lagervegen 4, 9990 A", "opening_hours": "Tir 12–15",
       "contact": "Kari, 900 00 000", "access_notes": "Rampe på baksiden"}


def locations():
    fresh()
    return list(db.session.scalars(select(Location).order_by(Location.id)))


def test_an_administrator_creates_edits_archives_and_restores(client, region):
    login(client, "admin@a.example")
    assert client.get("/admin/locations").headers["Location"].endswith(PAGE_A)
    page = client.get(PAGE_A)
    assert page.status_code == 200 and "Hentesteder og lagre" in page.get_data(as_text=True)
    assert client.post(PAGE_A, data=NEW).status_code == 303
    [store] = locations()
    assert store.address == "Lagervegen 4, 9990 A" and store.access_notes == "Rampe på baksiden"
    assert "Ombrukslageret" in client.get(PAGE_A).get_data(as_text=True)
    edit = f"{PAGE_A}/{store.id}"
    assert "Lagervegen 4" in client.get(edit).get_data(as_text=True)
    assert client.post(edit, data={**NEW, "kind": "pickup", "name": "Porten"}).status_code == 303
    assert locations()[0].name == "Porten"
    assert client.post(f"{edit}/archive", data={"archived": "1"}).status_code == 303
    assert locations()[0].archived_at is not None
    assert client.post(f"{edit}/archive", data={"archived": "0"}).status_code == 303
    assert locations()[0].archived_at is None
    assert client.post(f"{edit}/archive", data={"archived": "maybe"}).status_code == 400


def test_bad_input_is_a_form_message_and_stores_nothing(client, region):
    make_location(region.admin_a, region.a, "Lager")
    db.session.commit()
    login(client, "admin@a.example")
    for bad in ({**NEW, "name": ""}, {**NEW, "name": "lager"}, {**NEW, "kind": "castle"},
                {**NEW, "address": "x" * 400}):
        answer = client.post(PAGE_A, data=bad)
        assert answer.status_code == 400, bad
        assert "error-summary" in answer.get_data(as_text=True)
    assert "allerede" in client.post(PAGE_A, data={**NEW, "name": "LAGER"}).get_data(as_text=True)
    assert len(locations()) == 1


def test_others_are_refused(client, region):
    store = make_location(region.admin_a, region.a, "Lager")
    db.session.commit()
    paths = [PAGE_A, f"{PAGE_A}/{store.id}"]
    for email, status in (("caretaker@a.example", 403), ("store@a.example", 403), ("member@b.example", 404),
                          ("caretaker@b.example", 404)):
        client.post("/logout")
        login(client, email)
        for path in paths:
            assert client.get(path).status_code == status, (email, path)
        assert client.post(PAGE_A, data=NEW).status_code == status
        assert client.post(f"{PAGE_A}/{store.id}/archive", data={"archived": "1"}).status_code == status
    client.post("/logout")
    login(client, "admin@a.example")
    assert client.get(f"/admin/organisations/kommune-b/locations/{store.id}").status_code == 404
    assert len(locations()) == 1 and locations()[0].archived_at is None


def test_the_item_page_and_form_show_where_it_stands(client, region, catalogue):
    store = make_location(region.admin_a, region.a, "Ombrukslageret", address="Lagervegen 4, 9990 A",
                          opening_hours="Tir 12–15", contact="Kari", access_notes="Rampe bak")
    item = make_item(region.caretaker_a, location=store)
    db.session.commit()
    login(client, "member@a.example")
    html = client.get(f"/items/{item.id}").get_data(as_text=True)
    for text in ("Ombrukslageret", "Lagervegen 4, 9990 A", "Tir 12–15", "Kari", "Rampe bak",
                 "https://www.openstreetmap.org/search?query=Lagervegen+4%2C+9990+A"):
        assert text in html, text
    assert "Ombrukslageret" in client.get("/items").get_data(as_text=True)  # the card
    assert f"/items?location={store.id}" in html
    filtered = client.get(f"/items?location={store.id}").get_data(as_text=True)  # the search's own filter
    assert f'<option value="{store.id}" selected>Ombrukslageret</option>' in filtered
    client.post("/logout")
    login(client, "caretaker@a.example")
    form = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{store.id}">' in form or f'value="{store.id}" selected' in form
