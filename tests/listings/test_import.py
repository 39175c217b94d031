"""Inventory import (marketplace/listings/importer.py): CSV and Excel files, every bad row reported, all or nothing;
through the service, the `marketplace import items` command and the admin page."""

from __future__ import annotations

import csv
import errno
import io
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.listings import importer, spreadsheet
from marketplace.listings.spreadsheet import ImportFileError
from marketplace.listings.models import Condition, Item, ItemStatus
from tests.conftest import fresh, login
from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]
SOON = date.today() + timedelta(days=30)
LATER = date.today() + timedelta(days=90)
NORWEGIAN_HEADER = ["tittel", "kategori", "tilstand", "antall", "enhet", "tilgjengelig_fra", "annonseres_til",
                    "kastes", "merke"]


@pytest.fixture
def setup(region, catalogue):
    return region


def csv_bytes(rows, header=NORWEGIAN_HEADER, delimiter=";", encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Inventar"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Notes").append(["not read"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_rows():
    return [
        ["Stablestoler, grå", "Stablestol", "god", "24", "A skole", SOON.strftime("%d.%m.%Y"),
         LATER.isoformat(), "ja", "Kinnarps"],
        ["Kontorpulter og annet", "other_furniture", "slitt", "2,5", "A depot", "", "", "nei", ""],
        ["Bærbare PC-er", "Laptop", "Som ny", "10", "", "", "", "", "Lenovo"],
    ]


def items():
    fresh()
    return list(db.session.scalars(select(Item).order_by(Item.id)))


def count_items() -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(Item))


def errors_by_line(report):
    found = {}
    for error in report.errors:
        found.setdefault(error.line, []).append(error.column)
    return found


# --- The service ----------------------------------------------------------------------------------------

def test_a_good_csv_imports_every_row(setup):
    rows = spreadsheet.parse(csv_bytes(good_rows()), "inventar.csv")
    assert [row.line for row in rows] == [2, 3, 4]
    report = importer.import_items(setup.admin_a, setup.a, rows, publish=True)
    assert report.ok and report.rows == 3 and report.created == 3, report.errors
    db.session.commit()
    chairs, mixed, laptops = items()
    assert chairs.title == "Stablestoler, grå" and chairs.category.slug == "stackable_chair"
    assert chairs.condition == Condition.GOOD and chairs.quantity == 24 and chairs.unit == setup.school_a
    assert chairs.available_from == SOON and chairs.advertise_until == LATER
    assert chairs.would_be_discarded is True and chairs.brand == "Kinnarps"
    assert mixed.quantity == Decimal("2.5") and mixed.category.unit.value == "kg" and mixed.unit == setup.depot_a
    assert mixed.would_be_discarded is False and mixed.available_from is None
    assert laptops.category.slug == "laptop" and laptops.condition == Condition.AS_NEW and laptops.unit is None
    for item in (chairs, mixed, laptops):
        assert item.municipality == setup.a and item.created_by_id == setup.admin_a.id
        assert item.status == ItemStatus.PUBLISHED and item.published_at is not None
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("item_created") == 3 and actions.count("items_imported") == 1


def test_a_file_with_bad_rows_imports_nothing_and_reports_every_bad_row(setup):
    rows = good_rows() + [
        ["Romskip", "romskip", "god", "1", "", "", "", "", ""],                        # line 5: category
        ["Ingen stoler", "Stablestol", "god", "0", "", "", "", "", ""],                # line 6: quantity 0
        ["Halve stoler", "stackable_chair", "god", "2,5", "", "", "", "", ""],         # line 7: pieces
        ["Feil dato", "Stablestol", "god", "3", "", "31.02.2026", "", "", ""],         # line 8: no such date
        ["Annen kommune", "Stablestol", "god", "3", "B skole", "", "", "", ""],        # line 9: B's unit
        ["Helt galt", "Stablestol", "knust", "mange", "", "", "i morgen", "kanskje", ""],  # line 10: four
        ["Siste gode", "Stablestol", "god", "4", "", "", "", "", ""],
    ]
    parsed = spreadsheet.parse(csv_bytes(rows), "inventar.csv")
    report = importer.import_items(setup.caretaker_a, setup.a, parsed, publish=False)
    assert not report.ok and report.created == 0 and report.good_rows == 4
    assert errors_by_line(report) == {
        5: ["kategori"], 6: ["antall"], 7: ["antall"], 8: ["tilgjengelig_fra"], 9: ["enhet"],
        10: ["tilstand", "antall", "annonseres_til", "kastes"],
    }
    assert report.bad_lines == [5, 6, 7, 8, 9, 10]
    unit_error = next(error for error in report.errors if error.line == 9)
    assert "B skole" in unit_error.message and "A kommune" in unit_error.message
    assert "romskip" in next(error for error in report.errors if error.line == 5).message
    db.session.commit()
    assert count_items() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_service_rules_that_need_the_whole_row_are_reported_too(setup):
    rows = [["Kort", "Stablestol", "god", "5", "", LATER.isoformat(), SOON.isoformat(), "", ""],  # ends first
            ["x" * 141, "Stablestol", "god", "5", "", "", "", "", ""],
            ["Utløpt", "Stablestol", "god", "5", "", "", "01.01.2020", "", ""]]  # in the past: only if published
    parsed = spreadsheet.parse(csv_bytes(rows), "inventar.csv")
    drafts = importer.import_items(setup.caretaker_a, setup.a, parsed, publish=False, dry_run=True)
    assert errors_by_line(drafts) == {2: ["annonseres_til"], 3: ["tittel"]}
    published = importer.import_items(setup.caretaker_a, setup.a, parsed, publish=True, dry_run=True)
    assert errors_by_line(published) == {2: ["annonseres_til"], 3: ["tittel"], 4: ["annonseres_til"]}
    db.session.commit()
    assert count_items() == 0


def test_a_row_longer_than_the_header_is_bad(setup):
    data = b"tittel;kategori;tilstand;antall\r\nStol;desk;god;1\r\nStol; gr\xc3\xa5;desk;god;1\r\n"
    report = importer.import_items(setup.caretaker_a, setup.a, spreadsheet.parse(data, "x.csv"), publish=False)
    assert errors_by_line(report) == {3: ["kategori", "tilstand", "antall", ""]}
    db.session.commit()
    assert count_items() == 0


def test_an_xlsx_file_imports(setup):
    header = ["Title", "Category", "Condition", "Quantity", "Unit", "Available from", "Would be discarded",
              "Asset tag", "Serial number"]
    data = xlsx_bytes([
        ["Skjermer", "monitor_24", "good", 6, "A skole", datetime(2026, 12, 1), True, 12345, "SN-1"],
        ["Sand", "Strøsand", "needs repair", 1.25, None, "15.01.2027", "no", None, None],
        [None, None, None, None, None, None, None, None, None],  # an empty row is skipped, not an error
        ["Tastatur", "keyboard", "worn", 3.0, "a depot", None, 0, None, None],
    ], header)
    rows = spreadsheet.parse(data, "Inventar.XLSX")
    assert [row.line for row in rows] == [2, 3, 5]
    report = importer.import_items(setup.caretaker_a, setup.a, rows, publish=False)
    assert report.ok and report.created == 3, report.errors
    db.session.commit()
    monitors, sand, keyboards = items()
    assert monitors.quantity == 6 and monitors.available_from == date(2026, 12, 1)
    assert monitors.would_be_discarded is True and monitors.asset_tag == "12345" and monitors.serial_number == "SN-1"
    assert monitors.unit == setup.school_a and monitors.status == ItemStatus.DRAFT
    assert sand.quantity == Decimal("1.25") and sand.category.slug == "grit_sand"
    assert sand.condition == Condition.NEEDS_REPAIR and sand.available_from == date(2027, 1, 15)
    assert sand.unit == setup.depot_a  # the caretaker's own unit when the row names none
    assert keyboards.quantity == 3 and keyboards.unit == setup.depot_a and keyboards.would_be_discarded is False


def test_bad_xlsx_rows_are_reported_with_their_spreadsheet_lines(setup):
    header = ["tittel", "kategori", "tilstand", "antall"]
    data = xlsx_bytes([["God", "desk", "god", 2], [None] * 4, ["Halv", "desk", "god", 1.5],
                       ["Sann", "desk", "god", True]], header)
    report = importer.import_items(setup.caretaker_a, setup.a, spreadsheet.parse(data, "x.xlsx"), publish=False)
    assert errors_by_line(report) == {4: ["antall"], 5: ["antall"]}
    db.session.commit()
    assert count_items() == 0


def test_a_dry_run_imports_nothing(setup):
    rows = spreadsheet.parse(csv_bytes(good_rows()), "inventar.csv")
    report = importer.import_items(setup.admin_a, setup.a, rows, publish=True, dry_run=True)
    assert report.ok and report.good_rows == 3 and report.created == 0
    db.session.commit()
    assert count_items() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_progress_is_reported(setup, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 2)
    told = []
    rows = spreadsheet.parse(csv_bytes(good_rows() * 2), "inventar.csv")
    importer.import_items(setup.admin_a, setup.a, rows, publish=False, dry_run=True,
                          progress=lambda done, total: told.append((done, total)))
    assert told == [(2, 6), (4, 6), (6, 6)]


def test_only_caretakers_and_admins_of_the_municipality_may_import(setup):
    rows = spreadsheet.parse(csv_bytes(good_rows()), "inventar.csv")
    for outsider in (setup.member_a, setup.caretaker_b, setup.network_admin, setup.partner_user):
        with pytest.raises(Forbidden):
            importer.import_items(outsider, setup.a, rows, publish=True)
    db.session.commit()
    assert count_items() == 0


def test_norwegian_excel_csv_in_windows_encoding_with_commas(setup):
    header = ["Tittel", "Kategori", "Tilstand", "Antall", "Mål", "Farge"]
    data = csv_bytes([["Kontorstol, blå", "Kontorstol", "Må repareres", "2", "60 × 60", "blå"]], header,
                     delimiter=",", encoding="cp1252")
    assert "å".encode("cp1252") in data and b"\xc3" not in data
    report = importer.import_items(setup.caretaker_a, setup.a, spreadsheet.parse(data, "stoler.csv"), publish=False)
    assert report.ok, report.errors
    db.session.commit()
    (chair,) = items()
    assert chair.title == "Kontorstol, blå" and chair.category.slug == "office_chair"
    assert chair.condition == Condition.NEEDS_REPAIR and chair.dimensions == "60 × 60" and chair.colour == "blå"


def test_the_downloadable_template_imports(setup):
    data = (ROOT / "static" / "import-template.csv").read_bytes()
    report = importer.import_items(setup.caretaker_a, setup.a, spreadsheet.parse(data, "import-template.csv"),
                                   publish=False)
    assert report.ok and report.created == 4, report.errors
    db.session.commit()
    assert {row.quantity for row in items()} == {24, 12, 1, Decimal("2.5")}


# --- Whole-file problems --------------------------------------------------------------------------------

def test_an_unknown_column_is_named_with_the_accepted_ones(app):
    data = csv_bytes([["Stol", "desk", "god", "1", "rød"]], ["tittel", "kategori", "tilstand", "antall", "fargen"])
    with pytest.raises(ImportFileError) as error:
        spreadsheet.parse(data, "x.csv")
    message = str(error.value)
    assert "fargen" in message and "colour (farge)" in message and "serial_number (serienummer)" in message


def test_missing_required_columns_are_named(app):
    with pytest.raises(ImportFileError) as error:
        spreadsheet.parse(csv_bytes([["Stol", "god"]], ["tittel", "tilstand"]), "x.csv")
    assert "category (kategori)" in str(error.value) and "quantity (antall)" in str(error.value)
    assert "title (tittel)" not in str(error.value)


@pytest.mark.parametrize("data, filename", [
    (b"", "tom.csv"),
    (b"\xef\xbb\xbf \r\n\r\n", "tom.csv"),
    (bytes(range(256)) * 40, "garbage.csv"),
    (b"tittel;kategori;tilstand;antall\r\n", "bare-header.csv"),
    (b"PK\x03\x04" + b"\x00garbage" * 100, "fake.xlsx"),
    (b"this is not a spreadsheet", "fake.xlsx"),
    (b"tittel;kategori\r\n", "old.xls"),
    (b"tittel;kategori\r\n", "notes.pdf"),
    (b"tittel;kategori;tilstand;antall;tittel\r\nA;desk;god;1;B\r\n", "twice.csv"),
])
def test_unreadable_files_are_refused_with_a_message(data, filename, app):
    with pytest.raises(ImportFileError) as error:
        spreadsheet.parse(data, filename)
    assert len(str(error.value)) > 10


def test_an_xlsx_that_unpacks_to_too_much_is_refused(monkeypatch, app):
    monkeypatch.setattr(spreadsheet, "MAX_UNPACKED_BYTES", 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (2 * 1024 * 1024))
    assert len(buffer.getvalue()) < 20_000
    with pytest.raises(ImportFileError) as error:
        spreadsheet.parse(buffer.getvalue(), "bomb.xlsx")
    assert "Excel" in str(error.value)  # a clear word about the file, in either language


def test_size_and_row_limits(monkeypatch, app):
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 3)
    assert len(spreadsheet.parse(csv_bytes(good_rows()), "x.csv")) == 3
    with pytest.raises(ImportFileError) as error:
        spreadsheet.parse(csv_bytes(good_rows() + good_rows()[:1]), "x.csv")
    assert "3" in str(error.value)
    monkeypatch.setattr(spreadsheet, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImportFileError):
        spreadsheet.parse(csv_bytes(good_rows()), "x.csv")


