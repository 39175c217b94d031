"""JSON API v1 (prefix /api/v1) and the profile page for personal API tokens.

Every operation is thin: authenticate the bearer token → validate the query or body with its Pydantic model →
call the same service as the web pages → commit → serialise with the response model. Sessions (cookies) are
not accepted here: only ``Authorization: Bearer <token>``, so the API needs no CSRF protection and a forged
cross-site request carries no credentials. The OpenAPI document is generated from the same registrations.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from marketplace.api import schemas
from marketplace.api import services as tokens
from marketplace.api.forms import CreateTokenForm
from marketplace.api.openapi import Registry, constraints, describe
from marketplace.db import commit_with_retries, db, utcnow
from marketplace.errors import CODES, MESSAGES, Conflict, Forbidden, NotVisible
from marketplace.i18n import oslo_date
from marketplace.impact import report
from marketplace.impact import services as impact
from marketplace.listings import photos as photo_files
from marketplace.listings import services as listings
from marketplace.listings.models import Category, Condition, Item
from marketplace.listings.permissions import can_list_items_for, can_manage_item
from marketplace.organisations.models import Municipality, Organisation, Unit
from marketplace.reservations import services as reservations
from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew
from marketplace.search import services as search
from marketplace.security import login_manager, public, throttle
from marketplace.wanted import report as needs_report
from marketplace.wanted import services as wanted
from marketplace.wanted.models import Need, NoticeStatus, WantedNotice
from marketplace.wanted.permissions import can_manage_notice

PREFIX = "/api/v1"
VERSION = "1.0.0"
DEFAULT_RATE_LIMIT = "600 per minute"

blueprint = Blueprint("api", __name__, url_prefix=PREFIX)
account_blueprint = Blueprint("api_tokens", __name__)
registry = Registry(prefix=PREFIX)
S = schemas


@blueprint.record_once
def configure(state) -> None:
    """MARKETPLACE_API_RATE_LIMIT: requests per token, in the notation of the `limits` library."""
    import os

    from limits import parse

    from marketplace.config import ConfigurationError

    setting = state.app.config.setdefault("API_RATE_LIMIT",
                                          os.environ.get("MARKETPLACE_API_RATE_LIMIT") or DEFAULT_RATE_LIMIT)
    try:
        parse(setting)
    except ValueError as error:
        raise ConfigurationError(f"MARKETPLACE_API_RATE_LIMIT must read like '600 per minute', not {setting!r}") \
            from error


# --- Errors ---------------------------------------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}


def error_json(status: int, code: str | None = None, message: str | None = None,
               fields: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Response:
    default = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])[1]
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message or str(default),
                      "fields": fields or {}}}
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_json(error.status, error.code, error.message, error.fields, error.headers)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    if error.code == 401:  # from deny-by-default, before this blueprint's own check
        return _api_error(_unauthorized())
    headers = {}
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_json(error.code or 500, headers=headers)


@blueprint.errorhandler(Forbidden)
def _forbidden(_error):
    return error_json(403)


@blueprint.errorhandler(NotVisible)
def _not_visible(_error):
    return error_json(404)


@blueprint.errorhandler(Conflict)
def _conflict(error: Conflict):
    return error_json(409, getattr(error, "code", "conflict"), str(error) or None)


@blueprint.errorhandler(listings.ListingError)
@blueprint.errorhandler(reservations.ReservationError)
def _rule_broken(error):
    return error_json(422, "validation_failed", " ".join(error.errors.values()),
                      {name or "body": message for name, message in error.errors.items()})


@blueprint.errorhandler(photo_files.PhotoError)
def _bad_photo(error: photo_files.PhotoError):
    return error_json(422, "invalid_photo", str(error.message), {"file": str(error.message)})


@blueprint.after_request
def _challenge(response: Response) -> Response:
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="Ombruksmarkedet API"')
    return response


# --- Authentication: bearer tokens only -----------------------------------------------------------------

def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _space, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def _token_of_request() -> tokens.ApiToken | None:
    """The active token the request carries (looked up once per request)."""
    if "api_token" not in g:
        secret = _bearer_secret()
        g.api_token = tokens.authenticate(secret) if secret else None
    return g.api_token


@login_manager.request_loader
def load_user_from_token(req):
    """Flask-Login asks this when no session is signed in: on the API, the token's user."""
    if not req.path.startswith(PREFIX + "/"):
        return None
    token = _token_of_request()
    return token.user if token is not None else None


