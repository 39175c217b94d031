"""Caretakers import spreadsheets for their own municipality (issue 18, item 10; docs/decisions.md 32): the page
and its entries in the menus, into their own municipality and its units only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.listings import importer, spreadsheet
from marketplace.listings.models import ItemStatus
from marketplace.listings.permissions import can_import_items
from tests.conftest import fresh, login
from tests.listings.test_import import count_items, csv_bytes, good_rows, items, upload

IMPORT = 'href="/items/import"'


@pytest.fixture
def setup(region, catalogue):
    return region


def test_who_may_import(setup):
    assert can_import_items(setup.caretaker_a, setup.a) and can_import_items(setup.admin_a, setup.a)
    assert not can_import_items(setup.caretaker_a, setup.b)  # only their own municipality
    for outsider in (setup.member_a, setup.network_admin, setup.partner_user):
        assert not can_import_items(outsider, setup.a)
    assert not can_import_items(setup.caretaker_a, None)


def test_a_caretaker_imports_into_their_own_municipality(setup):
    report = importer.import_items(setup.caretaker_a, setup.a, spreadsheet.parse(csv_bytes(good_rows()), "x.csv"),
                                   publish=False)
    assert report.ok, report.errors
    db.session.commit()
    assert {(item.municipality_id, item.created_by_id) for item in items()} == {(setup.a.id, setup.caretaker_a.id)}
    with pytest.raises(Forbidden):  # another municipality's, even with rows that would fit there
        importer.import_items(setup.caretaker_a, setup.b, spreadsheet.parse(csv_bytes(good_rows()), "x.csv"),
                              publish=False)


def test_a_caretaker_checks_then_imports_on_the_page(client, setup):
    login(client, "caretaker@a.example")
    page = client.get("/items/import")
    assert page.status_code == 200 and "samtidig for A kommune" in page.get_data(as_text=True)
    checked = upload(client, csv_bytes(good_rows()), "inventar.csv")
    assert checked.status_code == 200, checked.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', checked.get_data(as_text=True))[1]
    done = client.post("/items/import", data={"token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith("/items/ours")
    imported = items()
    assert len(imported) == 3 and {item.status for item in imported} == {ItemStatus.DRAFT}
    assert {item.municipality_id for item in imported} == {setup.a.id}
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "items_imported"))
    assert event.actor_id == setup.caretaker_a.id and event.municipality_id == setup.a.id


def test_a_caretaker_names_only_their_municipalitys_units(client, setup):
    login(client, "caretaker@b.example")
    response = upload(client, csv_bytes(good_rows()), "inventar.csv")  # rows at "A skole" and "A depot"
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "B kommune har ingen enhet som heter «A skole»" in html
    assert 'name="token"' not in html and count_items() == 0


@pytest.mark.parametrize("email, sees", [
    ("caretaker@a.example", True), ("admin@a.example", True), ("member@a.example", False),
    ("helper@hjelpen.example", False), ("coordinator@vest.example", False), ("root@site.example", False),
])
def test_the_import_is_offered_where_a_caretaker_looks(client, setup, email, sees):
    login(client, email)
    home = client.get("/").get_data(as_text=True)
    assert (IMPORT in home) is sees, "the user menu"
    ours = client.get("/items/ours")
    if sees:
        assert IMPORT in ours.get_data(as_text=True), "the Our listings page"
    else:
        assert ours.status_code == 403
