"""The shapes of API v1: every request body and query is validated by these Pydantic models, and the OpenAPI
document is generated from the very same models (marketplace/api/openapi.py), so the two cannot drift apart.

Conventions (also in docs/api.md):
- Decimal amounts (quantities, kg, kg CO2e, NOK) are sent back as JSON *strings* in plain decimal notation,
  so nothing is lost to binary floating point: quantities without trailing zeros ("24", "2.5"), report
  figures at their stored scale ("123.450" kg, "1999.00" NOK). In requests, a number or a string is accepted.
- Times are ISO 8601 in UTC ("2026-11-28T10:15:00Z"); times sent in must carry a UTC offset.
- Request bodies refuse unknown fields (422), so a misspelt or forbidden field (``municipality_id``,
  ``quantity_available``, ``status`` outside creation) is never silently ignored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    field_validator,
)

from marketplace.listings.models import CategoryGroup, Condition, ItemStatus, MeasureUnit
from marketplace.reservations.models import ReservationStatus, WouldBuyNew

MAX_ID = 2**31 - 1
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

ConditionValue = Literal[tuple(condition.value for condition in Condition)]  # type: ignore[valid-type]
GroupValue = Literal[tuple(group.value for group in CategoryGroup)]  # type: ignore[valid-type]
MeasureValue = Literal[tuple(unit.value for unit in MeasureUnit)]  # type: ignore[valid-type]
ItemStatusValue = Literal[tuple(status.value for status in ItemStatus)]  # type: ignore[valid-type]
ReservationStatusValue = Literal[tuple(status.value for status in ReservationStatus)]  # type: ignore[valid-type]
WouldBuyNewValue = Literal[tuple(answer.value for answer in WouldBuyNew)]  # type: ignore[valid-type]

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _decimal_input(maximum: int, places: int, *, minimum_exclusive: bool) -> Any:
    """A decimal accepted as a JSON number or a string, with the documented bounds."""
    low = {"exclusiveMinimum": 0} if minimum_exclusive else {"minimum": 0}
    pattern = rf"^[0-9]{{1,{len(str(maximum))}}}(\.[0-9]{{1,{places}}})?$"
    bounds = {"gt": 0} if minimum_exclusive else {"ge": 0}
    return Annotated[
        Decimal,
        Field(le=maximum, max_digits=len(str(maximum)) + places, decimal_places=places, **bounds),
        WithJsonSchema({"anyOf": [{"type": "number", **low, "maximum": maximum},
                                  {"type": "string", "pattern": pattern}],
                        "description": f"A decimal number (JSON number or string), at most {places} decimals."}),
    ]


Quantity = _decimal_input(1_000_000, 3, minimum_exclusive=True)
Figure = _decimal_input(100_000_000, 3, minimum_exclusive=False)
DecimalString = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["24", "12.500"],
                                     description="A decimal number as a string (exact; no binary rounding).")]


def _in_range(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    if not EARLIEST <= moment < LATEST:
        raise ValueError("Give a time between the years 2000 and 2099.")
    return moment


def _date_in_range(day: date) -> date:
    if not EARLIEST.date() <= day < LATEST.date():
        raise ValueError("Give a date between the years 2000 and 2099.")
    return day


Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]
Day = Annotated[date, AfterValidator(_date_in_range)]


def text(max_length: int, *, min_length: int = 0, **extra: Any) -> Any:
    return Annotated[str, Field(min_length=min_length, max_length=max_length, **extra)]


class Body(BaseModel):
    """A JSON request body: unknown fields are refused, text must be clean Unicode without NUL characters
    (PostgreSQL stores neither)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("Text may not contain NUL characters.")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ValueError("Text must be valid Unicode.") from error
        return value