def _unauthorized() -> ApiError:
    presented = bool(_bearer_secret())
    return ApiError(401, "invalid_token" if presented else "unauthorized",
                    _("The API token is malformed, unknown or revoked, or its user is deactivated.") if presented
                    else _("Send an API token: Authorization: Bearer <token>."),
                    headers={"WWW-Authenticate": 'Bearer realm="Ombruksmarkedet API"'
                                                 + (', error="invalid_token"' if presented else "")})


@blueprint.before_request
def authenticate() -> None:
    """Every API operation but the document itself needs a bearer token; a session cookie does not count
    (so a forged cross-site request, which could carry only the cookie, gets 401)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "is_public", False):
        return
    token = _token_of_request()
    if token is None:
        raise _unauthorized()
    # Act as the token's user for this request only (no session is written).
    g._login_user = token.user
    key = ("api", str(token.id))
    if not throttle.allows("API_RATE_LIMIT", *key):
        wait = throttle.seconds_until_allowed("API_RATE_LIMIT", *key)
        raise ApiError(429, "too_many_requests", _("Too many requests with this token. Wait %(seconds)d seconds.",
                                                   seconds=wait), headers={"Retry-After": str(wait)})
    throttle.hit("API_RATE_LIMIT", *key)
    now = utcnow()
    if tokens.needs_touch(token, now):
        tokens.touch(token, now)
        db.session.commit()


# --- Parsing --------------------------------------------------------------------------------------------

def _validation_fields(error: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for problem in error.errors(include_url=False):
        location = problem.get("loc") or ()
        name = ".".join(str(part) for part in location[:1]) or "body"
        if len(location) > 1 and isinstance(location[1], int):
            name = f"{name}.{location[1]}"
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        if problem.get("type") == "extra_forbidden":
            message = _("Unknown field: it cannot be set here.")
        fields[name] = f"{fields[name]} {message}" if name in fields else message
    return fields


def parse_query(model: type[BaseModel]) -> Any:
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in request.args:
            continue
        data[key] = request.args.getlist(key) if _is_list(info.annotation) else request.args.get(key)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(400, "invalid_query", _("Some query parameters are invalid; see fields."),
                       _validation_fields(error)) from None


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list


def parse_body(model: type[BaseModel]) -> Any:
    if request.content_length and not request.is_json:
        raise ApiError(415, "unsupported_media_type", _("Send the body as JSON (Content-Type: application/json)."))
    raw = request.get_data(cache=True)
    if not raw.strip():
        data: Any = {}
    else:
        if not request.is_json:
            raise ApiError(415, "unsupported_media_type", _("Send the body as JSON (Content-Type: application/json)."))
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(400, "invalid_json", _("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(422, "validation_failed", _("The body must be a JSON object."), {"body": _("Expected an object.")})
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(422, "validation_failed", _("The request has errors; see fields."),
                       _validation_fields(error)) from None


# --- Serialising ----------------------------------------------------------------------------------------

def _plain(value: Decimal | None) -> str | None:
    """A quantity without trailing zeros: 24, 2.5."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def _fixed(value: Decimal | None, places: int) -> str | None:
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places)), "f")


def _municipality(organisation: Organisation) -> S.MunicipalityRef:
    return S.MunicipalityRef(slug=organisation.slug, name=organisation.name)


def _locale() -> str:
    return str(get_locale())


def item_out(item: Item) -> S.ItemOut:
    category = item.category
    return S.ItemOut(
        id=item.id, title=item.title, description=item.description or "", category=category.slug,
        category_name=category.name(_locale()), group=str(category.group), condition=str(item.condition),
        quantity=_plain(item.quantity), quantity_available=_plain(item.quantity_available),
        unit=str(category.unit), municipality=_municipality(item.municipality), unit_id=item.unit_id,
        unit_name=item.unit.name if item.unit else None, status=str(item.status),
        photos=[photo_out(photo) for photo in item.photos],
        dimensions=item.dimensions or "", brand=item.brand or "", model=item.model or "", colour=item.colour or "",
        building=item.building or "", room=item.room or "", pickup_instructions=item.pickup_instructions or "",
        available_from=item.available_from, advertise_until=item.advertise_until,
        would_be_discarded=item.would_be_discarded, kgco2e_new=_plain(item.kgco2e_new),
        mass_kg=_plain(item.mass_kg), price_new_nok=_plain(item.price_new_nok),
        figures_source=item.figures_source or "", asset_tag=item.asset_tag or "",
        serial_number=item.serial_number or "", safety_check_note=item.safety_check_note or "",
        erasure_recorded=item.erasure_recorded_at is not None,
        can_manage=can_manage_item(current_user, item), created_at=item.created_at, updated_at=item.updated_at,
        published_at=item.published_at, web_url=url_for("listings.detail", item_id=item.id, _external=True),
    )


