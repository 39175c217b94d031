"""Importing an existing register (furniture and ICT by building, floor and room) into the inventory from a CSV
or Excel file. The listings' importer reads and checks the rows, all or nothing; each row is saved through
``services.register``, so an imported chair is checked, placed and audited as one registered on a phone, and
never published. One ``inventory_imported`` audit entry counts the whole import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from marketplace.accounts.models import User
from marketplace.errors import Forbidden
from marketplace.inventory import services
from marketplace.inventory.permissions import can_keep_inventory
from marketplace.listings import importer, spreadsheet
from marketplace.listings import services as listings
from marketplace.listings.models import ItemStatus
from marketplace.organisations.models import Municipality

TEMPLATE_KINDS = {"csv": "text/csv; charset=utf-8",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# The template's example rows: what a school's register looks like (units are each municipality's own, so
# the unit column is left blank; it then means the importing person's unit).
TEMPLATE_EXAMPLES: list[dict[str, object]] = [
    {"title": "Elevstol, blå", "category": "Elevstol", "condition": "god", "quantity": 24, "status": "i bruk",
     "building": "Hovedbygget", "floor": "2", "room": "204", "brand": "Flexa", "model": "Pupil 3",
     "colour": "blå"},
    {"title": "Lærerpult", "category": "desk", "condition": "slitt", "quantity": 1, "status": "til reparasjon",
     "building": "Hovedbygget", "floor": "1", "room": "Lager", "dimensions": "140 × 70 cm",
     "description": "Skuffen henger."},
    {"title": "Bærbar PC", "category": "laptop", "condition": "som ny", "quantity": 1, "status": "i bruk",
     "building": "Administrasjonen", "floor": "3", "room": "312", "brand": "Lenovo", "model": "ThinkPad T14",
     "asset_tag": "INV-000123", "serial_number": "PF3ABC12"},
    {"title": "Kontorstoler", "category": "Kontorstol", "condition": "må repareres", "quantity": 3,
     "status": "til gjenvinning", "building": "Administrasjonen", "floor": "U1", "room": "Bod"},
]


def import_inventory(actor: User, municipality: Municipality | None, rows: list[spreadsheet.Row], *,
                     dry_run: bool = False, progress: Callable[[int, int], object] | None = None,
                     now: datetime | None = None) -> importer.ImportReport:
    """Check every row and register them all in ``municipality``'s inventory (the actor's own), or none.
    Flushes, never commits: the caller commits when the report is ok and it is not a dry run."""
    if (municipality is None or actor.municipality is None or actor.municipality.id != municipality.id
            or not can_keep_inventory(actor, municipality)):
        raise Forbidden
    return importer.import_items(actor, municipality, rows, publish=False, dry_run=dry_run, progress=progress,
                                 now=now, register=_register)


def _register(actor: User, data: listings.ItemInput, status: ItemStatus, now: datetime) -> None:
    try:
        services.register(actor, data, status=status, now=now)
    except services.InventoryError as error:  # the importer reports a listing's errors by column
        raise listings.ListingError(error.errors) from error


def template(kind: str) -> bytes:
    """The inventory's template to fill in, ``kind`` "csv" or "xlsx": its columns and four example rows."""
    return spreadsheet.template(spreadsheet.INVENTORY_COLUMNS, TEMPLATE_EXAMPLES, kind)