def test_headers_are_matched_loosely_and_excel_hint_line_is_understood(app):
    data = b"sep=,\r\n Title *,CATEGORY,condition,Quantity,Pickup instructions,Tilgjengelig fra\r\n" \
           b"Stol,desk,good,\"1,5\",Ring 123,01.02.2027\r\n"
    (row,) = spreadsheet.parse(data, "x.csv")
    assert row.line == 2
    assert row.values == {"title": "Stol", "category": "desk", "condition": "good", "quantity": "1,5",
                          "pickup_instructions": "Ring 123", "available_from": "01.02.2027"}
    assert row.headers["available_from"] == "Tilgjengelig fra"


# --- The command ----------------------------------------------------------------------------------------

def test_the_command_imports_a_file(runner, setup, tmp_path):
    path = tmp_path / "inventar.csv"
    path.write_bytes(csv_bytes(good_rows()))
    result = runner.invoke(args=["import", "items", str(path), "--municipality", "kommune-a",
                                 "--as", "admin@a.example", "--publish"])
    assert result.exit_code == 0, result.output
    assert "Checked 3 of 3 rows" in result.output and "Imported 3 items into A kommune" in result.output
    imported = items()
    assert len(imported) == 3 and {item.status for item in imported} == {ItemStatus.PUBLISHED}
    assert {item.municipality_id for item in imported} == {setup.a.id}


