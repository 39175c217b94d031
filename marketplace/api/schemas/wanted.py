"""The shapes of wanted notices and needs (the reuse-first check)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from marketplace.api.schemas.common import (
    Body,
    Day,
    DecimalString,
    Id,
    MeasureValue,
    MunicipalityRef,
    Out,
    Page,
    Quantity,
    text,
)

NoticeStatusValue = Literal["open", "met", "withdrawn", "expired"]
NeedStatusValue = Literal["open", "awaiting_approval", "closed"]
NeedOutcomeValue = Literal["reused", "partly_reused", "bought_new"]
BuyNewReasonValue = Literal["nothing_suitable", "condition", "quantity", "deadline", "other"]


# --- Requests -------------------------------------------------------------------------------------------

class WantedQuery(Page):
    view: Literal["open", "ours"] = Field(default="open", description="`open`: open notices you can see "
                                          "(network by the sharing stages); `ours`: your municipality's, any status.")


class WantedCreate(Body):
    """A wanted notice for the caller's municipality; the poster is told when matching items appear."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": "24 elevstoler", "category": "pupil_chair", "quantity": 24, "needed_by": "2026-08-01",
         "description": "Til Nordvik skole"}]})

    title: text(140, min_length=1)
    category: text(60, min_length=1, description="Category slug, see GET /categories.")
    quantity: Quantity
    needed_by: Day | None = None
    description: text(5000) = ""
    unit_id: Id | None = Field(default=None, description="One of your municipality's units (default: yours).")


class NeedCreate(WantedCreate):
    """A need registered before buying new: the stock is searched at once and a wanted notice goes out for the
    period the municipality's policy sets. ICT needs name the device handed back, or why none is."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": "Ny bærbar PC", "category": "laptop", "quantity": 1, "returned_asset_tag": "DUL-1234"}]})

    returned_asset_tag: text(60) = ""
    no_return_reason: text(2000) = ""


class NeedOutcomeBody(Body):
    """Met by reuse (the caller's municipality's reservations in the category), or buying new (the rest)
    with a reason; `other` needs `reason_text`."""

    reservation_ids: list[Id] = Field(default=[], max_length=100)
    reason: BuyNewReasonValue | None = None
    reason_text: text(2000) = ""


# --- Responses ------------------------------------------------------------------------------------------

class _WantedThing(Out):
    """What a wanted notice and a need both say: what is wanted, how many, by whom and when."""
    id: int
    title: str
    description: str
    category: str
    category_name: str
    quantity: DecimalString
    unit: MeasureValue
    municipality: MunicipalityRef
    unit_id: int | None
    unit_name: str | None
    needed_by: date | None
    created_at: datetime
    closed_at: datetime | None
    web_url: str


class WantedOut(_WantedThing):
    status: NoticeStatusValue
    open_until: date
    can_manage: bool


class WantedList(Out):
    notices: list[WantedOut]
    total: int
    page: int
    per_page: int


class NeedOut(_WantedThing):
    status: NeedStatusValue
    notice_id: int
    found_count: int = Field(description="Matching items visible at registration.")
    outcome: NeedOutcomeValue | None
    reused_quantity: DecimalString
    reservation_ids: list[int]
    buy_new_reason: BuyNewReasonValue | None
    buy_new_reason_text: str
    returned_asset_tag: str
    no_return_reason: str
    returned_item_id: int | None
    decided_at: datetime | None
    approved_at: datetime | None
    certificate_url: str


class NeedList(Out):
    needs: list[NeedOut]
    total: int
    page: int
    per_page: int