def photo_out(photo) -> S.PhotoOut:
    return S.PhotoOut(id=photo.id, url=url_for("api.get_photo", photo_id=photo.id, _external=True),
                      thumbnail_url=url_for("api.get_photo_thumbnail", photo_id=photo.id, _external=True),
                      alt_text=photo.alt_text or "", width=photo.width, height=photo.height)


def reservation_out(reservation: Reservation) -> S.ReservationOut:
    item = reservation.item
    organisation = reservation.requester_organisation
    return S.ReservationOut(
        id=reservation.id,
        item=S.ItemRef(id=item.id, title=item.title, municipality=_municipality(item.municipality)),
        status=str(reservation.status), quantity=_plain(reservation.quantity),
        would_buy_new=str(reservation.would_buy_new), note=reservation.note or "", reason=reservation.reason or "",
        requester_name=reservation.requester.name if reservation.requester else None,
        requester_organisation=S.OrganisationRef(slug=organisation.slug, name=organisation.name,
                                                 kind=str(organisation.kind)),
        requester_unit_name=reservation.requester_unit.name if reservation.requester_unit else None,
        wished_pickup_at=reservation.wished_pickup_at, pickup_at=reservation.pickup_at,
        pickup_confirmed=reservation.pickup_confirmed, expires_at=reservation.expires_at,
        created_at=reservation.created_at, updated_at=reservation.updated_at, decided_at=reservation.decided_at,
        closed_at=reservation.closed_at,
    )


def respond(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = current_app.response_class(model.model_dump_json(by_alias=True), status=status,
                                          mimetype="application/json")
    response.headers.update(headers or {})
    return response


def no_content() -> Response:
    return current_app.response_class(status=204)


def _paged(rows: list, page: int, per_page: int) -> list:
    return rows[(page - 1) * per_page: page * per_page]


# --- The document ---------------------------------------------------------------------------------------

DESCRIPTION = """The JSON API of Ombruksmarkedet, the reuse marketplace for municipalities.

Authenticate with a personal token: `Authorization: Bearer omb_…` (make one under *API tokens* in the user
menu, or with `marketplace tokens create --email E`). A token acts as its user, with exactly that user's
permissions; cookies are not accepted. Errors are `{"error": {"code", "message", "fields"}}`. Decimal
amounts are strings ("24", "2.5", "123.450"); request bodies refuse unknown fields with 422."""


def openapi_document() -> dict[str, Any]:
    cached = current_app.extensions.get("api_openapi")
    if cached is None:
        cached = registry.document(title="Ombruksmarkedet API", version=VERSION, description=DESCRIPTION,
                                   server_url=PREFIX)
        current_app.extensions["api_openapi"] = cached
    return cached


@blueprint.get("/openapi.json")
@public
def openapi_json():
    return jsonify(openapi_document())


@blueprint.get("/docs")
@public
def docs():
    return render_template("api/docs.html", spec=openapi_document(), describe=describe, constraints=constraints)


# --- Items ----------------------------------------------------------------------------------------------

ITEM = (S.ItemOut, "The item.")
NO_CONTENT = (None, "Done; no content.")


@registry.route(blueprint, "GET", "/items", summary="Search the items you can see", tag="items",
                query=S.ItemsQuery, responses={200: (S.ItemList, "A page of published items.")})
def list_items():
    """Published items visible to the caller (own municipality, then the network as the sharing rules
    allow), matching the search; newest first unless searching."""
    query = parse_query(S.ItemsQuery)
    args = MultiDict([("q", query.q), ("group", query.group or ""), ("sort", query.sort or "")]
                     + [("category", value) for value in query.category]
                     + [("condition", value) for value in query.condition]
                     + [("municipality", value) for value in query.municipality])
    params = replace(search.SearchParams.from_args(args), page=query.page, per_page=query.per_page)
    result = search.search(current_user, params, locale=_locale(), with_facets=False)
    return respond(S.ItemList(items=[item_out(item) for item in result.items], total=result.total,
                              page=query.page, per_page=query.per_page))


def _category(slug: str) -> Category:
    category = next((category for category in impact.categories() if category.slug == slug), None)
    if category is None:
        raise ApiError(422, "validation_failed", _("Choose a category from the list."),
                       {"category": _("Unknown category; see GET /api/v1/categories.")})
    return category


def _unit(unit_id: int | None, municipality: Municipality) -> Unit | None:
    if unit_id is None:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.id == unit_id, Unit.municipality_id == municipality.id,
                                                Unit.archived_at.is_(None)))
    if unit is None:
        raise ApiError(422, "validation_failed", _("Choose one of your municipality's units."),
                       {"unit_id": _("Choose one of your municipality's units.")})
    return unit


