"""The ICT fleet: the municipality's ICT items in use, for repair or for recycling, each with its asset tag,
serial, age (from the purchase date), user group, repairs and supplier data (own footprint, erasure
certificate); their repair history; and "do we have enough used equipment?" for a need, asked before anything
is bought.

Everything here is the own municipality's, read through ``services._municipality_of``'s rule: its own people
see it, nobody else. The market side of "enough" is read through the search service, so it counts only what the
asker may see (staged sharing, ICT awaiting erasure and others' drafts stay out). Functions flush, never commit;
every change is audited.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden
from marketplace.i18n import oslo_date
from marketplace.impact.exports import CSV_DECIMAL, CSV_DELIMITER, spreadsheet_text
from marketplace.inventory.models import ItemRepair
from marketplace.inventory.permissions import can_keep_inventory, can_see_inventory
from marketplace.inventory.services import InventoryError
from marketplace.listings import services as listings
from marketplace.listings.models import (INVENTORY_STATUSES, Category, CategoryGroup, Item, ItemStatus,
                                         UserGroup)
from marketplace.organisations.models import Municipality
from marketplace.search import services as search

PER_PAGE = 100
CSV_CHUNK = 500  # rows read at a time for the export, so a large fleet never sits in memory at once
MAX_REPAIR_COST = Decimal("10000000")
EARLIEST_DATE = date(1980, 1, 1)  # before this a purchase or repair date is a typing error


FleetError = InventoryError  # one error for the room's input: the pages and the API show it alike


def _municipality_of(actor: User) -> Municipality:
    municipality = actor.municipality
    if municipality is None or not can_see_inventory(actor, municipality):
        raise Forbidden
    return municipality


def ict_categories() -> list[Category]:
    return [category for category in listings.categories() if category.group == CategoryGroup.ICT]


def age_years(purchased_on: date | None, today: date) -> Decimal | None:
    """The age in years with one decimal, from whole months since the purchase (bought 2024-06-15: 1.9 on
    2026-06-14, 2.0 the day after), never below zero; None without a purchase date."""
    if purchased_on is None:
        return None
    months = (today.year - purchased_on.year) * 12 + today.month - purchased_on.month
    if today.day < purchased_on.day:
        months -= 1
    return (Decimal(max(months, 0)) / 12).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


# --- The fleet ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FleetFilters:
    category: Category | None = None
    user_group: UserGroup | None = None
    status: ItemStatus | None = None


@dataclass(frozen=True)
class FleetRow:
    item: Item
    age: Decimal | None
    repairs: int


@dataclass(frozen=True)
class FleetPage:
    rows: list[FleetRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return 1 + (self.total - 1) // self.per_page if self.total else 1


def _fleet_query(municipality: Municipality, filters: FleetFilters) -> Select:
    ict = [category.id for category in ict_categories()]
    query = select(Item).where(Item.municipality_id == municipality.id, Item.category_id.in_(ict),
                               Item.status.in_([filters.status] if filters.status in INVENTORY_STATUSES
                                               else INVENTORY_STATUSES))
    if filters.category is not None:
        query = query.where(Item.category_id == filters.category.id)
    if filters.user_group is not None:
        query = query.where(Item.user_group == filters.user_group)
    return query


def _rows(items: list[Item], today: date) -> list[FleetRow]:
    """The items with their age and their number of repairs (one grouped query for all of them)."""
    counts = dict(db.session.execute(
        select(ItemRepair.item_id, func.count()).where(ItemRepair.item_id.in_([item.id for item in items]))
        .group_by(ItemRepair.item_id)).all()) if items else {}
    return [FleetRow(item=item, age=age_years(item.purchased_on, today), repairs=counts.get(item.id, 0))
            for item in items]


_ORDER = (Item.asset_tag == "", Item.asset_tag, Item.title, Item.id)  # untagged devices last


def fleet(actor: User, filters: FleetFilters = FleetFilters(), page: int = 1, per_page: int = PER_PAGE,
          today: date | None = None) -> FleetPage:
    """The actor's municipality's ICT inventory, by asset tag, a page at a time."""
    query = _fleet_query(_municipality_of(actor), filters)
    total = db.count(query)
    page = max(1, min(page, 1 + (total - 1) // per_page if total else 1))
    items = list(db.session.scalars(query.order_by(*_ORDER).limit(per_page).offset((page - 1) * per_page)))
    return FleetPage(rows=_rows(items, today or oslo_date(utcnow())), total=total, page=page, per_page=per_page)


def fleet_rows(actor: User, filters: FleetFilters = FleetFilters(), today: date | None = None
               ) -> Iterator[FleetRow]:
    """Every row of the fleet under ``filters`` (for the export), read a chunk at a time by id. The actor is
    checked at once, not when the rows are first read."""
    return _chunks(_fleet_query(_municipality_of(actor), filters), today or oslo_date(utcnow()))


def _chunks(query: Select, today: date) -> Iterator[FleetRow]:
    after = 0
    while True:
        items = list(db.session.scalars(query.where(Item.id > after).order_by(Item.id).limit(CSV_CHUNK)))
        if not items:
            return
        yield from _rows(items, today)
        after = items[-1].id


def csv_lines(rows: Iterator[FleetRow], *, locale: str, group_labels: dict, status_labels: dict
              ) -> Iterator[str]:
    """The fleet as CSV for people (decision 31: semicolons, decimal commas, ISO dates), a line at a time;
    the same columns as the page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet_text(cell) for cell in cells])
        return buffer.getvalue()

    yield line([_("Asset tag"), _("Category"), _("Title"), _("Brand"), _("Model"), _("Serial number"),
                _("Purchased"), _("Age (years)"), _("User group"), _("Status"), _("Unit"), _("Building"),
                _("Floor"), _("Room"), _("Repairs"), _("Own footprint (kg CO2e)"), _("Source of the figures"),
                _("Erasure certificate")])
    for row in rows:
        item = row.item
        yield line([item.asset_tag, item.category.name(locale), item.title, item.brand, item.model,
                    item.serial_number, item.purchased_on.isoformat() if item.purchased_on else "",
                    str(row.age).replace(".", CSV_DECIMAL) if row.age is not None else "",
                    str(group_labels[item.user_group]) if item.user_group else "", str(status_labels[item.status]),
                    item.unit.name if item.unit else "", item.building, item.floor, item.room, row.repairs,
                    format(item.kgco2e_new.normalize(), "f").replace(".", CSV_DECIMAL)
                    if item.kgco2e_new is not None else "", item.figures_source,
                    _("yes") if item.erasure_certificate else _("no")])


