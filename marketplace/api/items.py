"""Items and their photos: search, list, change, publish and withdraw; add, remove and fetch photos."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from marketplace.api.core import (
    ApiError,
    blueprint,
    locale,
    municipality_ref,
    no_content,
    parse_body,
    parse_query,
    plain,
    registry,
    respond,
    with_references,
)
from marketplace.api.schemas.inventory import OfferQuery
from marketplace.api.schemas.locations import LocationOut
from marketplace.api.schemas.items import (
    ItemCreate,
    ItemOut,
    ItemSearchList,
    ItemsQuery,
    ItemUpdate,
    PhotoOut,
    PhotoUpload,
)
from marketplace.errors import Forbidden, NotVisible
from marketplace.inventory import fleet
from marketplace.inventory import services as inventory
from marketplace.listings import photos as photo_files
from marketplace.listings import services as listings
from marketplace.listings import sharing
from marketplace.listings.forms import item_input
from marketplace.listings.models import INVENTORY_STATUSES, Item, ItemStatus, UserGroup
from marketplace.locations import services as locations
from marketplace.locations.models import Location
from marketplace.listings.permissions import can_list_items_for, can_manage_item
from marketplace.organisations.models import Municipality
from marketplace.search import services as search
from marketplace import urls

ITEM = (ItemOut, "The item.")
NO_CONTENT = (None, "Done; no content.")


def item_out(item: Item) -> ItemOut:
    category = item.category
    return ItemOut(
        id=item.id, title=item.title, description=item.description or "", category=category.slug,
        category_name=category.name(locale()), group=str(category.group), condition=str(item.condition),
        quantity=plain(item.quantity), quantity_available=plain(item.quantity_available),
        unit=str(category.unit), municipality=municipality_ref(item.municipality), unit_id=item.unit_id,
        unit_name=item.unit.name if item.unit else None, status=str(item.status), location_id=item.location_id,
        location=location_out(item.location) if item.location else None,
        photos=[photo_out(photo) for photo in item.photos],
        dimensions=item.dimensions or "", brand=item.brand or "", model=item.model or "", colour=item.colour or "",
        building=item.building or "", floor=item.floor or "", room=item.room or "",
        pickup_instructions=item.pickup_instructions or "",
        available_from=item.available_from, advertise_until=item.advertise_until,
        would_be_discarded=item.would_be_discarded, kgco2e_new=plain(item.kgco2e_new),
        mass_kg=plain(item.mass_kg), price_new_nok=plain(item.price_new_nok),
        figures_source=item.figures_source or "", asset_tag=item.asset_tag or "",
        serial_number=item.serial_number or "", safety_check_note=item.safety_check_note or "",
        erasure_recorded=item.erasure_recorded_at is not None,
        erasure_certificate=bool(item.erasure_certificate),
        purchased_on=item.purchased_on, user_group=item.user_group.value if item.user_group else None,
        offer=str(item.offer), loan_days=item.loan_days,
        can_manage=can_manage_item(current_user, item), created_at=item.created_at, updated_at=item.updated_at,
        published_at=item.published_at, web_url=urls.external_url("listings.detail", item_id=item.id),
    )


def location_out(location: Location) -> LocationOut:
    return LocationOut(id=location.id, name=location.name, kind=str(location.kind), address=location.address,
                       opening_hours=location.opening_hours, contact=location.contact,
                       access_notes=location.access_notes,
                       map_url=locations.map_url(location.address) if location.address else None,
                       archived=location.archived_at is not None,
                       municipality=municipality_ref(location.municipality))

def photo_out(photo) -> PhotoOut:
    return PhotoOut(id=photo.id, url=urls.external_url("api.get_photo", photo_id=photo.id),
                    thumbnail_url=urls.external_url("api.get_photo_thumbnail", photo_id=photo.id),
                    alt_text=photo.alt_text or "", width=photo.width, height=photo.height)


def _item_input(values: dict[str, Any], municipality: Municipality, item: Item | None = None) -> listings.ItemInput:
    """The service's input from the body's fields, read as the listing form's are; on a change, the fields
    not sent keep the item's values."""
    floor = values.pop("floor") if "floor" in values else item.floor if item is not None else ""
    # The floor is the inventory's: read here, as the listing form has no such field.
    return replace(item_input(with_references(values, municipality), item), floor=floor)