_PLAIN_FIELDS = ("title", "description", "dimensions", "brand", "model", "colour", "building", "room",
                 "pickup_instructions", "available_from", "advertise_until", "would_be_discarded", "kgco2e_new",
                 "mass_kg", "price_new_nok", "figures_source", "asset_tag", "serial_number", "safety_check_note",
                 "quantity")


def _item_input(values: dict[str, Any], municipality: Municipality, item: Item | None = None) -> listings.ItemInput:
    """The service's input from the body's fields; on a change, the fields not sent keep the item's values."""
    if item is not None:
        current = {name: getattr(item, name) for name in _PLAIN_FIELDS}
        current.update(category=item.category, condition=item.condition, unit=item.unit)
    else:
        current = {"unit": None}
    current.update({name: values[name] for name in _PLAIN_FIELDS if name in values})
    if "category" in values:
        current["category"] = _category(values["category"])
    if "condition" in values:
        current["condition"] = Condition(values["condition"])
    if "unit_id" in values:
        current["unit"] = _unit(values["unit_id"], municipality)
    return listings.ItemInput(**current)


@registry.route(blueprint, "POST", "/items", summary="List a surplus item", tag="items", body=S.ItemCreate,
                responses={201: (S.ItemOut, "The new item.")}, errors=(403,))
def create_item():
    """For the caller's municipality (caretakers and administrators). Published at once, with the sharing
    stages of the municipality's policy, unless `status` is `draft`."""
    municipality = current_user.municipality
    if not can_list_items_for(current_user, municipality):
        raise Forbidden
    body = parse_body(S.ItemCreate)
    data = _item_input(body.model_dump(exclude={"status"}), municipality)
    item = commit_with_retries(lambda: listings.create_item(current_user, data, publish=body.status == "published"))
    return respond(item_out(item), 201, {"Location": url_for("api.get_item", item_id=item.id)})


def _visible_item(item_id: int) -> Item:
    item = listings.find_visible_item(current_user, item_id)
    if item is None:
        raise NotVisible
    return item


@registry.route(blueprint, "GET", "/items/{item_id}", summary="One item", tag="items",
                responses={200: ITEM, 304: (None, "Not modified since the ETag sent in If-None-Match.")})
def get_item(item_id: int):
    """Send the `ETag` of an earlier answer in `If-None-Match` to get 304 when nothing changed."""
    response = respond(item_out(_visible_item(item_id)))
    response.add_etag()
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@registry.route(blueprint, "PATCH", "/items/{item_id}", summary="Change an item", tag="items",
                body=S.ItemUpdate, responses={200: ITEM}, errors=(403, 409))
def update_item(item_id: int):
    """Only the fields sent change. The quantity cannot go below what is reserved or handed over. The
    status changes only through publish and withdraw."""
    item = listings.find_manageable_item(current_user, item_id)
    body = parse_body(S.ItemUpdate)
    data = _item_input(body.model_dump(exclude_unset=True), item.municipality, item)
    commit_with_retries(lambda: listings.update_item(current_user, item, data))
    return respond(item_out(item))


@registry.route(blueprint, "DELETE", "/items/{item_id}", summary="Delete a draft", tag="items",
                responses={204: NO_CONTENT}, errors=(403, 409))
def delete_item(item_id: int):
    """Only drafts can be deleted; withdraw a published listing instead (409 otherwise)."""
    item = listings.find_manageable_item(current_user, item_id)
    commit_with_retries(lambda: listings.delete_draft(current_user, item))
    return no_content()


@registry.route(blueprint, "POST", "/items/{item_id}/publish", summary="Publish a draft, or republish",
                tag="items", responses={200: ITEM}, errors=(403, 409, 422))
def publish_item(item_id: int):
    """Drafts, withdrawn and expired listings can be published."""
    item = listings.find_manageable_item(current_user, item_id)
    commit_with_retries(lambda: listings.publish_item(current_user, item))
    return respond(item_out(item))


@registry.route(blueprint, "POST", "/items/{item_id}/withdraw", summary="Withdraw a listing", tag="items",
                responses={200: ITEM}, errors=(403, 409))
def withdraw_item(item_id: int):
    """Drafts and published listings can be withdrawn; open reservations stay as they are."""
    item = listings.find_manageable_item(current_user, item_id)
    commit_with_retries(lambda: listings.withdraw_item(current_user, item))
    return respond(item_out(item))


# --- Photos ---------------------------------------------------------------------------------------------

