"""The shapes of items and their photos."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from marketplace.api.schemas.common import (
    MAX_ID,
    Body,
    Day,
    DecimalString,
    Figure,
    Flag,
    GroupValue,
    Id,
    MeasureValue,
    MunicipalityRef,
    Out,
    Page,
    Quantity,
    WholeNumber,
    text,
)
from marketplace.api.schemas.locations import LocationOut
from marketplace.listings.models import (INVENTORY_STATUSES, MAX_LOAN_DAYS, Condition, ItemOffer, ItemStatus,
                                         UserGroup)

ConditionValue = Literal[tuple(condition.value for condition in Condition)]  # type: ignore[valid-type]
OfferValue = Literal[tuple(offer.value for offer in ItemOffer)]  # type: ignore[valid-type]
LoanDays = Annotated[int, Field(ge=1, le=MAX_LOAN_DAYS), WholeNumber]
ItemStatusValue = Literal[tuple(status.value for status in ItemStatus)]  # type: ignore[valid-type]
UserGroupValue = Literal[tuple(group.value for group in UserGroup)]  # type: ignore[valid-type]
InventoryStatusValue = Literal[tuple(status.value for status in INVENTORY_STATUSES)]  # type: ignore[valid-type]
CreatedStatusValue = Literal[("draft", "published",  # type: ignore[valid-type]
                              *(status.value for status in INVENTORY_STATUSES))]


# --- Requests -------------------------------------------------------------------------------------------

class ItemsQuery(Page):
    q: text(200, description="Words to search for (prefix, case- and accent-insensitive).") = ""
    category: list[text(60)] = Field(default=[], description="Category slugs (repeat the parameter for several).")
    condition: list[ConditionValue] = Field(default=[], description="Conditions (repeatable).")
    municipality: list[text(60)] = Field(default=[], description="Municipality slugs (repeatable).")
    group: GroupValue | None = Field(default=None, description="Category group.")
    location: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="Only items standing at this pickup location or store (GET /locations).")
    offer: OfferValue | None = Field(default=None, description="Only items given away (`give`) or lent (`lend`).")
    sort: Literal["relevance", "newest", "quantity"] | None = Field(
        default=None, description="Order; relevance when searching, else newest first.")


class ItemCreate(Body):
    """A new listing for the caller's municipality. Published at once unless ``status`` is ``draft``, or an item
    of the municipality's inventory (never on the market) when ``status`` is ``in_use``, ``for_repair`` or
    ``for_recycling``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": "Stablestoler, grå", "category": "stackable_chair", "condition": "good", "quantity": 24,
         "description": "Fra kantina.", "building": "Hovedbygget", "room": "101", "would_be_discarded": True},
        {"title": "Strøsand", "category": "grit_sand", "condition": "as_new", "quantity": "1.5",
         "status": "draft"},
        {"title": "Elevpulter", "category": "desk", "condition": "good", "quantity": 28, "status": "in_use",
         "building": "Dulten skole", "floor": "2", "room": "204"},
    ]})

    title: text(140, min_length=1)
    category: text(60, min_length=1, description="Category slug, see GET /categories.")
    condition: ConditionValue
    quantity: Quantity
    status: CreatedStatusValue = Field(default="published", description=(
        "Only on creation: `draft` keeps it unpublished; `in_use`, `for_repair` or `for_recycling` registers it in "
        "the municipality's inventory, seen by its own people only (offer it later with POST "
        "/items/{item_id}/publish)."))
    description: text(5000) = ""
    unit_id: Id | None = Field(default=None, description="One of your municipality's units (default: yours).")
    location_id: Id | None = Field(default=None, description="Where it stands when not at its unit: one of your "
                                                             "municipality's active pickup locations or stores "
                                                             "(GET /locations); null: at its unit.")
    dimensions: text(120) = ""
    brand: text(120) = ""
    model: text(120) = ""
    colour: text(120) = ""
    building: text(120) = ""
    floor: text(40) = ""
    room: text(120) = ""
    pickup_instructions: text(2000) = ""
    available_from: Day | None = None
    advertise_until: Day | None = None
    would_be_discarded: Flag = Field(default=False, description="Would otherwise be thrown away (counts as waste "
                                                                "avoided).")
    kgco2e_new: Figure | None = Field(default=None, description="The item's own kg CO2e when new (needs "
                                                                "figures_source).")
    mass_kg: Figure | None = None
    price_new_nok: Figure | None = None
    figures_source: text(300) = ""
    asset_tag: text(60) = ""
    serial_number: text(80) = ""
    safety_check_note: text(500, description="Who checked an electrical (ICT) item and how; required to publish "
                                             "where the municipality says so.") = ""
    offer: OfferValue = Field(default="give", description="`give`: the receiver keeps it; `lend`: lent for "
                                                          "`loan_days` and returned.")
    loan_days: LoanDays | None = Field(default=None, description="The loan period in days (1–365); required when "
                                                                 "`offer` is `lend`, ignored otherwise.")
    purchased_on: Day | None = Field(default=None, description="When it was bought (ICT fleet: gives its age); "
                                                               "not in the future.")
    user_group: UserGroupValue | None = Field(default=None, description="Who uses it: `pupils`, `staff` or "
                                                                        "`shared` (shared or other).")


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _optional_fields(name: str, source: type[Body], leave_out: set[str]) -> type[Body]:
    """The fields of ``source``, each optional: only the fields sent are changed."""
    fields: dict[str, Any] = {}
    for field_name, info in source.model_fields.items():
        if field_name in leave_out:
            continue
        fields[field_name] = (info.annotation if not info.metadata else Annotated[(info.annotation, *info.metadata)],
                              Field(default=None, description=info.description, json_schema_extra=_no_default))
    model = create_model(name, __base__=Body, __doc__="Change a listing: only the fields sent are changed.",
                         **fields)
    return model