def _device_facts(values: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """The fleet's facts (purchase date, user group) taken out of the body's values: they are set by the
    inventory's fleet service, not the listing's; only those sent (null clears one)."""
    facts = {name: values.pop(name, None) for name in ("purchased_on", "user_group")}
    return {name: UserGroup(value) if name == "user_group" and value else value
            for name, value in facts.items() if name in given}


# --- Items ----------------------------------------------------------------------------------------------

@registry.route(blueprint, "GET", "/items", summary="Search the items you can see", tag="items",
                query=ItemsQuery, responses={200: (ItemSearchList, "A page of published items.")})
def list_items():
    """Published items visible to the caller (own municipality, then the network as the sharing rules
    allow), matching the search; newest first unless searching."""
    query = parse_query(ItemsQuery)
    args = MultiDict([("q", query.q), ("group", query.group or ""), ("sort", query.sort or ""),
                      ("location", str(query.location or "")), ("offer", query.offer or "")]
                     + [("category", value) for value in query.category]
                     + [("condition", value) for value in query.condition]
                     + [("municipality", value) for value in query.municipality])
    params = replace(search.SearchParams.from_args(args), page=query.page, per_page=query.per_page)
    result = search.search(current_user, params, locale=locale(), with_facets=False)
    return respond(ItemSearchList(items=[item_out(item) for item in result.items], total=result.total,
                                  total_is_exact=result.total_is_exact, page=query.page, per_page=query.per_page))


@registry.route(blueprint, "POST", "/items", summary="List a surplus item, or register one in use", tag="items",
                body=ItemCreate, responses={201: (ItemOut, "The new item.")}, errors=(403,))
def create_item():
    """For the caller's municipality (caretakers and administrators). Published at once, with the sharing
    stages of the municipality's policy, unless `status` is `draft`; with `in_use`, `for_repair` or
    `for_recycling` it is registered in the municipality's inventory, seen by its own people only."""
    municipality = current_user.municipality
    if not can_list_items_for(current_user, municipality):
        raise Forbidden
    body = parse_body(ItemCreate)
    values = body.model_dump(exclude={"status"})
    device = _device_facts(values, given=body.model_fields_set)
    data = _item_input(values, municipality)
    if ItemStatus(body.status) in INVENTORY_STATUSES:
        item = inventory.register(current_user, data, status=ItemStatus(body.status))
    else:
        item = listings.create_item(current_user, data, publish=body.status == "published")
    if device:
        fleet.set_details(current_user, item, **device)
    return respond(item_out(item), 201, {"Location": url_for("api.get_item", item_id=item.id)})


@registry.route(blueprint, "GET", "/items/{item_id}", summary="One item", tag="items",
                responses={200: ITEM, 304: (None, "Not modified since the ETag sent in If-None-Match.")})
def get_item(item_id: int):
    """Send the `ETag` of an earlier answer in `If-None-Match` to get 304 when nothing changed."""
    response = respond(item_out(listings.find_item(current_user, item_id)))
    response.add_etag()
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@registry.route(blueprint, "PATCH", "/items/{item_id}", summary="Change an item", tag="items",
                body=ItemUpdate, body_required=False, responses={200: ITEM}, errors=(403, 409))
def update_item(item_id: int):
    """Only the fields sent change. The quantity cannot go below what is reserved or handed over. The
    status changes only through publish and withdraw (and, in the inventory, POST /items/{item_id}/status)."""
    item = listings.find_manageable_item(current_user, item_id)
    body = parse_body(ItemUpdate)
    values = body.model_dump(exclude_unset=True)
    device = _device_facts(values, given=body.model_fields_set)
    listings.update_item(current_user, item, _item_input(values, item.municipality, item))
    if device:
        fleet.set_details(current_user, item, **device)
    return respond(item_out(item))


@registry.route(blueprint, "DELETE", "/items/{item_id}", summary="Delete a draft", tag="items",
                responses={204: NO_CONTENT}, errors=(403, 409))
def delete_item(item_id: int):
    """Only drafts can be deleted; withdraw a published listing instead (409 otherwise)."""
    item = listings.find_manageable_item(current_user, item_id)
    listings.delete_draft(current_user, item)
    return no_content()


@registry.route(blueprint, "POST", "/items/{item_id}/publish", summary="Publish a draft, or republish; offer "
                "an item in use as surplus", tag="items", query=OfferQuery, responses={200: ITEM},
                errors=(403, 409, 422))
def publish_item(item_id: int):
    """Drafts, withdrawn and expired listings can be published. An item of the inventory (in use, for repair
    or for recycling) is offered on the market as the same item, so its history stays with it; with
    `quantity`, only that many of its row are offered (split off, answered as the new item)."""
    item = listings.find_manageable_item(current_user, item_id)
    query = parse_query(OfferQuery)
    if item.status in INVENTORY_STATUSES:
        item = inventory.offer_as_surplus(current_user, item.id, query.quantity)
    else:
        listings.publish_item(current_user, item)
    return respond(item_out(item))


@registry.route(blueprint, "POST", "/items/{item_id}/withdraw", summary="Withdraw a listing", tag="items",
                responses={200: ITEM}, errors=(403, 409))
def withdraw_item(item_id: int):
    """Drafts and published listings can be withdrawn; open reservations stay as they are."""
    item = listings.find_manageable_item(current_user, item_id)
    listings.withdraw_item(current_user, item)
    return respond(item_out(item))


@registry.route(blueprint, "POST", "/items/{item_id}/share-with-network", summary="Share with the network now",
                tag="items", responses={200: ITEM}, errors=(403, 409))
def share_item_with_network(item_id: int):
    """A published item planned for the network later becomes visible to it now (the partner stage keeps its
    date); 409 if it is already shared, not published or waits for its data erasure."""
    item = listings.find_manageable_item(current_user, item_id)
    sharing.share_with_network_now(current_user, item)
    return respond(item_out(item))


# --- Photos ---------------------------------------------------------------------------------------------

@registry.route(blueprint, "POST", "/items/{item_id}/photos", summary="Add a photo", tag="photos",
                body=PhotoUpload, body_media="multipart/form-data",
                responses={201: (PhotoOut, "The stored photo.")}, errors=(403, 503))
def add_photo(item_id: int):
    """The photo is checked, re-encoded (EXIF and GPS stripped) and resized; at most 8 per item. Pixel
    limits: 200 megapixels for a JPEG from a camera, 30 for PNG, 25 for HEIC, 20 for a progressive JPEG
    and 8 for WebP (422 `invalid_photo` above them). 503 `storage_unavailable` if the server's storage is
    full or not writable; nothing is stored then."""
    item = listings.find_manageable_item(current_user, item_id)
    if request.mimetype != "multipart/form-data":
        raise ApiError(415, "unsupported_media_type", _("Send the photo as multipart/form-data in the field file."))
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "validation_failed", _("Attach the photo in the field file."),
                       {"file": _("Attach the photo in the field file.")})
    alt_text = request.form.get("alt_text", "")
    if len(alt_text) > 300:
        raise ApiError(422, "validation_failed", _("The request has errors; see fields."),
                       {"alt_text": _("At most 300 characters.")})
    photo = listings.upload_photo(current_user, upload.stream, item=item, alt_text=alt_text)
    return respond(photo_out(photo), 201)