@registry.route(blueprint, "POST", "/items/{item_id}/photos", summary="Add a photo", tag="photos",
                body=S.PhotoUpload, body_media="multipart/form-data",
                responses={201: (S.PhotoOut, "The stored photo.")}, errors=(403,))
def add_photo(item_id: int):
    """The photo is checked, re-encoded (EXIF and GPS stripped) and resized; at most 8 per item."""
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
    data = upload.read()
    photo = commit_with_retries(lambda: listings.upload_photo(current_user, data, item=item, alt_text=alt_text))
    return respond(photo_out(photo), 201)


@registry.route(blueprint, "DELETE", "/items/{item_id}/photos/{photo_id}", summary="Remove a photo",
                tag="photos", responses={204: NO_CONTENT}, errors=(403,))
def remove_photo(item_id: int, photo_id: int):
    item = listings.find_manageable_item(current_user, item_id)
    photo = next((photo for photo in item.photos if photo.id == photo_id), None)
    if photo is None:
        raise NotVisible
    commit_with_retries(lambda: listings.remove_photo(current_user, item, photo))
    return no_content()


def _photo_file(photo_id: int, variant: str):
    from flask import send_file

    photo = listings.find_visible_photo(current_user, photo_id)
    if photo is None:
        raise NotVisible
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


# --- Reservations ---------------------------------------------------------------------------------------

RESERVATION = (S.ReservationOut, "The reservation.")


@registry.route(blueprint, "POST", "/items/{item_id}/reservations", summary="Reserve a quantity",
                tag="reservations", body=S.ReservationCreate,
                responses={201: (S.ReservationOut, "The quantity is held at once.")}, errors=(403, 409))
def reserve(item_id: int):
    """Holds the quantity at once, so nobody else can take it, and tells the owner side. 409 with code
    `insufficient_quantity` when not enough is available."""
    body = parse_body(S.ReservationCreate)
    reservation = commit_with_retries(lambda: reservations.reserve(
        current_user, item_id, body.quantity, would_buy_new=WouldBuyNew(body.would_buy_new), note=body.note,
        wished_pickup_at=body.wished_pickup_at))
    return respond(reservation_out(reservation), 201)


@registry.route(blueprint, "GET", "/reservations", summary="Your reservations, or your municipality's",
                tag="reservations", query=S.ReservationsQuery,
                responses={200: (S.ReservationList, "Newest first.")})
def list_reservations():
    """`role=mine`: those you made; `role=incoming`: those of your municipality's items (caretakers and
    administrators; empty for others)."""
    query = parse_query(S.ReservationsQuery)
    statuses = [ReservationStatus(query.status)] if query.status else None
    lister = reservations.incoming_reservations if query.role == "incoming" else reservations.my_reservations
    rows = lister(current_user, statuses)
    return respond(S.ReservationList(reservations=[reservation_out(r) for r in _paged(rows, query.page,
                                                                                     query.per_page)],
                                     total=len(rows), page=query.page, per_page=query.per_page))


@registry.route(blueprint, "GET", "/reservations/{reservation_id}", summary="One reservation",
                tag="reservations", responses={200: RESERVATION})
def get_reservation(reservation_id: int):
    return respond(reservation_out(reservations.find_reservation(current_user, reservation_id)))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/approve", summary="Approve (owner side)",
                tag="reservations", body=S.ApproveBody, body_required=False, responses={200: RESERVATION},
                errors=(403, 409))
def approve_reservation(reservation_id: int):
    reservation = reservations.find_reservation(current_user, reservation_id)
    body = parse_body(S.ApproveBody)
    commit_with_retries(lambda: reservations.approve(current_user, reservation, pickup_at=body.pickup_at))
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/reject", summary="Reject (owner side)",
                tag="reservations", body=S.RejectBody, responses={200: RESERVATION}, errors=(403, 409))
def reject_reservation(reservation_id: int):
    """The quantity is released at once; the reason is shown to the requester."""
    reservation = reservations.find_reservation(current_user, reservation_id)
    body = parse_body(S.RejectBody)
    commit_with_retries(lambda: reservations.reject(current_user, reservation, body.reason))
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/cancel", summary="Cancel (requester)",
                tag="reservations", body=S.CancelBody, body_required=False, responses={200: RESERVATION},
                errors=(403, 409))
def cancel_reservation(reservation_id: int):
    reservation = reservations.find_reservation(current_user, reservation_id)
    body = parse_body(S.CancelBody)
    commit_with_retries(lambda: reservations.cancel(current_user, reservation, body.reason))
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/collect", summary="Confirm the hand-over",
                tag="reservations", responses={200: (S.CollectResult, "The hand-over and its reuse event.")},
                errors=(403, 409))
