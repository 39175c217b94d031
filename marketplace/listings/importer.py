"""Spreadsheet import: many listings at once from a CSV or Excel (.xlsx) file, or a register of items in use
into the inventory.

Two steps, used alike by the import pages (a municipality's caretakers and admins) and the `marketplace import
items` command:

- ``spreadsheet.parse(data, filename)`` reads the file into rows (or says what is wrong with the file).
- ``import_items(actor, municipality, rows, …)`` checks every row with the same rules as the listing form
  (each row goes through ``services.create_item`` inside its own savepoint) and reports *every* bad row
  with its line number. One bad row and nothing is kept: the whole import is rolled back. A dry run always
  rolls back.
- Into the inventory, the inventory room hands in its ``register`` (this room sits below it, so it cannot
  call it by name): each row is saved by it with the row's status (in use when blank), never published.

Line numbers are the spreadsheet's: the header is line 1, the first data row line 2. The column set is
``spreadsheet.COLUMNS``; docs/import.md describes it for people.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden
from marketplace.listings import services
from marketplace.inputs import parse_decimal
from marketplace.listings.models import Category, Condition, ItemStatus
from marketplace.listings.forms import item_input
from marketplace.listings.permissions import can_import_items
from marketplace.listings.spreadsheet import COLUMNS_BY_KEY, Column, ImportFileError, Row, blank, file_kind
from marketplace.locations.models import Location
from marketplace.locations.services import locations_of
from marketplace.organisations.models import Municipality, Unit
from marketplace.storage import write_atomically

log = logging.getLogger(__name__)

PROGRESS_EVERY = 500
PENDING_LIFETIME_SECONDS = 24 * 3600


CONDITION_NAMES = {
    "as_new": Condition.AS_NEW, "as new": Condition.AS_NEW,
    "som ny": Condition.AS_NEW, "som_ny": Condition.AS_NEW,
    "good": Condition.GOOD, "god": Condition.GOOD,
    "worn": Condition.WORN, "slitt": Condition.WORN,
    "needs_repair": Condition.NEEDS_REPAIR, "needs repair": Condition.NEEDS_REPAIR,
    "må repareres": Condition.NEEDS_REPAIR, "må_repareres": Condition.NEEDS_REPAIR,
}
STATUS_NAMES = {
    "in use": ItemStatus.IN_USE, "i bruk": ItemStatus.IN_USE,
    "for repair": ItemStatus.FOR_REPAIR, "til reparasjon": ItemStatus.FOR_REPAIR,
    "for recycling": ItemStatus.FOR_RECYCLING, "til gjenvinning": ItemStatus.FOR_RECYCLING,
}
TRUE_WORDS = {"ja", "yes", "true", "1", "sann"}
FALSE_WORDS = {"nei", "no", "false", "0", "usann", ""}


# Saves one row into the inventory: (actor, the row's input, its status, now). Raises ListingError.
Register = Callable[[User, services.ItemInput, ItemStatus, datetime], object]


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # as the file names it
    message: str


@dataclass
class ImportReport:
    rows: int = 0  # data rows checked
    errors: list[RowError] = field(default_factory=list)
    good_rows: int = 0  # rows that passed every check
    created: int = 0  # items kept: every row's, or none (a dry run, or any bad row)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors})


# --- Reading the cells ----------------------------------------------------------------------------------

class _CellError(ValueError):
    pass


def _text(value: object, column: Column) -> str:
    if blank(value):
        return ""
    if isinstance(value, bool):
        text = _("yes") if value else _("no")
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.replace("\x00", "").strip()
    if column.max_length and len(text) > column.max_length:
        raise _CellError(_("At most %(count)d characters (this has %(length)d).",
                           count=column.max_length, length=len(text)))
    return text


def _quantity(value: object) -> Decimal | None:
    if isinstance(value, bool):
        raise _CellError(_("Write a number, like 12 or 2,5."))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if blank(value):
        raise _CellError(_("Give the quantity."))
    try:
        return parse_decimal(str(value))
    except ValueError as error:
        raise _CellError(_("Write a number, like 12 or 2,5.")) from error


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NORWEGIAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def _date(value: object) -> date | None:
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    iso, norwegian = _ISO_DATE.fullmatch(text), _NORWEGIAN_DATE.fullmatch(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if norwegian:
            return date(int(norwegian[3]), int(norwegian[2]), int(norwegian[1]))
    except ValueError:
        pass
    raise _CellError(_("“%(value)s” is not a date. Write YYYY-MM-DD or DD.MM.YYYY, "
                       "like 2026-08-15 or 15.08.2026.", value=text[:40]))


def _yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = "" if value is None else str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise _CellError(_("Write ja or nei (yes or no)."))


class _Lookups:
    """Categories and the municipality's units and active locations, read once per import."""

    def __init__(self, municipality: Municipality) -> None:
        self.categories: dict[str, Category] = {}
        for category in db.session.scalars(select(Category).order_by(Category.position)):
            for name in (category.slug, category.name_nb, category.name_en):
                self.categories.setdefault(name.strip().lower(), category)
        self.units = {unit.name.strip().lower(): unit for unit in db.session.scalars(
            select(Unit).where(Unit.municipality_id == municipality.id, Unit.archived_at.is_(None)))}
        self.locations = {location.name.strip().lower(): location
                          for location in locations_of(municipality, archived=False)}
        self.municipality = municipality

    def category(self, value: object) -> Category:
        text = "" if value is None else str(value).strip()
        if not text:
            raise _CellError(_("Give the category."))
        category = self.categories.get(text.lower())
        if category is None:
            raise _CellError(_("Unknown category “%(value)s”. Use a short name such as office_chair, or the "
                               "category's name; the list is on the import page.", value=text[:60]))
        return category

    def unit(self, value: object) -> Unit | None:
        text = "" if blank(value) else str(value).strip()
        if not text:
            return None
        unit = self.units.get(text.lower())
        if unit is None:
            raise _CellError(_("%(municipality)s has no unit called “%(value)s”.",
                               municipality=self.municipality.name, value=text[:60]))
        return unit


    def location(self, value: object) -> Location | None:
        text = "" if blank(value) else str(value).strip()
        if not text:
            return None
        location = self.locations.get(text.lower())
        if location is None:
            raise _CellError(_("%(municipality)s has no pickup location or store called “%(value)s”.",
                               municipality=self.municipality.name, value=text[:60]))
        return location