# --- Supplier data and user group -----------------------------------------------------------------------

_UNSET = object()


def set_details(actor: User, item: Item, *, purchased_on=_UNSET, user_group=_UNSET,
                now: datetime | None = None) -> Item:
    """Set the purchase date and the user group of an item the actor may manage (each only if given; None
    clears it). The purchase date cannot lie in the future."""
    if not can_keep_inventory(actor, item.municipality):
        raise Forbidden
    changed: dict[str, str | None] = {}
    if purchased_on is not _UNSET:
        if purchased_on is not None and not EARLIEST_DATE <= purchased_on <= oslo_date(now or utcnow()):
            raise FleetError({"purchased_on": _("Give a purchase date between 1980 and today.")})
        if purchased_on != item.purchased_on:
            item.purchased_on = purchased_on
            changed["purchased_on"] = purchased_on.isoformat() if purchased_on else None
    if user_group is not _UNSET and user_group != item.user_group:
        item.user_group = UserGroup(user_group) if user_group is not None else None
        changed["user_group"] = item.user_group.value if item.user_group else None
    if changed:
        db.session.flush()
        audit.record("fleet_details_changed", actor=actor, municipality_id=item.municipality_id, item_id=item.id,
                     **changed)
    return item


# --- Repairs --------------------------------------------------------------------------------------------

