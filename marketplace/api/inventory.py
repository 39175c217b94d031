"""The inventory: what the caller's municipality has in use, for repair or for recycling (seen by its own people
only, never on the market), and moving an item between those statuses. Registering one is POST /items with an
inventory status; offering one as surplus is POST /items/{item_id}/publish."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user

from marketplace.api.core import ApiError, blueprint, parse_body, parse_query, registry, respond
from marketplace.api.items import item_out
from marketplace.api.schemas.inventory import InventoryQuery, StatusChange
from marketplace.api.schemas.items import ItemList, ItemOut
from marketplace.inventory import services as inventory
from marketplace.listings import services as listings
from marketplace.listings.models import DisposalReason, ItemStatus


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