ItemUpdate = _optional_fields("ItemUpdate", ItemCreate, {"status"})


class PhotoUpload(BaseModel):
    """multipart/form-data with the photo in ``file`` (JPEG, PNG, WebP or HEIC)."""

    model_config = ConfigDict(extra="ignore")
    file: Annotated[bytes, WithJsonSchema({"type": "string", "format": "binary"})]
    alt_text: text(300) = ""


# --- Responses ------------------------------------------------------------------------------------------

class PhotoOut(Out):
    id: int
    url: str = Field(description="The large variant (JPEG); fetch it with the same token.")
    thumbnail_url: str
    alt_text: str
    width: int
    height: int


class ItemOut(Out):
    id: int
    title: str
    description: str
    category: str = Field(description="Category slug.")
    category_name: str
    group: GroupValue
    condition: ConditionValue
    quantity: DecimalString
    quantity_available: DecimalString = Field(description="Not held by reservations nor handed over.")
    unit: MeasureValue = Field(description="Unit of measure of the quantity.")
    municipality: MunicipalityRef
    unit_id: int | None = Field(description="The municipal unit (school, depot…) where the item is.")
    unit_name: str | None
    location_id: int | None = Field(description="The pickup location or store where it stands; null: at its unit.")
    location: LocationOut | None
    status: ItemStatusValue
    photos: list[PhotoOut]
    dimensions: str
    brand: str
    model: str
    colour: str
    building: str
    floor: str
    room: str
    pickup_instructions: str
    available_from: date | None
    advertise_until: date | None
    would_be_discarded: bool
    kgco2e_new: DecimalString | None
    mass_kg: DecimalString | None
    price_new_nok: DecimalString | None
    figures_source: str
    asset_tag: str
    serial_number: str
    safety_check_note: str
    erasure_recorded: bool
    erasure_certificate: bool = Field(description="Whether an erasure certificate is stored (fetch it on the web "
                                                  "page; only the item's municipality can).")
    purchased_on: date | None
    user_group: UserGroupValue | None
    offer: OfferValue
    loan_days: int | None = Field(description="The loan period in days of a lent item.")
    can_manage: bool = Field(description="Whether the caller may change, publish and withdraw it.")
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    web_url: str


class ItemList(Out):
    items: list[ItemOut]
    total: int
    page: int
    per_page: int


class ItemSearchList(ItemList):
    total: int = Field(description="How many items match, when `total_is_exact`; otherwise more than this many "
                                   "match (the search counts exactly up to this number).")
    total_is_exact: bool = Field(description="False when more items match than the search counts exactly: "
                                             "`total` is then a lower bound, pages newest first go on as long as "
                                             "they are full, and a page by relevance or quantity is ordered "
                                             "among the newest `total` matches only.")