@registry.route(blueprint, "DELETE", "/items/{item_id}/photos/{photo_id}", summary="Remove a photo",
                tag="photos", responses={204: NO_CONTENT}, errors=(403,))
def remove_photo(item_id: int, photo_id: int):
    item = listings.find_manageable_item(current_user, item_id)
    photo = next((photo for photo in item.photos if photo.id == photo_id), None)
    if photo is None:
        raise NotVisible
    listings.remove_photo(current_user, item, photo)
    return no_content()


def _photo_file(photo_id: int, variant: str):
    photo = listings.find_visible_photo(current_user, photo_id)
    path = photo_files.path_for(current_app.config["UPLOAD_DIR"], photo.content_hash, variant)
    if not path.is_file():
        raise NotVisible
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@registry.route(blueprint, "GET", "/photos/{photo_id}", summary="A photo (JPEG, large variant)", tag="photos",
                responses={200: (None, "The JPEG.")}, media="image/jpeg")
def get_photo(photo_id: int):
    """Photos of items the caller can see."""
    return _photo_file(photo_id, "large")


@registry.route(blueprint, "GET", "/photos/{photo_id}/thumbnail", summary="A photo's thumbnail (JPEG)",
                tag="photos", responses={200: (None, "The JPEG.")}, media="image/jpeg")
def get_photo_thumbnail(photo_id: int):
    return _photo_file(photo_id, "thumb")