def test_the_command_reports_bad_rows_and_exits_non_zero(runner, setup, tmp_path):
    path = tmp_path / "inventar.csv"
    path.write_bytes(csv_bytes(good_rows() + [["Ingen", "Stablestol", "god", "0", "", "", "", "", ""],
                                              ["Romskip", "romskip", "god", "1", "", "", "", "", ""]]))
    result = runner.invoke(args=["import", "items", str(path), "--municipality", "kommune-a",
                                 "--as", "admin@a.example"])
    assert result.exit_code == 1
    assert "line 5: antall: The quantity must be more than zero." in result.output
    assert "line 6: kategori: Unknown category" in result.output
    assert "2 of 5 rows have problems" in result.output
    assert count_items() == 0


def test_the_command_dry_run_and_refusals(runner, setup, tmp_path):
    path = tmp_path / "inventar.xlsx"
    path.write_bytes(xlsx_bytes(good_rows(), NORWEGIAN_HEADER))
    base = ["import", "items", str(path), "--municipality", "kommune-a"]
    dry = runner.invoke(args=[*base, "--as", "caretaker@a.example", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "All 3 rows are fine" in dry.output and count_items() == 0
    member = runner.invoke(args=[*base, "--as", "member@a.example"])
    assert member.exit_code == 1 and "may not list items" in member.output
    nobody = runner.invoke(args=[*base])
    assert nobody.exit_code == 2 and "--as" in nobody.output
    nowhere = runner.invoke(args=["import", "items", str(path), "--municipality", "nowhere", "--as",
                                  "admin@a.example"])
    assert nowhere.exit_code == 2 and "nowhere" in nowhere.output
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)))
    bad_file = runner.invoke(args=["import", "items", str(garbage), "--municipality", "kommune-a", "--as",
                                   "admin@a.example"])
    assert bad_file.exit_code == 1 and "garbage.csv" in bad_file.output
    assert count_items() == 0


