"""Pickup locations and reuse stores: the caller's municipality's, read by all its people, changed by its
administrators."""

from __future__ import annotations

from dataclasses import asdict

from flask_login import current_user

from marketplace.api.core import blueprint, parse_body, registry, respond
from marketplace.api.items import location_out
from marketplace.api.schemas.locations import LocationCreate, LocationList, LocationOut, LocationUpdate
from marketplace.errors import Forbidden
from marketplace.locations import services as locations
from marketplace.locations.models import LocationKind


@registry.route(blueprint, "GET", "/locations", summary="Pickup locations and stores", tag="locations",
                responses={200: (LocationList, "The active locations of your municipality.")})
def list_locations():
    """The active pickup locations and reuse stores of the municipalities the caller belongs to (every
    municipality's, for a site administrator). An item of another municipality names its own location in
    the item (`location`)."""
    return respond(LocationList(locations=[location_out(location)
                                           for location in locations.visible_locations(current_user)]))


@registry.route(blueprint, "POST", "/locations", summary="Add a pickup location or store", tag="locations",
                body=LocationCreate, responses={201: (LocationOut, "The new location.")}, errors=(403,))
def create_location():
    """Administrators of the caller's municipality. Names are unique within the municipality (422)."""
    municipality = current_user.municipality
    if municipality is None:
        raise Forbidden
    body = parse_body(LocationCreate)
    location = locations.create_location(current_user, municipality, locations.LocationInput(
        **body.model_dump()))
    return respond(location_out(location), 201)


@registry.route(blueprint, "PATCH", "/locations/{location_id}", summary="Change a pickup location or store",
                tag="locations", body=LocationUpdate, body_required=False, responses={200: (LocationOut, "The location.")},
                errors=(403,))
def update_location(location_id: int):
    """Administrators of the location's municipality (404 for everyone outside it). Only the fields sent
    change; `archived: true` archives it (no new items are placed there), `false` restores it."""
    location = locations.find_location(current_user, location_id)
    body = parse_body(LocationUpdate).model_dump(exclude_unset=True)
    archived = body.pop("archived", None)
    current = asdict(locations.LocationInput(name=location.name, kind=LocationKind(location.kind)))
    current.update(address=location.address, opening_hours=location.opening_hours, contact=location.contact,
                   access_notes=location.access_notes)
    changes = {name: value for name, value in body.items() if value is not None}
    locations.update_location(current_user, location, locations.LocationInput(**(current | changes)))
    if archived is not None:
        locations.set_location_archived(current_user, location, archived)
    return respond(location_out(location))
