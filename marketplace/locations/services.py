"""Pickup locations and reuse stores: a municipality's administrators list, create, change, archive and restore
them; everyone else reads the active ones of the municipalities they belong to.

Every function takes the acting user explicitly, checks permission itself, flushes and never commits. A location
is archived, never deleted: items and history keep pointing at it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from urllib.parse import urlencode

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import is_signed_in, is_site_admin
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from marketplace.locations.models import Location, LocationKind
from marketplace.locations.permissions import can_manage_locations
from marketplace.organisations.models import Municipality
from marketplace.organisations.services import find_municipality

LIMITS = {"name": 200, "address": 300, "opening_hours": 300, "contact": 300, "access_notes": 2000}


class LocationError(ValueError):
    """Input that breaks a rule. ``errors`` maps a field name to a message fit to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class LocationInput:
    name: str
    kind: LocationKind
    address: str = ""
    opening_hours: str = ""
    contact: str = ""
    access_notes: str = ""


def map_url(address: str) -> str:
    """A link that finds ``address`` on OpenStreetMap (no map is embedded: no tiles, no third-party requests)."""
    return "https://www.openstreetmap.org/search?" + urlencode({"query": address})


# --- Reading --------------------------------------------------------------------------------------------

def municipality_for_location_admin(actor: User, slug: str) -> Municipality:
    """The municipality whose locations ``actor`` manages: 403 for its own people without the right, 404 for
    everyone else."""
    municipality = find_municipality(slug[:60])
    if municipality is None:
        raise NotVisible
    if not can_manage_locations(actor, municipality):
        if any(m.organisation_id == municipality.id for m in actor.memberships):
            raise Forbidden
        raise NotVisible
    return municipality


def find_location(actor: User, location_id: int, municipality: Municipality | None = None) -> Location:
    """A location to change: NotVisible unless it is ``municipality``'s (when given) and ``actor`` belongs to
    its municipality; Forbidden if they do but may not manage it."""
    location = db.session.get(Location, location_id)
    if location is None or (municipality is not None and location.municipality_id != municipality.id):
        raise NotVisible
    if not can_manage_locations(actor, location.municipality):
        if any(m.organisation_id == location.municipality_id for m in actor.memberships):
            raise Forbidden
        raise NotVisible
    return location


def locations_of(municipality: Municipality, *, archived: bool = True,
                 kind: LocationKind | None = None) -> list[Location]:
    """The municipality's locations, stores and pickup locations by name; with ``archived``, the archived
    ones too (last)."""
    query = select(Location).where(Location.municipality_id == municipality.id)
    if not archived:
        query = query.where(Location.archived_at.is_(None))
    if kind is not None:
        query = query.where(Location.kind == kind)
    return list(db.session.scalars(query.order_by(Location.archived_at.is_not(None), Location.kind,
                                                  Location.name, Location.id)))


# Every search page lists them (its "where it stands" filter): built once, cheaper than building them anew.
_ACTIVE = Location.archived_at.is_(None)
_ORDER = (Location.municipality_id, Location.kind, Location.name)
_OF_MUNICIPALITIES = Location.municipality_id.in_(bindparam("municipality_ids", expanding=True))
_ACTIVE_LOCATIONS = select(Location).where(_ACTIVE).order_by(*_ORDER)
_ACTIVE_LOCATIONS_OF = _ACTIVE_LOCATIONS.where(_OF_MUNICIPALITIES)
_CHOICES = select(Location.id, Location.name).where(_ACTIVE).order_by(*_ORDER)
_CHOICES_OF = _CHOICES.where(_OF_MUNICIPALITIES)


def _own_municipality_ids(user: User) -> list[int]:
    return [m.organisation_id for m in user.memberships if isinstance(m.organisation, Municipality)]


def visible_locations(user: User) -> list[Location]:
    """The active locations of the municipalities ``user`` belongs to (all, for a site admin): what the API's
    list and the item form offer. Items of other municipalities show their own location on the item."""
    if not is_signed_in(user):
        return []
    if is_site_admin(user):
        return list(db.session.scalars(_ACTIVE_LOCATIONS))
    return list(db.session.scalars(_ACTIVE_LOCATIONS_OF, {"municipality_ids": _own_municipality_ids(user)}))


def location_choices(user: User) -> list:
    """The id and name of each location ``visible_locations`` lists, in its order, as plain rows: what a choice of
    them shows (the search page's filter), without loading the locations."""
    if not is_signed_in(user):
        return []
    if is_site_admin(user):
        return list(db.read(_CHOICES))
    return list(db.read(_CHOICES_OF, {"municipality_ids": _own_municipality_ids(user)}))


# --- Changing -------------------------------------------------------------------------------------------

def _clean(municipality: Municipality, data: LocationInput, location: Location | None = None) -> LocationInput:
    errors: dict[str, str] = {}
    values = {field.name: getattr(data, field.name) for field in fields(data)}
    for name, limit in LIMITS.items():
        values[name] = (values[name] or "").strip()
        if len(values[name]) > limit:
            errors[name] = _("At most %(count)d characters.", count=limit)
    if not values["name"]:
        errors["name"] = _("Give the location a name.")
    try:
        values["kind"] = LocationKind(values["kind"])
    except ValueError:
        errors["kind"] = _("Choose pickup location or store.")
    if "name" not in errors:
        same_name = select(Location.id).where(Location.municipality_id == municipality.id,
                                              func.lower(Location.name) == values["name"].lower())
        if location is not None:
            same_name = same_name.where(Location.id != location.id)
        if db.session.scalar(same_name.limit(1)) is not None:
            errors["name"] = _("%(municipality)s already has a location called %(name)s.",
                               municipality=municipality.name, name=values["name"])
    if errors:
        raise LocationError(errors)
    return LocationInput(**values)


def create_location(actor: User, municipality: Municipality, data: LocationInput) -> Location:
    if not can_manage_locations(actor, municipality):
        raise Forbidden
    data = _clean(municipality, data)
    location = Location(municipality_id=municipality.id, **{field.name: getattr(data, field.name)
                                                            for field in fields(data)})
    db.session.add(location)
    db.session.flush()
    audit.record("location_created", actor=actor, municipality_id=municipality.id, location_id=location.id,
                 name=location.name, kind=str(location.kind))
    return location


def update_location(actor: User, location: Location, data: LocationInput) -> Location:
    """Change what was given; the audit log names the fields that changed, with their old values."""
    if not can_manage_locations(actor, location.municipality):
        raise Forbidden
    data = _clean(location.municipality, data, location)
    previous = {}
    for field in fields(data):
        new = getattr(data, field.name)
        if getattr(location, field.name) != new:
            # "address" in the audit log is the IP address a request came from: this one is the location's.
            previous["location_address" if field.name == "address" else field.name] = str(getattr(location,
                                                                                                  field.name))
            setattr(location, field.name, new)
    if previous:
        db.session.flush()
        audit.record("location_changed", actor=actor, municipality_id=location.municipality_id,
                     location_id=location.id, name=location.name, previous=previous)
    return location


def set_location_archived(actor: User, location: Location, archived: bool) -> Location:
    """An archived location is offered for no new item; the items standing there and the history stay."""
    if not can_manage_locations(actor, location.municipality):
        raise Forbidden
    if (location.archived_at is not None) != archived:
        location.archived_at = utcnow() if archived else None
        db.session.flush()
        audit.record("location_archived" if archived else "location_restored", actor=actor,
                     municipality_id=location.municipality_id, location_id=location.id, name=location.name)
    return location