# --- The page -------------------------------------------------------------------------------------------

def upload(client, data, filename, **fields):
    return client.post("/items/import", data={"file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def pending_files(web_app):
    directory = Path(web_app.config["UPLOAD_DIR"]) / "imports"
    return sorted(directory.iterdir()) if directory.is_dir() else []


def test_admin_checks_then_imports_a_file(client, setup, web_app):
    login(client, "admin@a.example")
    page = client.get("/items/import")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="file"' in html and 'accept=".csv,.xlsx"' in html and "import-template.csv" in html
    assert "inventarnummer</code>" in html and "<code>stackable_chair</code>" in html

    checked = upload(client, csv_bytes(good_rows()), "inventar.csv", publish="y")
    assert checked.status_code == 200, checked.get_data(as_text=True)
    html = checked.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html)[1]
    assert re.search(r'name="publish" type="hidden" value="1"', html)
    assert count_items() == 0 and len(pending_files(web_app)) == 1

    done = client.post("/items/import", data={"token": token, "publish": "1"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/items/ours")
    imported = items()
    assert [item.title for item in imported] == ["Stablestoler, grå", "Kontorpulter og annet", "Bærbare PC-er"]
    assert {item.status for item in imported} == {ItemStatus.PUBLISHED}
    assert pending_files(web_app) == []
    again = client.post("/items/import", data={"token": token, "publish": "1"})  # a second click
    assert again.status_code == 400 and count_items() == 3


def test_a_read_only_upload_directory_says_so_and_offers_no_import(client, setup, web_app, monkeypatch):
    def read_only(target, content):
        raise OSError(errno.EROFS, "Read-only file system", str(target))

    monkeypatch.setattr(importer, "write_atomically", read_only)
    login(client, "admin@a.example")
    checked = upload(client, csv_bytes(good_rows()), "inventar.csv")
    assert checked.status_code == 400
    html = checked.get_data(as_text=True)
    assert "lager er fullt eller skrivebeskyttet" in html and 'name="token"' not in html
    assert count_items() == 0 and pending_files(web_app) == []


def test_the_page_reports_every_bad_row_and_imports_nothing(client, setup, web_app):
    login(client, "admin@a.example")
    rows = good_rows() + [["Ingen", "Stablestol", "god", "0", "", "", "", "", ""],
                          ["Halve", "Stablestol", "god", "1,5", "", "", "", "", ""],
                          ["Annen", "Stablestol", "god", "1", "B skole", "", "", "", ""]]
    response = upload(client, csv_bytes(rows), "inventar.csv")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<caption" in html
    lines = re.findall(r'<th scope="row" class="number">(\d+)</th>\s*<td>([^<]+)</td>', html)
    assert lines == [("5", "antall"), ("6", "antall"), ("7", "enhet")]
    assert 'name="token"' not in html  # no way to import a bad file
    assert count_items() == 0 and pending_files(web_app) == []


@pytest.mark.parametrize("data, filename", [
    (bytes(range(256)) * 40, "inventar.csv"),
    (b"PK\x03\x04" + bytes(range(256)) * 40, "inventar.xlsx"),
    (b"", "inventar.csv"),
    (b"tittel;kategori\r\nStol;desk\r\n", "inventar.csv"),
])
def test_hostile_or_broken_files_get_a_clear_400(client, setup, web_app, data, filename):
    login(client, "admin@a.example")
    response = upload(client, data, filename)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="file-error"' in html and 'aria-invalid="true"' in html
    assert count_items() == 0 and pending_files(web_app) == []


def test_a_forged_or_foreign_token_imports_nothing(client, setup, web_app, make_app):
    login(client, "admin@a.example")
    checked = upload(client, csv_bytes(good_rows()), "inventar.csv")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', checked.get_data(as_text=True))[1]
    make_user("admin@b.example", Role.MUNICIPAL_ADMIN, setup.b)
    db.session.commit()
    other = make_app().test_client()
    login(other, "admin@b.example")
    assert other.post("/items/import", data={"token": token}).status_code == 400  # A's file, B's admin
    for forged in ("../../etc/passwd", "x.csv", token.replace(".csv", ".xlsx"), ""):
        assert client.post("/items/import", data={"token": forged}).status_code == 400
    assert count_items() == 0 and len(pending_files(web_app)) == 1


def test_another_municipalitys_admin_imports_only_into_their_own(client, setup):
    make_user("admin@b.example", Role.MUNICIPAL_ADMIN, setup.b)
    db.session.commit()
    login(client, "admin@b.example")
    rows = [row[:4] + ["", *row[5:]] for row in good_rows()]  # no unit: A's units are not B's
    checked = upload(client, csv_bytes(rows), "inventar.csv")
    assert checked.status_code == 200, checked.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', checked.get_data(as_text=True))[1]
    assert client.post("/items/import", data={"token": token}).status_code == 303
    assert {item.municipality_id for item in items()} == {setup.b.id}
    with_a_units = upload(client, csv_bytes(good_rows()), "inventar.csv")
    assert with_a_units.status_code == 400 and count_items() == 3


@pytest.mark.parametrize("email", ["member@a.example", "helper@hjelpen.example", "coordinator@vest.example",
                                   "root@site.example"])
def test_only_a_municipalitys_caretakers_and_admins_open_the_page(client, setup, email):
    """Members, partners, a network admin of no municipality and a site admin (who imports with the command)
    get 403. Caretakers may: tests/listings/test_import_caretaker.py."""
    login(client, email)
    assert client.get("/items/import").status_code == 403
    assert upload(client, csv_bytes(good_rows()), "inventar.csv").status_code == 403
    assert count_items() == 0


def test_anonymous_visitors_are_sent_to_login(client, setup):
    response = client.get("/items/import")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