def _cost(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        cost = Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        cost = None
    if cost is None or not cost.is_finite() or cost < 0 or cost > MAX_REPAIR_COST \
            or cost != cost.quantize(Decimal("0.01")):
        raise FleetError({"cost_nok": _("Give the cost in kroner, from 0 to 10 000 000, with at most two "
                                        "decimals.")})
    return cost


def record_repair(actor: User, item_id: int, *, repaired_on: date | None, description: str, cost_nok=None,
                  now: datetime | None = None) -> ItemRepair:
    """Add a repair to the history of an item in the actor's municipality's inventory: when, what was done,
    and what it cost (optional). Caretakers and administrators; audited."""
    item = listings.find_manageable_item(actor, item_id)
    if not can_keep_inventory(actor, item.municipality):
        raise Forbidden
    if item.status not in INVENTORY_STATUSES:
        raise Conflict(_("Repairs are recorded for items in the inventory."))
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Say what was done.")
    elif len(description) > 500:
        errors["description"] = _("Say what was done in at most 500 characters.")
    if repaired_on is None or not EARLIEST_DATE <= repaired_on <= oslo_date(now or utcnow()):
        errors["repaired_on"] = _("Give the date of the repair, not in the future.")
    try:
        cost = _cost(cost_nok)
    except FleetError as error:
        errors.update(error.errors)
    if errors:
        raise FleetError(errors)
    repair = ItemRepair(item_id=item.id, repaired_on=repaired_on, description=description, cost_nok=cost,
                        recorded_by_id=actor.id, created_at=now or utcnow())
    db.session.add(repair)
    db.session.flush()
    audit.record("item_repair_recorded", actor=actor, municipality_id=item.municipality_id, item_id=item.id,
                 repair_id=repair.id, repaired_on=repaired_on.isoformat(),
                 cost_nok=format(cost, "f") if cost is not None else None)
    return repair


def repairs_of(viewer: User, item: Item) -> list[ItemRepair] | None:
    """The item's repairs, newest first, for its own municipality's people; None for anyone else (who must
    not learn that there is a history)."""
    if not can_see_inventory(viewer, item.municipality):
        return None
    return list(db.session.scalars(select(ItemRepair).where(ItemRepair.item_id == item.id)
                                   .order_by(ItemRepair.repaired_on.desc(), ItemRepair.id.desc())))


# --- Do we have enough? ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Enough:
    """The answer to "do we have enough used equipment?" for ``quantity`` of ``category``. Counted towards it:
    the own surplus on the market, the own items for repair and what the network's market offers the asker.
    Shown but not counted: the own items in use by other user groups (or anywhere, without a group), which
    someone uses today."""

    category: Category
    quantity: Decimal
    user_group: UserGroup | None
    own_surplus: Decimal
    for_repair: Decimal
    in_use_elsewhere: Decimal
    network: Decimal

    @property
    def available(self) -> Decimal:
        return self.own_surplus + self.for_repair + self.network

    @property
    def missing(self) -> Decimal:
        return max(self.quantity - self.available, Decimal(0))

    @property
    def enough(self) -> bool:
        return self.missing == 0

    @property
    def missing_text(self) -> str:
        """What is missing as plain digits ("17", not "17.000" as PostgreSQL's sums come), for an address."""
        return format(self.missing.normalize(), "f")


def enough(actor: User, category: Category | None, quantity: Decimal | None, user_group: UserGroup | None = None,
           now: datetime | None = None) -> Enough:
    municipality = _municipality_of(actor)
    errors: dict[str, str] = {}
    if category is None or category.group != CategoryGroup.ICT:
        errors["category"] = _("Choose an ICT category.")
    elif problem := category.unit.quantity_problem(quantity):
        errors["quantity"] = problem
    if errors:
        raise FleetError(errors)
    now = now or utcnow()
    market = search.matching_items(actor, search.SearchParams(categories=(category.slug,)), now)
    offered = market.with_only_columns(Item.municipality_id, Item.quantity_available).subquery()
    own_surplus = network = Decimal(0)
    for municipality_id, amount in db.session.execute(
            select(offered.c.municipality_id, func.sum(offered.c.quantity_available))
            .group_by(offered.c.municipality_id)):
        if municipality_id == municipality.id:
            own_surplus += Decimal(amount or 0)
        else:
            network += Decimal(amount or 0)
    for_repair = in_use_elsewhere = Decimal(0)
    for status, group, amount in db.session.execute(
            select(Item.status, Item.user_group, func.sum(Item.quantity))
            .where(Item.municipality_id == municipality.id, Item.category_id == category.id,
                   Item.status.in_((ItemStatus.IN_USE, ItemStatus.FOR_REPAIR)))
            .group_by(Item.status, Item.user_group)):
        if status == ItemStatus.FOR_REPAIR:
            for_repair += Decimal(amount or 0)
        elif user_group is None or group != user_group:
            in_use_elsewhere += Decimal(amount or 0)
    return Enough(category=category, quantity=quantity, user_group=user_group, own_surplus=own_surplus,
                  for_repair=for_repair, in_use_elsewhere=in_use_elsewhere, network=network)