class Query(BaseModel):
    """URL query parameters. Unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Page(Query):
    page: Annotated[int, Field(ge=1, le=10_000, description="Page number, from 1.")] = 1
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE, description=f"Results per page, 1–{MAX_PER_PAGE}.")] = \
        DEFAULT_PER_PAGE


# --- Requests -------------------------------------------------------------------------------------------

class ItemsQuery(Page):
    q: text(200, description="Words to search for (prefix, case- and accent-insensitive).") = ""
    category: list[text(60)] = Field(default=[], description="Category slugs (repeat the parameter for several).")
    condition: list[ConditionValue] = Field(default=[], description="Conditions (repeatable).")
    municipality: list[text(60)] = Field(default=[], description="Municipality slugs (repeatable).")
    group: GroupValue | None = Field(default=None, description="Category group.")
    sort: Literal["relevance", "newest", "quantity"] | None = Field(
        default=None, description="Order; relevance when searching, else newest first.")


class ItemCreate(Body):
    """A new listing for the caller's municipality. Published at once unless ``status`` is ``draft``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": "Stablestoler, grå", "category": "stackable_chair", "condition": "good", "quantity": 24,
         "description": "Fra kantina.", "building": "Hovedbygget", "room": "101", "would_be_discarded": True},
        {"title": "Strøsand", "category": "grit_sand", "condition": "as_new", "quantity": "1.5",
         "status": "draft"},
    ]})

    title: text(140, min_length=1)
    category: text(60, min_length=1, description="Category slug, see GET /categories.")
    condition: ConditionValue
    quantity: Quantity
    status: Literal["draft", "published"] = Field(default="published",
                                                  description="Only on creation: `draft` keeps it unpublished.")
    description: text(5000) = ""
    unit_id: Id | None = Field(default=None, description="One of your municipality's units (default: yours).")
    dimensions: text(120) = ""
    brand: text(120) = ""
    model: text(120) = ""
    colour: text(120) = ""
    building: text(120) = ""
    room: text(120) = ""
    pickup_instructions: text(2000) = ""
    available_from: Day | None = None
    advertise_until: Day | None = None
    would_be_discarded: bool = Field(default=False, description="Would otherwise be thrown away (counts as waste "
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


class ReservationCreate(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"quantity": 2, "note": "Til møterommet", "would_buy_new": "yes"}]})

    quantity: Quantity
    note: text(2000) = ""
    would_buy_new: WouldBuyNewValue = Field(
        default="unknown", description="Would you otherwise have bought new? (the displacement in the climate "
                                       "method)")
    wished_pickup_at: Moment | None = None


class ApproveBody(Body):
    pickup_at: Moment | None = Field(default=None, description="An agreed pickup time.")


class RejectBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "Allerede gitt bort."}]})

    reason: text(2000, min_length=1, description="Why, so the requester understands.")


class CancelBody(Body):
    reason: text(2000) = ""


class ReservationsQuery(Page):
    role: Literal["mine", "incoming"] = Field(
        default="mine", description="`mine`: your own reservations; `incoming`: those of your municipality's "
                                    "items (caretakers and administrators).")
    status: ReservationStatusValue | None = None


class ImpactQuery(Query):
    scope: text(80) | None = Field(default=None, description="municipality:SLUG, network:SLUG, unit:ID or site; "
                                                             "default: your municipality.")
    from_: Day | None = Field(default=None, alias="from", description="First day (included); default: 1 January.")
    to: Day | None = Field(default=None, description="Last day (included); default: today.")


class PhotoUpload(BaseModel):
    """multipart/form-data with the photo in ``file`` (JPEG, PNG, WebP or HEIC)."""

    model_config = ConfigDict(extra="ignore")
    file: Annotated[bytes, WithJsonSchema({"type": "string", "format": "binary"})]
    alt_text: text(300) = ""


# --- Responses ------------------------------------------------------------------------------------------

class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MunicipalityRef(Out):
    slug: str
    name: str


class OrganisationRef(Out):
    slug: str
    name: str
    kind: Literal["municipality", "partner"]


class UnitRef(Out):
    id: int
    name: str


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
    status: ItemStatusValue
    photos: list[PhotoOut]
    dimensions: str
    brand: str
    model: str
    colour: str
    building: str
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


class ItemRef(Out):
    id: int
    title: str
    municipality: MunicipalityRef


