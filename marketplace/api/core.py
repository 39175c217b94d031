"""What every API operation shares: the blueprint and its registry, the error answers, bearer-token
authentication, and reading requests and writing answers.

Every operation is thin: authenticate the bearer token → validate the query or body with its Pydantic model →
call the same service as the web pages → commit → serialise with the response model. Sessions (cookies) are
not accepted here: only ``Authorization: Bearer <token>``, so the API needs no CSRF protection and a forged
cross-site request carries no credentials. The operations live by domain beside this module.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from limits import parse as parse_rate_limit
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from marketplace.api import services as tokens
from marketplace.api.openapi import Registry
from marketplace.api.schemas.common import MunicipalityRef
from marketplace.config import ConfigurationError
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden, NotVisible, error_body
from marketplace.inventory import services as inventory
from marketplace.listings import photos as photo_files
from marketplace.listings import services as listings
from marketplace.listings.models import Category
from marketplace.locations import services as locations
from marketplace.locations.models import Location
from marketplace.organisations.models import Municipality, Organisation, Unit
from marketplace.projects import services as projects
from marketplace.reservations import services as reservations
from marketplace.security import login_manager, throttle
from marketplace.wanted import services as wanted

PREFIX = "/api/v1"
VERSION = "1.0.0"
DEFAULT_RATE_LIMIT = "600 per minute"

blueprint = Blueprint("api", __name__, url_prefix=PREFIX)
registry = Registry(prefix=PREFIX)


@blueprint.record_once
def configure(state) -> None:
    """MARKETPLACE_API_RATE_LIMIT: requests per token, in the notation of the `limits` library."""
    setting = state.app.config.setdefault("API_RATE_LIMIT",
                                          os.environ.get("MARKETPLACE_API_RATE_LIMIT") or DEFAULT_RATE_LIMIT)
    try:
        parse_rate_limit(setting)
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
    response = jsonify(error_body(status, code, message, fields))
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
@blueprint.errorhandler(wanted.WantedError)
@blueprint.errorhandler(locations.LocationError)
@blueprint.errorhandler(inventory.InventoryError)
@blueprint.errorhandler(projects.ProjectError)
def _rule_broken(error):
    return error_json(422, "validation_failed", " ".join(error.errors.values()),
                      {name or "body": message for name, message in error.errors.items()})


@blueprint.errorhandler(photo_files.PhotoError)
def _bad_photo(error: photo_files.PhotoError):
    return error_json(422, "invalid_photo", str(error.message), {"file": str(error.message)})


@blueprint.errorhandler(photo_files.StorageFailed)
def _storage_failed(error: photo_files.StorageFailed):
    # A full disk is not freed in seconds: a client that retries should wait minutes.
    return error_json(503, "storage_unavailable", str(error.message), headers={"Retry-After": "300"})


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
        db.session.commit()  # a use is a use, whatever the view then answers: stored before its unit of work


# --- Reading requests -----------------------------------------------------------------------------------

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


def _category(slug: str) -> Category:
    category = next((category for category in listings.categories() if category.slug == slug), None)
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


def _location(location_id: int | None, municipality: Municipality) -> Location | None:
    """The location a body names: one of ``municipality``'s (an archived one is refused by the listing rules
    unless the item already stands there); 422 for any other."""
    if location_id is None:
        return None
    location = db.session.get(Location, location_id)
    if location is None or location.municipality_id != municipality.id:
        message = _("Choose one of your municipality's pickup locations or stores.")
        raise ApiError(422, "validation_failed", message, {"location_id": message})
    return location


def with_references(values: dict[str, Any], municipality: Municipality) -> dict[str, Any]:
    """A body's values as the domains' input mappers take them: the category (a slug) and the unit
    (``unit_id``, one of the municipality's) looked up, each only if sent; 422 for an unknown one."""
    if "category" in values:
        values["category"] = _category(values["category"])
    if "unit_id" in values:
        values["unit"] = _unit(values.pop("unit_id"), municipality)
    if "location_id" in values:
        values["location"] = _location(values.pop("location_id"), municipality)
    return values


# --- Writing answers ------------------------------------------------------------------------------------

def respond(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = current_app.response_class(model.model_dump_json(by_alias=True), status=status,
                                          mimetype="application/json")
    response.headers.update(headers or {})
    return response


def no_content() -> Response:
    return current_app.response_class(status=204)


def plain(value: Decimal | None) -> str | None:
    """A quantity without trailing zeros: 24, 2.5."""
    if value is None:
        return None
    return format(value.normalize(), "f")


def fixed(value: Decimal | None, places: int) -> str | None:
    """A figure at its stored scale: 123.450 (kg), 1999.00 (NOK)."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places)), "f")


def municipality_ref(organisation: Organisation) -> MunicipalityRef:
    return MunicipalityRef(slug=organisation.slug, name=organisation.name)


def locale() -> str:
    return str(get_locale())