def collect_reservation(reservation_id: int):
    """Either side confirms (the owner side also while unanswered). Writes the reuse event with the factors
    in force today; completes the item when all of it is gone."""
    reservation = reservations.find_reservation(current_user, reservation_id)
    event = commit_with_retries(lambda: reservations.collect(current_user, reservation))
    return respond(S.CollectResult(reservation=reservation_out(reservation), reuse_event=S.ReuseEventOut(
        id=event.id, occurred_on=event.occurred_on, quantity=_plain(event.quantity),
        co2e_kg=_fixed(event.co2e_net_kg, 3), co2e_kg_gross=_fixed(event.co2e_gross_kg, 3),
        waste_kg=_fixed(event.waste_kg, 3), money_nok=_fixed(event.money_nok, 2),
        factor_set=event.factor_set_version or "")))


# --- Categories, me, impact -----------------------------------------------------------------------------

@registry.route(blueprint, "GET", "/categories", summary="Categories with the factors in force", tag="reference",
                responses={200: (S.CategoryList, "Every category, in display order.")})
def list_categories():
    """The figures per unit (kg CO2e when new, mass, new price) in force today for the caller's municipality:
    the default factor set, replaced field by field by the municipality's own overrides."""
    today = oslo_date(utcnow())
    factor_set = impact.factor_set_in_force(today)
    factors = impact.factors_in_force(current_user.municipality, today)
    rows = []
    for category in impact.categories():
        figures = factors.get(category.id)
        rows.append(S.CategoryOut(
            slug=category.slug, name=category.name(_locale()), name_nb=category.name_nb, name_en=category.name_en,
            group=str(category.group), unit=str(category.unit), holds_data=category.holds_data,
            kgco2e_new=_plain(figures.kgco2e_new) if figures else None,
            mass_kg=_plain(figures.mass_kg) if figures else None,
            price_new_nok=_plain(figures.price_new_nok) if figures else None,
            sources=figures.sources if figures else "",
            factor_set=factor_set.version if factor_set else None,
            overridden_by=figures.overridden_by if figures else None,
        ))
    return respond(S.CategoryList(categories=rows))


@registry.route(blueprint, "GET", "/me", summary="The caller", tag="reference",
                responses={200: (S.MeOut, "Who the token acts as.")})
def me():
    user = current_user
    organisation = user.organisation
    municipality = user.municipality
    return respond(S.MeOut(
        id=user.id, email=user.email, name=user.name, locale=user.locale,
        municipality=_municipality(municipality) if municipality else None,
        organisation=S.OrganisationRef(slug=organisation.slug, name=organisation.name, kind=str(organisation.kind))
        if organisation else None,
        unit=S.UnitRef(id=user.unit.id, name=user.unit.name) if user.unit else None,
        roles=sorted(str(role) for role in user.roles),
    ))


@registry.route(blueprint, "GET", "/impact", summary="The climate report's totals", tag="reference",
                query=S.ImpactQuery, responses={200: (S.ImpactOut, "Totals and a breakdown by category.")},
                errors=(403,))
def impact_report():
    """The reuse ledger summed for a scope and period (Norwegian dates, both included) by the credit rule:
    CO2e and money to the receiver, waste to the giver; a network counts each event once. Figures are
    decimal strings at their stored scale (kg: 3 decimals, NOK: 2)."""
    query = parse_query(S.ImpactQuery)
    today = oslo_date(utcnow())
    scope_text = query.scope or report.default_scope(current_user)
    if scope_text is None:
        raise Forbidden
    try:
        scope = report.resolve_scope(current_user, scope_text)
    except report.ScopeError as error:
        raise ApiError(400, "invalid_query", str(error), {"scope": str(error)}) from None
    start, end = query.from_ or date(today.year, 1, 1), query.to or today
    try:
        data = report.build(scope, start, end, locale=_locale())
    except report.ScopeError as error:
        raise ApiError(400, "invalid_query", str(error), {"to": str(error)}) from None

    def figures(totals) -> dict[str, str]:
        return {"co2e_kg": _fixed(totals.co2e_net_kg, 3), "co2e_kg_gross": _fixed(totals.co2e_gross_kg, 3),
                "waste_kg": _fixed(totals.waste_kg, 3), "money_nok": _fixed(totals.money_nok, 2)}

    needs = needs_report.figures(needs_report.build(scope, start, end))
    places = {"share_by_count": 3, "share_by_value": 3, "value_needed_nok": 2, "value_reused_nok": 2, "ict_issued": 3}
    return respond(S.ImpactOut(
        scope=S.ScopeOut(key=scope.key, kind=scope.kind, name=scope.name), from_=start, to=end,
        events=data.totals.events, **figures(data.totals),
        by_category=[S.ImpactRow(slug=row.key, name=row.label, events=row.totals.events, **figures(row.totals))
                     for row in data.by_category],
        reuse_first=S.ReuseFirstOut(**{**needs, **{name: _fixed(needs[name], scale) for name, scale in places.items()}}),
    ))


