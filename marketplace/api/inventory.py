"""The inventory: what the caller's municipality has in use, for repair or for recycling (seen by its own people
only, never on the market), and moving an item between those statuses. Registering one is POST /items with an
inventory status; offering one as surplus is POST /items/{item_id}/publish. The ICT fleet: its rows, "do we have
enough?", repairs, and the supplier's erasure certificate (the purchase date, user group and own footprint are
fields of PATCH /items/{item_id})."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import urls
from marketplace.api.core import ApiError, blueprint, fixed, parse_body, parse_query, plain, registry, respond
from marketplace.api.items import item_out
from marketplace.api.schemas.inventory import (CertificateUpload, DeviceList, DeviceOut, EnoughOut, EnoughQuery,
                                               FleetQuery, InventoryQuery, RepairCreate, RepairList, RepairOut,
                                               StatusChange)
from marketplace.api.schemas.items import ItemList, ItemOut
from marketplace.errors import NotVisible
from marketplace.inventory import fleet
from marketplace.inventory import services as inventory
from marketplace.listings import erasure
from marketplace.listings import services as listings
from marketplace.listings.models import DisposalReason, ItemStatus, UserGroup


@registry.route(blueprint, "GET", "/inventory", summary="Your municipality's inventory", tag="inventory",
                query=InventoryQuery, responses={200: (ItemList, "A page of the inventory.")}, errors=(403,))
def list_inventory():
    """The items your municipality has in use, for repair or for recycling, by building, floor and room; any
    member of the municipality sees them, nobody outside it. 403 without a municipality."""
    query = parse_query(InventoryQuery)
    filters = inventory.Filters(location_id=query.location_id, building=query.building, room=query.room,
                                category=_category(query.category) if query.category else None,
                                status=ItemStatus(query.status) if query.status else None)
    found = inventory.inventory(current_user, filters, page=query.page, per_page=query.per_page)
    # The service shows the last page for one past the end; a client reading pages until one is empty must
    # get an empty one there, as from every other list.
    items = found.items if found.page == query.page else []
    return respond(ItemList(items=[item_out(item) for item in items], total=found.total, page=query.page,
                            per_page=query.per_page))


@registry.route(blueprint, "POST", "/items/{item_id}/status", summary="Change an inventory item's status",
                tag="inventory", body=StatusChange, responses={200: (ItemOut, "The item.")}, errors=(403, 409))
def change_item_status(item_id: int):
    """Between `in_use`, `for_repair` and `for_recycling`, or `disposed` with `disposal_reason`; audited with
    the reason. Caretakers and administrators of the item's municipality (403 for its other members); 409 for
    an item that is not in the inventory (offer it, or withdraw a listing, instead)."""
    listings.find_manageable_item(current_user, item_id)  # 404 or 403 before the body is read
    body = parse_body(StatusChange)
    status = ItemStatus(body.status)
    if body.disposal_reason is not None and status != ItemStatus.DISPOSED:
        message = _("Give a disposal reason only when the item is disposed of.")
        raise ApiError(422, "validation_failed", message, {"disposal_reason": message})
    item = inventory.change_status(current_user, item_id, status, reason=body.reason,
                                   disposal_reason=DisposalReason(body.disposal_reason)
                                   if body.disposal_reason else None)
    return respond(item_out(item))


def _category(slug: str):
    category = next((category for category in listings.categories() if category.slug == slug), None)
    if category is None:
        raise ApiError(400, "invalid_query", _("Some query parameters are invalid; see fields."),
                       {"category": _("Unknown category; see GET /api/v1/categories.")})
    return category


# --- The ICT fleet --------------------------------------------------------------------------------------

def _ict_category(slug: str, status: int = 400):
    category = next((category for category in fleet.ict_categories() if category.slug == slug), None)
    if category is None:
        message = _("Unknown ICT category; see GET /api/v1/categories (group ict).")
        raise ApiError(status, "invalid_query", _("Some query parameters are invalid; see fields."),
                       {"category": message})
    return category


def device_out(row: fleet.FleetRow) -> DeviceOut:
    item = row.item
    return DeviceOut(
        id=item.id, asset_tag=item.asset_tag or "", title=item.title, category=item.category.slug,
        brand=item.brand or "", model=item.model or "", serial_number=item.serial_number or "",
        purchased_on=item.purchased_on, age_years=plain(row.age) if row.age is not None else None,
        user_group=item.user_group.value if item.user_group else None, status=str(item.status),
        unit_name=item.unit.name if item.unit else None, building=item.building or "", floor=item.floor or "",
        room=item.room or "", repairs=row.repairs, kgco2e_new=plain(item.kgco2e_new),
        figures_source=item.figures_source or "", erasure_certificate=bool(item.erasure_certificate),
        web_url=urls.external_url("listings.detail", item_id=item.id))


@registry.route(blueprint, "GET", "/inventory/ict", summary="Your municipality's ICT fleet", tag="inventory",
                query=FleetQuery, responses={200: (DeviceList, "A page of the fleet, by asset tag.")},
                errors=(403,))
def list_fleet():
    """The ICT items your municipality has in use, for repair or for recycling, with age, user group, repairs
    and supplier data (the same rows as the web page /inventory/ict and its CSV). Any member of the
    municipality sees them, nobody outside it."""
    query = parse_query(FleetQuery)
    filters = fleet.FleetFilters(category=_ict_category(query.category) if query.category else None,
                                 user_group=UserGroup(query.user_group) if query.user_group else None,
                                 status=ItemStatus(query.status) if query.status else None)
    found = fleet.fleet(current_user, filters, page=query.page, per_page=query.per_page)
    rows = found.rows if found.page == query.page else []  # one past the end: empty, as every list
    return respond(DeviceList(devices=[device_out(row) for row in rows], total=found.total, page=query.page,
                              per_page=query.per_page))


@registry.route(blueprint, "GET", "/inventory/ict/enough", summary="Do we have enough used equipment?",
                tag="inventory", query=EnoughQuery, responses={200: (EnoughOut, "The answer.")}, errors=(403,))
def fleet_enough():
    """For a need (`quantity` of an ICT `category`, optionally for a `user_group`), before anything is bought:
    your own surplus, your own devices for repair, and what the network's market offers you now are counted;
    devices in use elsewhere are named. `missing` is what you lack; register a need for it (`need_url`)."""
    query = parse_query(EnoughQuery)
    answer = fleet.enough(current_user, _ict_category(query.category), query.quantity,
                          UserGroup(query.user_group) if query.user_group else None)
    return respond(EnoughOut(
        category=answer.category.slug, quantity=plain(answer.quantity),
        user_group=answer.user_group.value if answer.user_group else None,
        own_surplus=plain(answer.own_surplus), for_repair=plain(answer.for_repair),
        in_use_elsewhere=plain(answer.in_use_elsewhere), network=plain(answer.network),
        available=plain(answer.available), missing=plain(answer.missing), enough=answer.enough,
        need_url=urls.external_url("wanted.register", category=answer.category.slug,
                                   quantity=plain(answer.missing))))


def repair_out(repair) -> RepairOut:
    return RepairOut(id=repair.id, item_id=repair.item_id, repaired_on=repair.repaired_on,
                     description=repair.description, cost_nok=fixed(repair.cost_nok, 2),
                     recorded_by=repair.recorded_by.name if repair.recorded_by else None,
                     created_at=repair.created_at)


@registry.route(blueprint, "GET", "/items/{item_id}/repairs", summary="An item's repair history",
                tag="inventory", responses={200: (RepairList, "Newest first.")})
def list_repairs(item_id: int):
    """For the item's own municipality's people; 404 for anyone else, as if there were no item."""
    repairs = fleet.repairs_of(current_user, listings.find_item(current_user, item_id))
    if repairs is None:
        raise NotVisible
    return respond(RepairList(repairs=[repair_out(repair) for repair in repairs]))


@registry.route(blueprint, "POST", "/items/{item_id}/repairs", summary="Record a repair", tag="inventory",
                body=RepairCreate, responses={201: (RepairOut, "The recorded repair.")}, errors=(403, 409))
def add_repair(item_id: int):
    """Of an item in your municipality's inventory (409 for one on the market or gone); caretakers and
    administrators; audited."""
    listings.find_manageable_item(current_user, item_id)  # 404 or 403 before the body is read
    body = parse_body(RepairCreate)
    repair = fleet.record_repair(current_user, item_id, repaired_on=body.repaired_on,
                                 description=body.description, cost_nok=body.cost_nok)
    return respond(repair_out(repair), 201)


@registry.route(blueprint, "POST", "/items/{item_id}/erasure", summary="Record data erasure with its certificate",
                tag="inventory", body=CertificateUpload, body_media="multipart/form-data",
                responses={200: (ItemOut, "The item, its erasure recorded.")}, errors=(403, 422))
def record_erasure(item_id: int):
    """A data-bearing ICT item (`holds_data`) leaves its municipality only with its erasure recorded: send
    the certificate from the erasure tool (a PDF, or a photo of it; at most 10 MB) in the field `file`, as
    the supplier gives it. 422 for a category that holds no data or a file that is neither."""
    item = listings.find_manageable_item(current_user, item_id)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type",
                       _("Send the certificate as multipart/form-data in the field file."))
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "validation_failed", _("Attach the certificate in the field file."),
                       {"file": _("Attach the certificate in the field file.")})
    erasure.record_erasure(current_user, item, upload.read(erasure.MAX_CERTIFICATE_BYTES + 1))
    return respond(item_out(item))
