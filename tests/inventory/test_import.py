"""Importing an existing register into the inventory (marketplace/inventory/importing.py, through the listings'
importer): CSV and Excel with statuses and places, all or nothing, never on the market, seen at home only; the
page's two steps and its template, who may use it, and `marketplace import items --inventory`."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.inventory import importing
from marketplace.inventory import services as inventory
from marketplace.listings import importer, spreadsheet
from marketplace.listings import lists
from marketplace.listings import services as listings
from marketplace.listings.models import INVENTORY_STATUSES, Item, ItemStatus
from marketplace.search import services as search
from tests.conftest import fresh, login

HEADER = ["tittel", "kategori", "tilstand", "antall", "status", "bygg", "etasje", "rom", "inventarnummer",
          "serienummer"]
REGISTER = [
    ["Elevstoler, blå", "pupil_chair", "god", "24", "i bruk", "Dulten skole", "2", "204", "", ""],
    ["Lærerpult", "Skrivebord", "slitt", "1", "Til Reparasjon", "Dulten skole", "1", "Lager", "", ""],
    ["Bærbar PC", "laptop", "som ny", "1", "", "Rådhuset", "3", "312", "INV-000123", "PF3ABC12"],
    ["Kontorstoler", "office_chair", "må repareres", "3", "for_recycling", "Rådhuset", "U1", "Bod", "", ""],
]
PLACES = {"Elevstoler, blå": (ItemStatus.IN_USE, "Dulten skole", "2", "204"),
          "Lærerpult": (ItemStatus.FOR_REPAIR, "Dulten skole", "1", "Lager"),
          "Bærbar PC": (ItemStatus.IN_USE, "Rådhuset", "3", "312"),
          "Kontorstoler": (ItemStatus.FOR_RECYCLING, "Rådhuset", "U1", "Bod")}


@pytest.fixture
def setup(region, catalogue):
    return region


def csv_bytes(rows, header=HEADER) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows([header, *rows])
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:  # numbers as Excel keeps them
        sheet.append([int(cell) if cell.isdigit() else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def items() -> list[Item]:
    fresh()
    return list(db.session.scalars(select(Item).order_by(Item.id)))


def count_items() -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(Item))


def actions() -> list[str]:
    fresh()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def assert_the_register_is_in_as_inventory_only(setup):
    imported = items()
    assert {item.title: (item.status, item.building, item.floor, item.room) for item in imported} == PLACES
    laptop = next(item for item in imported if item.title == "Bærbar PC")
    assert (laptop.asset_tag, laptop.serial_number, laptop.category.slug) == ("INV-000123", "PF3ABC12", "laptop")
    assert all(item.published_at is None and item.municipality_id == setup.a.id for item in imported)
    assert {item.id for item in inventory.inventory(setup.member_a).items} == {item.id for item in imported}
    for item in imported:  # not on the market, not even at home
        for person in (setup.member_a, setup.member_b):
            found = search.search(person, search.SearchParams())
            assert item not in found.items and found.total == 0
        assert item.id not in {card.id for card in lists.my_municipality_items(setup.caretaker_a).rows}
        for person in (setup.member_b, setup.caretaker_b, setup.member_c, setup.partner_user, setup.network_admin):
            with pytest.raises(NotVisible):
                listings.find_item(person, item.id)
    assert inventory.inventory(setup.member_b).items == []


# --- The service ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_register_goes_into_the_inventory_with_its_statuses_and_places(setup, kind):
    data = csv_bytes(REGISTER) if kind == "csv" else xlsx_bytes(REGISTER)
    report = importing.import_inventory(setup.caretaker_a, setup.a, spreadsheet.parse(data, f"register.{kind}"))
    assert report.ok and report.created == 4, report.errors
    db.session.commit()
    assert_the_register_is_in_as_inventory_only(setup)
    assert actions().count("inventory_registered") == 4 and "items_imported" not in actions()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inventory_imported"))
    assert event.details == {"count": 4} and event.municipality_id == setup.a.id


@pytest.mark.parametrize("cell", ["repaired", "published", "draft", "til salgs"])
def test_a_bad_status_cell_is_a_row_error_and_nothing_is_saved(setup, cell):
    rows = [*REGISTER, ["Hylle", "bookshelf", "god", "2", cell, "Rådhuset", "1", "101", "", ""]]
    report = importing.import_inventory(setup.caretaker_a, setup.a, spreadsheet.parse(csv_bytes(rows), "r.csv"))
    assert not report.ok and report.created == 0 and report.good_rows == 4
    assert [(error.line, error.column) for error in report.errors] == [(6, "status")]
    assert f"«{cell}»" in report.errors[0].message and "for_repair" not in report.errors[0].message
    db.session.commit()
    assert count_items() == 0 and actions() == []


def test_a_dry_run_saves_nothing(setup):
    report = importing.import_inventory(setup.admin_a, setup.a, spreadsheet.parse(csv_bytes(REGISTER), "r.csv"),
                                        dry_run=True)
    assert report.ok and report.good_rows == 4 and report.created == 0
    db.session.commit()
    assert count_items() == 0 and actions() == []


def test_the_listings_import_refuses_a_status(setup):
    """A listing import reads the same columns, but an item on the market has none of the inventory's
    statuses; a blank status cell is fine."""
    rows = [row[:4] + ["", *row[5:]] for row in REGISTER] + [["Hylle", "bookshelf", "god", "2", "i bruk", "", "",
                                                              "", "", ""]]
    report = importer.import_items(setup.caretaker_a, setup.a, spreadsheet.parse(csv_bytes(rows), "r.csv"),
                                   publish=False)
    assert [(error.line, error.column) for error in report.errors] == [(6, "status")]
    assert "Bare import til inventaret leser en status" in report.errors[0].message
    with pytest.raises(ValueError):  # the inventory is never published
        importer.import_items(setup.caretaker_a, setup.a, [], publish=True, register=lambda *args: None)


def test_only_the_municipalitys_caretakers_and_admins_import_into_its_own_inventory(setup):
    rows = spreadsheet.parse(csv_bytes(REGISTER), "r.csv")
    for person, municipality in [(setup.member_a, setup.a), (setup.store_keeper_a, setup.a),
                                 (setup.caretaker_b, setup.a), (setup.caretaker_a, setup.b),
                                 (setup.network_admin, None), (setup.partner_user, setup.a),
                                 (setup.site_admin, setup.a)]:
        with pytest.raises(Forbidden):
            importing.import_inventory(person, municipality, rows)
    assert count_items() == 0


def test_the_template_lists_the_inventory_columns_and_imports(setup):
    for kind in ("csv", "xlsx"):
        rows = spreadsheet.parse(importing.template(kind), f"mal.{kind}")
        assert list(rows[0].headers.values()) == [column.norwegian for column in spreadsheet.INVENTORY_COLUMNS]
        assert {"etasje", "rom", "bygg", "status", "inventarnummer", "serienummer"} <= set(rows[0].headers.values())
        report = importing.import_inventory(setup.caretaker_a, setup.a, rows)
        assert report.ok and report.created == 4, report.errors
    db.session.commit()
    assert {item.status for item in items()} == set(INVENTORY_STATUSES)


# --- The page -------------------------------------------------------------------------------------------

def upload(client, data, filename):
    return client.post("/inventory/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def pending_files(web_app):
    directory = Path(web_app.config["UPLOAD_DIR"]) / "imports"
    return sorted(directory.iterdir()) if directory.is_dir() else []


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_caretaker_checks_then_imports_a_register_from_the_inventory_page(client, setup, web_app, kind):
    login(client, "caretaker@a.example")
    overview = client.get("/inventory").get_data(as_text=True)
    assert 'href="/inventory/import"' in overview and "Importer fra regneark" in overview
    page = client.get("/inventory/import")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Importer inventar fra regneark" in html and 'action="/inventory/import"' in html
    assert 'href="/inventory/import/template.xlsx"' in html and 'href="/inventory/import/template.csv"' in html
    assert "<code lang=\"nb\">etasje</code>" in html and "<code lang=\"nb\">status</code>" in html
    assert 'name="publish"' not in html.split('id="upload-heading"')[1]  # never on the market
    listings_page = client.get("/items/import").get_data(as_text=True)  # the market's import: no status
    assert "<code lang=\"nb\">etasje</code>" in listings_page and "<code lang=\"nb\">status</code>" not in listings_page
    assert 'name="publish"' in listings_page and 'action="/items/import"' in listings_page

    data = csv_bytes(REGISTER) if kind == "csv" else xlsx_bytes(REGISTER)
    checked = upload(client, data, f"register.{kind}")
    assert checked.status_code == 200, checked.get_data(as_text=True)
    html = checked.get_data(as_text=True)
    assert "Alle 4 radene er i orden." in html and "Gjenstandene legges i inventaret, ikke ut på markedet." in html
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html)[1]
    assert count_items() == 0 and len(pending_files(web_app)) == 1

    done = client.post("/inventory/import", data={"token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith("/inventory")
    assert_the_register_is_in_as_inventory_only(setup)
    assert pending_files(web_app) == []
    listed = client.get("/inventory").get_data(as_text=True)
    assert "4 gjenstander er importert til inventaret." in listed
    assert "Dulten skole · etasje 2 · rom 204" in listed and "Til gjenvinning" in listed
    assert client.post("/inventory/import", data={"token": token}).status_code == 400  # a second click
    assert count_items() == 4
    admin = web_app.test_client()
    login(admin, "admin@a.example")
    assert "Inventar importert fra regneark" in admin.get("/admin/audit").get_data(as_text=True)


def test_another_municipality_sees_nothing_imported(client, setup):
    importing.import_inventory(setup.caretaker_a, setup.a, spreadsheet.parse(csv_bytes(REGISTER), "r.csv"))
    db.session.commit()
    login(client, "caretaker@b.example")
    assert "Elevstoler" not in client.get("/inventory").get_data(as_text=True)
    assert "Elevstoler" not in client.get("/items?q=elevstoler").get_data(as_text=True)
    for item in items():
        assert client.get(f"/items/{item.id}").status_code == 404


def test_the_page_reports_a_bad_status_by_line_and_column_and_imports_nothing(client, setup, web_app):
    login(client, "admin@a.example")
    rows = [*REGISTER, ["Hylle", "bookshelf", "god", "2", "ødelagt", "Rådhuset", "1", "101", "", ""],
            ["Tavle", "romskip", "god", "1", "i bruk", "Rådhuset", "1", "101", "", ""]]
    response = upload(client, csv_bytes(rows), "register.csv")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    lines = re.findall(r'<th scope="row" class="number">(\d+)</th>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>', html)
    assert [(line, column) for line, column, _message in lines] == [("6", "status"), ("7", "kategori")]
    assert "Ukjent status «ødelagt»" in lines[0][2]
    assert 'name="token"' not in html and count_items() == 0 and pending_files(web_app) == []


def test_a_broken_file_gets_a_clear_400(client, setup, web_app):
    login(client, "caretaker@a.example")
    response = upload(client, b"tittel;kategori\r\nStol;desk\r\n", "register.csv")
    assert response.status_code == 400 and 'id="file-error"' in response.get_data(as_text=True)
    assert count_items() == 0 and pending_files(web_app) == []


@pytest.mark.parametrize("kind, content_type", [
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("csv", "text/csv; charset=utf-8"),
])
def test_the_template_downloads(client, setup, kind, content_type):
    login(client, "caretaker@a.example")
    response = client.get(f"/inventory/import/template.{kind}")
    assert response.status_code == 200 and response.headers["Content-Type"] == content_type
    assert f"filename=inventory-import-template.{kind}" in response.headers["Content-Disposition"]
    if kind == "xlsx":
        header = next(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
        assert header[:8] == ("tittel", "kategori", "tilstand", "antall", "status", "enhet", "bygg", "etasje")
    else:
        assert response.data.startswith("\ufefftittel;kategori;tilstand;antall;status".encode())
    assert client.get("/inventory/import/template.pdf").status_code == 404


@pytest.mark.parametrize("email", ["member@a.example", "store@a.example", "helper@hjelpen.example",
                                   "coordinator@vest.example", "root@site.example"])
def test_those_who_may_not_keep_the_inventory_get_403(client, setup, email):
    login(client, email)
    assert client.get("/inventory/import").status_code == 403
    assert upload(client, csv_bytes(REGISTER), "register.csv").status_code == 403
    assert client.get("/inventory/import/template.xlsx").status_code == 403
    assert count_items() == 0
    if email == "member@a.example":  # sees the inventory, but is not offered the import
        assert "/inventory/import" not in client.get("/inventory").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login(client, setup):
    for path in ("/inventory/import", "/inventory/import/template.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- The command ----------------------------------------------------------------------------------------

def test_the_command_imports_into_the_inventory(runner, setup, tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx_bytes(REGISTER))
    base = ["import", "items", str(path), "--municipality", "kommune-a", "--inventory"]
    both = runner.invoke(args=[*base, "--as", "caretaker@a.example", "--publish"])
    assert both.exit_code == 2 and "never published" in both.output
    member = runner.invoke(args=[*base, "--as", "member@a.example"])
    assert member.exit_code == 1 and "may not" in member.output
    result = runner.invoke(args=[*base, "--as", "caretaker@a.example"])
    assert result.exit_code == 0, result.output
    assert "Checked 4 of 4 rows" in result.output and "Imported 4 items into A kommune's inventory." in result.output
    assert_the_register_is_in_as_inventory_only(setup)