# --- The profile page for personal tokens ---------------------------------------------------------------

@account_blueprint.route("/account/tokens", methods=["GET", "POST"])
def account_tokens():
    """List, create and revoke the signed-in user's API tokens. A new token is shown once, on this page."""
    form = CreateTokenForm()
    created = None
    status = 200
    if form.validate_on_submit():
        try:
            created = tokens.create_token(current_user, form.name.data)
        except tokens.TokenError as error:
            form.name.errors = [*form.name.errors, str(error)]
            status = 400
        else:
            db.session.commit()
            form = CreateTokenForm(formdata=None)
    elif form.is_submitted():
        status = 400
    return render_template("accounts/tokens.html", form=form, created=created,
                           tokens=tokens.tokens_of(current_user)), \
        status, {"Cache-Control": "no-store"}


@account_blueprint.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of the user's own tokens (CSRF-checked like every form post)."""
    token = tokens.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("The token %(prefix)s… is revoked. It no longer works.", prefix=token.prefix), "success")
    return redirect(url_for("api_tokens.account_tokens"), 303)


# --- Wanted notices and needs ---------------------------------------------------------------------------

NOTICE = (S.WantedOut, "The wanted notice.")
NEED = (S.NeedOut, "The need.")


@blueprint.errorhandler(wanted.WantedError)
def _wanted_rule_broken(error: wanted.WantedError):
    return error_json(422, "validation_failed", " ".join(error.errors.values()),
                      {name or "body": message for name, message in error.errors.items()})


def _wanted_thing(record: WantedNotice | Need, web_url: str) -> dict:
    """The fields a notice and a need share (schemas._WantedThing)."""
    category = record.category
    return dict(
        id=record.id, title=record.title, description=record.description or "", category=category.slug,
        category_name=category.name(_locale()), quantity=_plain(record.quantity), unit=str(category.unit),
        municipality=_municipality(record.municipality), unit_id=record.unit_id,
        unit_name=record.unit.name if record.unit else None, needed_by=record.needed_by,
        created_at=record.created_at, closed_at=record.closed_at, web_url=web_url,
    )


def notice_out(notice: WantedNotice) -> S.WantedOut:
    return S.WantedOut(
        **_wanted_thing(notice, url_for("wanted.detail", notice_id=notice.id, _external=True)),
        status=str(notice.status), open_until=notice.open_until, can_manage=can_manage_notice(current_user, notice),
    )


def need_out(need: Need) -> S.NeedOut:
    return S.NeedOut(
        **_wanted_thing(need, url_for("wanted.need", need_id=need.id, _external=True)),
        status=str(need.status), notice_id=need.notice_id, found_count=need.found_count,
        outcome=str(need.outcome) if need.outcome else None, reused_quantity=_plain(need.reused_quantity),
        reservation_ids=[reservation.id for reservation in need.reservations],
        buy_new_reason=str(need.buy_new_reason) if need.buy_new_reason else None,
        buy_new_reason_text=need.buy_new_reason_text or "", returned_asset_tag=need.returned_asset_tag or "",
        no_return_reason=need.no_return_reason or "", returned_item_id=need.returned_item_id,
        decided_at=need.decided_at, approved_at=need.approved_at,
        certificate_url=url_for("wanted.certificate", need_id=need.id, _external=True),
    )


def _notice_input(body: S.WantedCreate, input_class=wanted.NoticeInput, **extra):
    municipality = current_user.municipality
    if municipality is None:
        raise Forbidden
    return input_class(title=body.title, category=_category(body.category), quantity=body.quantity,
                       needed_by=body.needed_by, description=body.description,
                       unit=_unit(body.unit_id, municipality), **extra)


@registry.route(blueprint, "GET", "/wanted", summary="Wanted notices", tag="wanted", query=S.WantedQuery,
                responses={200: (S.WantedList, "A page of notices.")})
