"""The shapes of the inventory: what a municipality has in use, for repair or for recycling, and its status
changes (an item of the inventory is an item: it is answered as ``ItemOut``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from marketplace.api.schemas.common import MAX_ID, Body, Page, Quantity, Query, text
from marketplace.api.schemas.items import InventoryStatusValue
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