def _condition(value: object) -> Condition:
    text = "" if value is None else re.sub(r"\s+", " ", str(value).strip().lower())
    if not text:
        raise _CellError(_("Give the condition."))
    condition = CONDITION_NAMES.get(text)
    if condition is None:
        raise _CellError(_("Unknown condition “%(value)s”. Write as_new, good, worn or needs_repair "
                           "(som ny, god, slitt, må repareres).", value=text[:40]))
    return condition


def _status(value: object) -> ItemStatus | None:
    """An inventory status, or None for a blank cell (the caller's default)."""
    if blank(value):
        return None
    status = STATUS_NAMES.get(re.sub(r"[\s_]+", " ", str(value).strip().lower()))
    if status is None:
        raise _CellError(_("Unknown status “%(value)s”. Write in use, for repair or for recycling (i bruk, til "
                           "reparasjon, til gjenvinning).", value=str(value).strip()[:40]))
    return status


def _no_status(value: object) -> None:
    if not blank(value):
        raise _CellError(_("Only an import into the inventory reads a status (from the inventory page, or with "
                           "--inventory). Leave the column blank or remove it."))


_DEFAULTS = {"unit": None, "location": None, "available_from": None, "advertise_until": None, "would_be_discarded": False}


def _read_row(row: Row, lookups: _Lookups, inventory: bool
              ) -> tuple[services.ItemInput | None, ItemStatus, dict[str, str]]:
    """The row as the service's input, its status (in use unless the inventory's row says otherwise), and the
    cells that could not be read. Cells that fail are left at their defaults, so the service can still check
    the rest; None if the row lacks what every item needs."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    readers: dict[str, Callable[[object], object]] = {
        "category": lookups.category, "condition": _condition, "quantity": _quantity, "unit": lookups.unit,
        "location": lookups.location, "status": _status if inventory else _no_status,
        "available_from": _date, "advertise_until": _date, "would_be_discarded": _yes_no,
    }
    for key, raw in row.values.items():
        try:
            values[key] = readers[key](raw) if key in readers else _text(raw, COLUMNS_BY_KEY[key])
        except _CellError as error:
            errors[key] = str(error)
            values[key] = _DEFAULTS.get(key, "")
    status = values.get("status") or ItemStatus.IN_USE
    if any(key in errors for key in ("category", "condition", "quantity")):
        return None, status, errors
    return item_input(values), status, errors  # the listing form's and the API's mapper: the three cannot drift


# --- Importing ------------------------------------------------------------------------------------------

def import_items(actor: User, municipality: Municipality, rows: list[Row], *, publish: bool,
                 dry_run: bool = False, progress: Callable[[int, int], object] | None = None,
                 now: datetime | None = None, register: Register | None = None) -> ImportReport:
    """Check every row and list them all for ``municipality``, or none: one bad row and the whole import is
    rolled back. ``progress(done, total)`` is told every PROGRESS_EVERY rows and at the end. With ``register``
    the rows go into the inventory through it instead (never published). Flushes, never commits: the caller
    commits when the report is ok (and it is not a dry run)."""
    if not can_import_items(actor, municipality):
        raise Forbidden
    if register is not None and publish:
        raise ValueError("Items imported into the inventory are never published.")
    now = now or utcnow()
    report = ImportReport(rows=len(rows), dry_run=dry_run)
    lookups = _Lookups(municipality)
    whole = db.session.begin_nested()
    try:
        for done, row in enumerate(rows, start=1):
            data, status, errors = _read_row(row, lookups, inventory=register is not None)
            if data is not None:
                errors = {**_service_errors(actor, municipality, data, publish, now, status, register), **errors}
            if row.overflow:
                errors[""] = _("The row has more cells than the header has columns. Is there a separator inside "
                               "a value? Put such values in double quotes.")
            if errors:
                order = list(row.values)
                for key in sorted(errors, key=lambda k: order.index(k) if k in order else len(order)):
                    report.errors.append(RowError(row.line, row.headers.get(key, key), errors[key]))
            else:
                report.good_rows += 1
            if progress and (done % PROGRESS_EVERY == 0 or done == len(rows)):
                progress(done, len(rows))
        if report.errors or dry_run:
            whole.rollback()
            return report
        if register is None:
            audit.record("items_imported", actor=actor, municipality_id=municipality.id, count=report.good_rows,
                         published=publish)
        else:
            audit.record("inventory_imported", actor=actor, municipality_id=municipality.id,
                         count=report.good_rows)
        whole.commit()
        report.created = report.good_rows
        return report
    except BaseException:
        if whole.is_active:
            whole.rollback()
        raise


def _service_errors(actor: User, municipality: Municipality, data: services.ItemInput, publish: bool,
                    now: datetime, status: ItemStatus, register: Register | None) -> dict[str, str]:
    """Create the item inside a savepoint, exactly as the listing form (or the inventory's registration)
    would; keep it only if all is well."""
    savepoint = db.session.begin_nested()
    try:
        if register is None:
            services.create_item(actor, data, publish=publish, municipality=municipality, now=now)
        else:
            register(actor, data, status, now)
    except services.ListingError as error:
        savepoint.rollback()
        return dict(error.errors)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return {}


# --- The checked file, kept between "Check" and "Import" on the import page ---------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}\.(csv|xlsx)")


def _pending_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "imports"


def save_pending(user: User, data: bytes, filename: str) -> str:
    """Keep a checked file for the user's "Import" click; return the token that names it. Older files of the
    same user, and anybody's files older than a day, are removed. ImportFileError if it cannot be kept."""
    directory = _pending_dir()
    if directory.is_dir():
        stale = time.time() - PENDING_LIFETIME_SECONDS
        for path in directory.iterdir():
            try:
                if path.name.startswith(f"{user.id}-") or path.stat().st_mtime < stale:
                    path.unlink(missing_ok=True)
            except FileNotFoundError:  # removed meanwhile by another request
                continue
    token = f"{secrets.token_urlsafe(24)}.{file_kind(data, filename)}"
    try:
        write_atomically(directory / f"{user.id}-{token}", data)
    except OSError as error:  # a full or read-only upload directory
        log.error("The checked import file could not be kept in %s: %s", directory, error)
        raise ImportFileError(_("The checked file could not be kept for the import: the server's storage is "
                                "full or not writable. Try again later, or tell the administrator.")) from error
    return token


def _pending_path(user: User, token: str) -> Path | None:
    if not token or not _TOKEN.fullmatch(token):
        return None
    return _pending_dir() / f"{user.id}-{token}"


def load_pending(user: User, token: str) -> tuple[bytes, str]:
    """The file the user checked, and a file name that tells its kind. Only its own uploader can load it."""
    path = _pending_path(user, token)
    if path is None or not path.is_file():
        raise ImportFileError(_("The checked file is no longer here. Choose the file and check it again."))
    return path.read_bytes(), token


def discard_pending(user: User, token: str) -> None:
    path = _pending_path(user, token)
    if path is not None:
        path.unlink(missing_ok=True)