def list_wanted():
    """Open notices the caller can see (their municipality's at once, the network's by the sharing stages),
    soonest needed first; or, with `view=ours`, the caller's municipality's notices of every status."""
    query = parse_query(S.WantedQuery)
    rows = wanted.our_notices(current_user) if query.view == "ours" else wanted.open_notices(current_user)
    return respond(S.WantedList(notices=[notice_out(notice) for notice in _paged(rows, query.page, query.per_page)],
                                total=len(rows), page=query.page, per_page=query.per_page))


@registry.route(blueprint, "POST", "/wanted", summary="Post a wanted notice", tag="wanted", body=S.WantedCreate,
                responses={201: (S.WantedOut, "The new notice.")}, errors=(403,))
def create_wanted():
    """Any member of a municipality. Matching items that become visible to the poster are announced in
    their notifications, once each."""
    body = parse_body(S.WantedCreate)
    notice = commit_with_retries(lambda: wanted.post_notice(current_user, _notice_input(body)))
    return respond(notice_out(notice), 201, {"Location": url_for("api.get_wanted", notice_id=notice.id)})


@registry.route(blueprint, "GET", "/wanted/{notice_id}", summary="One wanted notice", tag="wanted",
                responses={200: NOTICE})
def get_wanted(notice_id: int):
    return respond(notice_out(wanted.find_visible_notice(current_user, notice_id)))


@registry.route(blueprint, "POST", "/wanted/{notice_id}/withdraw", summary="Withdraw a wanted notice",
                tag="wanted", responses={200: NOTICE}, errors=(403, 409))
def withdraw_wanted(notice_id: int):
    notice = wanted.find_visible_notice(current_user, notice_id)
    commit_with_retries(lambda: wanted.close_notice(current_user, notice, NoticeStatus.WITHDRAWN))
    return respond(notice_out(notice))


@registry.route(blueprint, "GET", "/needs", summary="Your municipality's needs", tag="needs", query=S.Page,
                responses={200: (S.NeedList, "A page of needs, newest first.")})
def list_needs():
    query = parse_query(S.Page)
    rows = wanted.our_needs(current_user)
    return respond(S.NeedList(needs=[need_out(need) for need in _paged(rows, query.page, query.per_page)],
                              total=len(rows), page=query.page, per_page=query.per_page))


@registry.route(blueprint, "POST", "/needs", summary="Register a need before buying new", tag="needs",
                body=S.NeedCreate, responses={201: (S.NeedOut, "The need, with what was found.")}, errors=(403,))
def create_need():
    """Searches everything the caller can see at once (`found_count`) and posts a wanted notice for the
    municipality's period. See the web page (`web_url`) for the matches."""
    body = parse_body(S.NeedCreate)
    data = _notice_input(body, wanted.NeedInput, returned_asset_tag=body.returned_asset_tag,
                         no_return_reason=body.no_return_reason)
    need = commit_with_retries(lambda: wanted.register_need(current_user, data))
    return respond(need_out(need), 201, {"Location": url_for("api.get_need", need_id=need.id)})


@registry.route(blueprint, "GET", "/needs/{need_id}", summary="One need", tag="needs", responses={200: NEED})
def get_need(need_id: int):
    return respond(need_out(wanted.find_need(current_user, need_id)))


@registry.route(blueprint, "POST", "/needs/{need_id}/outcome", summary="Record the outcome of a need",
                tag="needs", body=S.NeedOutcomeBody, responses={200: NEED}, errors=(403, 409))
def record_need_outcome(need_id: int):
    """Met by reuse in full closes the need. Otherwise a reason is required (422 without), and buying new
    waits for a municipal administrator's approval when the municipality's policy says so."""
    need = wanted.find_need(current_user, need_id)
    body = parse_body(S.NeedOutcomeBody)
    commit_with_retries(lambda: wanted.record_outcome(current_user, need, reservation_ids=body.reservation_ids,
                                                      reason=body.reason or "", reason_text=body.reason_text))
    return respond(need_out(need))


@registry.route(blueprint, "POST", "/needs/{need_id}/approve", summary="Approve buying new", tag="needs",
                responses={200: NEED}, errors=(403, 409))
def approve_need(need_id: int):
    """Municipal administrators; the need closes."""
    need = wanted.find_need(current_user, need_id)
    commit_with_retries(lambda: wanted.approve_need(current_user, need))
    return respond(need_out(need))


@registry.route(blueprint, "POST", "/needs/{need_id}/refuse", summary="Refuse buying new", tag="needs",
                responses={200: NEED}, errors=(403, 409))
def refuse_need(need_id: int):
    """Municipal administrators; the need is open again, to look further for reuse."""
    need = wanted.find_need(current_user, need_id)
    commit_with_retries(lambda: wanted.refuse_need(current_user, need))
    return respond(need_out(need))