class ReservationOut(Out):
    id: int
    item: ItemRef
    status: ReservationStatusValue
    quantity: DecimalString
    would_buy_new: WouldBuyNewValue
    note: str
    reason: str = Field(description="Why it was rejected or cancelled.")
    requester_name: str | None
    requester_organisation: OrganisationRef
    requester_unit_name: str | None
    wished_pickup_at: datetime | None
    pickup_at: datetime | None
    pickup_confirmed: bool
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    closed_at: datetime | None


class ReservationList(Out):
    reservations: list[ReservationOut]
    total: int
    page: int
    per_page: int


class ReuseEventOut(Out):
    id: int
    occurred_on: date
    quantity: DecimalString
    co2e_kg: DecimalString = Field(description="Net kg CO2e avoided (after displacement).")
    co2e_kg_gross: DecimalString
    waste_kg: DecimalString
    money_nok: DecimalString
    factor_set: str


class CollectResult(Out):
    reservation: ReservationOut
    reuse_event: ReuseEventOut


class CategoryOut(Out):
    slug: str
    name: str = Field(description="In the caller's language.")
    name_nb: str
    name_en: str
    group: GroupValue
    unit: MeasureValue
    holds_data: bool = Field(description="Data-bearing ICT: leaves its municipality only after recorded erasure.")
    kgco2e_new: DecimalString | None
    mass_kg: DecimalString | None
    price_new_nok: DecimalString | None
    sources: str
    factor_set: str | None = Field(description="Version of the default factor set in force.")
    overridden_by: Literal["municipality"] | None


class CategoryList(Out):
    categories: list[CategoryOut]


class MeOut(Out):
    id: int
    email: str
    name: str
    locale: str
    municipality: MunicipalityRef | None
    organisation: OrganisationRef | None
    unit: UnitRef | None
    roles: list[str]


class ScopeOut(Out):
    key: str
    kind: Literal["unit", "municipality", "network", "site"]
    name: str


class ImpactRow(Out):
    slug: str
    name: str
    co2e_kg: DecimalString
    co2e_kg_gross: DecimalString
    waste_kg: DecimalString
    money_nok: DecimalString
    events: int


class ReuseFirstOut(Out):
    """The reuse-first check in the same scope and period: needs registered, and how the decided ones were met."""
    needs_registered: int
    needs_decided: int
    met_by_reuse: int = Field(description="Decided needs met by reuse in full.")
    partly_met_by_reuse: int
    bought_new: int
    share_by_count: DecimalString | None = Field(description="Met by reuse in full, of the decided needs (0 to 1); "
                                                             "null when none was decided.")
    share_by_value: DecimalString | None = Field(description="The new price of what reuse supplied, of the new "
                                                             "price of everything needed (0 to 1).")
    value_needed_nok: DecimalString
    value_reused_nok: DecimalString
    buy_new_reasons: dict[str, int] = Field(description="Why the rest was bought new: reason → needs.")
    ict_issued: DecimalString = Field(description="New ICT devices issued for decided needs.")
    ict_returned: int = Field(description="Of those needs, how many named a device handed back.")
    ict_not_returned: int


class ImpactOut(Out):
    scope: ScopeOut
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    co2e_kg: DecimalString = Field(description="Net kg CO2e avoided, credited to the receiver.")
    co2e_kg_gross: DecimalString
    waste_kg: DecimalString = Field(description="kg waste avoided, credited to the giver.")
    money_nok: DecimalString
    events: int
    by_category: list[ImpactRow]
    reuse_first: ReuseFirstOut

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ErrorDetail(Out):
    code: str = Field(description="A stable machine-readable code, e.g. `validation_failed`, "
                                  "`insufficient_quantity`.")
    message: str = Field(description="A sentence fit to show a person, in the caller's language.")
    fields: dict[str, str] = Field(default={}, description="Per input field (dotted path), what is wrong.")


class Error(Out):
    error: ErrorDetail


# --- Wanted notices and needs (the reuse-first check) ---------------------------------------------------

NoticeStatusValue = Literal["open", "met", "withdrawn", "expired"]
NeedStatusValue = Literal["open", "awaiting_approval", "closed"]
NeedOutcomeValue = Literal["reused", "partly_reused", "bought_new"]
BuyNewReasonValue = Literal["nothing_suitable", "condition", "quantity", "deadline", "other"]


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
