"""The shapes of the inventory: what a municipality has in use, for repair or for recycling, and its status
changes (an item of the inventory is an item: it is answered as ``ItemOut``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from marketplace.api.schemas.common import (MAX_ID, Body, Day, DecimalString, Out, Page, Quantity, Query,
                                            decimal_input, text)
from marketplace.api.schemas.items import InventoryStatusValue, UserGroupValue
from marketplace.listings.models import DisposalReason, ItemStatus

DisposalReasonValue = Literal[tuple(reason.value for reason in DisposalReason)]  # type: ignore[valid-type]
NextStatusValue = Literal[(*InventoryStatusValue.__args__, ItemStatus.DISPOSED.value)]  # type: ignore[valid-type]


class InventoryQuery(Page):
    location_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="Only items standing at this pickup location or store (GET /locations).")
    building: text(120, description="Only items in this building (the whole name, any case).") = ""
    room: text(120, description="Only items in this room (the whole name, any case).") = ""
    category: text(60, description="Only items of this category (its slug, see GET /categories).") = ""
    status: InventoryStatusValue | None = Field(default=None, description="Only items with this status.")


class StatusChange(Body):
    """Move an item of the inventory to another of its statuses, or dispose of it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"status": "for_repair", "reason": "Løs rygg"},
        {"status": "disposed", "reason": "Knekt understell", "disposal_reason": "scrapped"},
    ]})

    status: NextStatusValue = Field(description="`in_use`, `for_repair`, `for_recycling`, or `disposed` (gone "
                                                "for good: needs `disposal_reason`).")
    reason: text(500, description="Why, for the item's history.") = ""
    disposal_reason: DisposalReasonValue | None = Field(
        default=None, description="Only with `disposed`: `recycled` (delivered to material recycling) or "
                                  "`scrapped` (thrown away as residual waste).")


class OfferQuery(Query):
    quantity: Quantity | None = Field(default=None, description="For an item of the inventory: offer only this "
                                      "many of its row (10 of 12 chairs); the part is split off as an item of its "
                                      "own, naming the row (`origin_item_id`), and the rest stays in use.")


# --- The ICT fleet --------------------------------------------------------------------------------------

Cost = decimal_input(10_000_000, 2, minimum_exclusive=False)


class FleetQuery(Page):
    category: text(60, description="Only devices of this ICT category (its slug, see GET /categories).") = ""
    user_group: UserGroupValue | None = Field(default=None, description="Only devices used by this group.")
    status: InventoryStatusValue | None = Field(default=None, description="Only devices with this status.")


class DeviceOut(Out):
    """A row of the ICT fleet: an item of the inventory with its age and number of repairs."""

    id: int
    asset_tag: str
    title: str
    category: str = Field(description="Category slug.")
    brand: str
    model: str
    serial_number: str
    purchased_on: date | None
    age_years: DecimalString | None = Field(description="Whole months since the purchase date, in years with "
                                                        "one decimal (rounded down); null without a date.")
    user_group: UserGroupValue | None
    status: InventoryStatusValue
    unit_name: str | None
    building: str
    floor: str
    room: str
    repairs: int = Field(description="Repairs recorded (GET /items/{item_id}/repairs).")
    kgco2e_new: DecimalString | None = Field(description="The device's own footprint (kg CO2e new), overriding "
                                                         "the category's; null: the category's applies.")
    figures_source: str
    erasure_certificate: bool
    web_url: str


class DeviceList(Out):
    devices: list[DeviceOut]
    total: int
    page: int
    per_page: int


class EnoughQuery(Query):
    category: text(60, min_length=1, description="An ICT category's slug (GET /categories).")
    quantity: Quantity
    user_group: UserGroupValue | None = Field(default=None, description="Who it is for: devices in use by other "
                                                                        "groups are named, not counted.")


class EnoughOut(Out):
    """"Do we have enough used equipment?" Counted: `own_surplus` (your published listings, what is still
    available), `for_repair` (your inventory) and `network` (what other municipalities offer you now).
    `in_use_elsewhere` (in use by other user groups, or in use at all without `user_group`) is named but not
    counted."""

    category: str
    quantity: DecimalString
    user_group: UserGroupValue | None
    own_surplus: DecimalString
    for_repair: DecimalString
    in_use_elsewhere: DecimalString
    network: DecimalString
    available: DecimalString
    missing: DecimalString
    enough: bool
    need_url: str = Field(description="The web page to register a need for what is missing.")


class RepairCreate(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"repaired_on": "2026-11-30", "description": "Nytt batteri", "cost_nok": "890"},
    ]})

    repaired_on: Day = Field(description="When it was repaired; not in the future.")
    description: text(500, min_length=1, description="What was done.")
    cost_nok: Cost | None = Field(default=None, description="What it cost, in kroner.")


class RepairOut(Out):
    id: int
    item_id: int
    repaired_on: date
    description: str
    cost_nok: DecimalString | None
    recorded_by: str | None = Field(description="The name of who recorded it.")
    created_at: datetime


class RepairList(Out):
    repairs: list[RepairOut]


class CertificateUpload(BaseModel):
    """multipart/form-data with the erasure certificate in ``file``: a PDF, or a photo of it (at most 10 MB)."""

    model_config = ConfigDict(extra="ignore")
    file: Annotated[bytes, WithJsonSchema({"type": "string", "format": "binary"})]
