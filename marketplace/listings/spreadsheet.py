"""A spreadsheet of listings or of items in use: its columns, a template to fill in, and reading a CSV or Excel
(.xlsx) file into rows of cells. Nothing here touches the database; ``importer`` checks and imports the rows.

``parse(data, filename)`` reads the file. Whatever is wrong with the file as a whole (not a spreadsheet, too
large, unknown or missing columns) raises ``ImportFileError`` with a message fit to show. Line numbers are the
spreadsheet's: the header is line 1, the first data row line 2. docs/import.md describes the columns for people.
"""

from __future__ import annotations

import csv
import re
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _

from marketplace.i18n import lazy_gettext as _l

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 60
# An .xlsx file is a zip archive: refuse archives that unpack to much more than any real inventory list.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 500


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why and is fit to show."""


@dataclass(frozen=True)
class Column:
    key: str  # the field of services.ItemInput (and the English header)
    norwegian: str  # the Norwegian header
    required: bool
    help: str  # lazy string: what the column takes
    max_length: int | None = None
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("title", "tittel", True, _l("Short name of the item, at most 140 characters."), 140),
    Column("category", "kategori", True,
           _l("The category's short name (such as office_chair) or its name in Norwegian or English.")),
    Column("condition", "tilstand", True,
           _l("as_new, good, worn or needs_repair (in Norwegian: som ny, god, slitt, må repareres).")),
    Column("quantity", "antall", True,
           _l("Number of pieces, or the amount in the category's unit (kg, tonnes, m², m³). "
              "A decimal comma or point: 2,5 or 2.5.")),
    Column("unit", "enhet", False,
           _l("The name of one of your municipality's units (school, depot, office) where the item is.")),
    Column("location", "sted", False,
           _l("The name of one of your municipality's pickup locations or stores, if the item stands there "
              "and not at its unit.")),
    Column("description", "beskrivelse", False, _l("Free text, at most 5000 characters."), 5000),
    Column("building", "bygg", False, _l("Building, at most 120 characters."), 120),
    Column("floor", "etasje", False, _l("Floor, at most 40 characters: 2, U1, loft."), 40),
    Column("room", "rom", False, _l("Room, at most 120 characters."), 120),
    Column("pickup_instructions", "henting", False, _l("Pickup instructions, at most 2000 characters."),
           2000),
    Column("available_from", "tilgjengelig_fra", False, _l("A date: YYYY-MM-DD or DD.MM.YYYY.")),
    Column("advertise_until", "annonseres_til", False,
           _l("A date: YYYY-MM-DD or DD.MM.YYYY. After it the listing expires.")),
    Column("would_be_discarded", "kastes", False,
           _l("Would otherwise be thrown away: ja/nei, yes/no, true/false or 1/0. Blank means no.")),
    Column("dimensions", "mål", False, _l("For example 120 × 80 × 72 cm."), 120),
    Column("brand", "merke", False, _l("Brand, at most 120 characters."), 120),
    Column("model", "modell", False, _l("Model, at most 120 characters."), 120),
    Column("colour", "farge", False, _l("Colour or series, at most 120 characters."), 120,
           aliases=("color",)),
    Column("asset_tag", "inventarnummer", False, _l("Asset tag, at most 60 characters."), 60),
    Column("serial_number", "serienummer", False, _l("Serial number, at most 80 characters."), 80),
    Column("status", "status", False,
           _l("Inventory import only: in use, for repair or for recycling (i bruk, til reparasjon, "
              "til gjenvinning). Blank means in use.")),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
# What each import page lists (and its template holds). Either import reads every column, but a listing
# import refuses a status cell: the market has none of the inventory's statuses.
LISTING_COLUMNS = tuple(column for column in COLUMNS if column.key != "status")
INVENTORY_COLUMNS = tuple(COLUMNS_BY_KEY[key] for key in (
    "title", "category", "condition", "quantity", "status", "unit", "building", "floor", "room", "brand", "model",
    "colour", "dimensions", "asset_tag", "serial_number", "description", "location"))
_HEADER_NAMES = {name: column for column in COLUMNS
                 for name in (column.key, column.norwegian, *column.aliases)}

@dataclass
class Row:
    """One data row: its spreadsheet line and its cells by column key (str from CSV; str, numbers, dates or
    booleans from Excel). ``headers`` maps each key to the header as written in the file."""

    line: int
    values: dict[str, object]
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    overflow: bool = False  # cells beyond the header's last column: a separator inside an unquoted value?


def template(columns: tuple[Column, ...], examples: list[dict[str, object]], kind: str) -> bytes:
    """A file to fill in: the Norwegian headers of ``columns`` and the example rows (cells by column key), as
    CSV the way Norwegian Excel reads it (UTF-8 with a byte-order mark, semicolons) or as .xlsx."""
    header = [column.norwegian for column in columns]
    rows = [["" if example.get(column.key) is None else example[column.key] for column in columns]
            for example in examples]
    if kind == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerows([header, *rows])
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) + 4)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Reading the file -----------------------------------------------------------------------------------

def file_kind(data: bytes, filename: str) -> str:
    """"csv" or "xlsx", from the name and the first bytes (an Excel file renamed to .csv is still read)."""
    suffix = Path(filename or "").suffix.lower()
    if data.startswith(b"PK\x03\x04") and suffix in (".xlsx", ".csv", ""):
        return "xlsx"
    if suffix == ".xlsx":
        raise ImportFileError(_("The file is not a readable Excel (.xlsx) file. Open it in Excel and save it "
                                "again as .xlsx, or save it as CSV."))
    if suffix == ".xls":
        raise ImportFileError(_("Old Excel files (.xls) cannot be read. Save the file as .xlsx or as CSV."))
    if suffix in (".csv", ".txt"):
        return "csv"
    raise ImportFileError(_("Choose a CSV or Excel (.xlsx) file."))


def parse(data: bytes, filename: str) -> list[Row]:
    """The data rows of a CSV or .xlsx file, checked for size and columns. Raises ImportFileError."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is too large: at most %(mb)d MB. Split it into smaller files.",
                                mb=MAX_FILE_BYTES // (1024 * 1024)))
    if not data.strip().removeprefix(b"\xef\xbb\xbf").strip():
        raise ImportFileError(_("The file is empty."))
    if file_kind(data, filename) == "xlsx":
        records = _xlsx_records(data)
    else:
        records = _csv_records(data)
    return _rows(records)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise ImportFileError(_("The file does not look like a CSV file (it holds binary data). "
                                "Save it from Excel as “CSV UTF-8” or as .xlsx."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # what Norwegian Excel writes for plain "CSV"
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _csv_records(data: bytes):
    text = _decode(data)
    first_line, _newline, rest = text.partition("\n")
    if first_line.strip().lower() in ("sep=;", "sep=,"):  # Excel's hint line; Excel does not show it as a row
        delimiter, text = first_line.strip()[-1], rest
    else:
        delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, record in enumerate(reader, start=1):
            yield number, [cell.strip() for cell in record]
    except csv.Error as error:
        raise ImportFileError(_("Line %(line)d cannot be read as CSV (%(reason)s).",
                                line=reader.line_num, reason=str(error))) from error


def _delimiter(text: str) -> str:
    """Semicolon (Norwegian Excel) or comma. The header decides when it uses only one of them (no column name
    holds either); otherwise the sniffer looks at the first lines."""
    header = text.partition("\n")[0]
    semicolons, commas = header.count(";"), header.count(",")
    if bool(semicolons) != bool(commas):
        return ";" if semicolons else ","
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=";,").delimiter
    except csv.Error:
        return ";" if semicolons >= commas else ","


def _xlsx_records(data: bytes):
    from openpyxl import load_workbook

    unreadable = _("The file is not a readable Excel (.xlsx) file. Open it in Excel and save it again as "
                   ".xlsx, or save it as CSV.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(unreadable) from error
    if len(entries) > MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise ImportFileError(_("The Excel file unpacks to far more data than an inventory list holds. "
                                "Save it again as a plain list, or as CSV."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a broken file; the user needs one answer
        raise ImportFileError(unreadable) from error
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The Excel file has no worksheet."))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # trust the cells, not the declared size (which may claim a million rows)
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1):
            cells = [value.strip() if isinstance(value, str) else value for value in values]
            while cells and blank(cells[-1]):
                cells.pop()
            yield number, cells
    except ImportFileError:
        raise
    except Exception as error:
        raise ImportFileError(unreadable) from error
    finally:
        workbook.close()


def _header_key(name: object) -> str:
    text = str(name or "").strip().lower().rstrip("*").strip()
    return re.sub(r"[\s\-]+", "_", text)


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(records) -> list[Row]:
    header_line, header = next(((n, cells) for n, cells in records if any(not blank(c) for c in cells)),
                               (None, None))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(_("The file has too many columns (at most %(count)d).", count=MAX_COLUMNS))
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown = []
    for position, name in enumerate(header):
        if blank(name):
            continue  # an empty header cell: the column is not read
        column = _HEADER_NAMES.get(_header_key(name))
        if column is None:
            unknown.append(str(name).strip())
        elif column.key in positions:
            raise ImportFileError(_("The column “%(name)s” appears twice. Keep one of them.",
                                    name=str(name).strip()))
        else:
            positions[column.key] = position
            headers[column.key] = str(name).strip()
    accepted = ", ".join(f"{column.key} ({column.norwegian})" for column in COLUMNS)
    if unknown:
        raise ImportFileError(_("Unknown column: %(names)s. Rename or remove it. "
                                "The columns are: %(accepted)s.",
                                names=", ".join(f"“{name}”" for name in unknown), accepted=accepted))
    missing = [f"{column.key} ({column.norwegian})" for column in COLUMNS
               if column.required and column.key not in positions]
    if missing:
        raise ImportFileError(_("The file lacks the required column(s): %(names)s. "
                                "The header (line %(line)d) must name them.",
                                names=", ".join(missing), line=header_line))
    rows = []
    for number, cells in records:
        values = {key: cells[position] if position < len(cells) else None
                  for key, position in positions.items()}
        if all(blank(value) for value in values.values()):
            continue  # empty lines, as spreadsheets often have at the end
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(_("The file has more than %(count)d rows. Split it into smaller files.",
                                    count=MAX_ROWS))
        overflow = any(not blank(cell) for cell in cells[len(header):])
        rows.append(Row(number, values, headers, overflow))
    if not rows:
        raise ImportFileError(_("The file has a header but no rows to import."))
    return rows
