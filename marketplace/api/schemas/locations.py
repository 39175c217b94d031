"""The shapes of pickup locations and reuse stores."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from marketplace.api.schemas.common import Body, Flag, MunicipalityRef, Out, text
from marketplace.locations.models import LocationKind

LocationKindValue = Literal[tuple(kind.value for kind in LocationKind)]  # type: ignore[valid-type]


class LocationCreate(Body):
    """A new pickup location or reuse store of the caller's municipality (its administrators)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Ombrukslageret", "kind": "store", "address": "Lagervegen 4, 9990 Dulten",
         "opening_hours": "Tir og tor 12–15", "contact": "Lagervakt, 900 00 000",
         "access_notes": "Porten på baksiden; rampe og heis."},
    ]})

    name: text(200, min_length=1)
    kind: LocationKindValue
    address: text(300) = ""
    opening_hours: text(300) = ""
    contact: text(300) = ""
    access_notes: text(2000, description="Key, loading ramp, floors, lift.") = ""


class LocationUpdate(Body):
    """Change a location: only the fields sent change; `archived` archives it (true) or restores it (false)."""

    model_config = ConfigDict(extra="forbid")

    name: text(200, min_length=1) | None = None
    kind: LocationKindValue | None = None
    address: text(300) | None = None
    opening_hours: text(300) | None = None
    contact: text(300) | None = None
    access_notes: text(2000) | None = None
    archived: Flag | None = None


class LocationOut(Out):
    id: int
    name: str
    kind: LocationKindValue = Field(description="`pickup`: a pickup location; `store`: a reuse store.")
    address: str
    opening_hours: str
    contact: str
    access_notes: str
    map_url: str | None = Field(description="The address on OpenStreetMap; null without an address.")
    archived: bool
    municipality: MunicipalityRef


class LocationList(Out):
    locations: list[LocationOut]
