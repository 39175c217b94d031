"""The shapes of the categories with their factors, and of the climate report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from marketplace.api.schemas.common import Day, DecimalString, GroupValue, MeasureValue, Out, Query, text
from marketplace.impact.events import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from marketplace.inputs import MAX_ID

# --- Requests -------------------------------------------------------------------------------------------

class ImpactQuery(Query):
    scope: text(80) | None = Field(default=None, description="municipality:SLUG, partner:SLUG, network:SLUG, unit:ID "
                                                             "or site; default: your municipality or partner.")
    from_: Day | None = Field(default=None, alias="from", description="First day (included); default: 1 January.")
    to: Day | None = Field(default=None, description="Last day (included); default: today.")


class ImpactReportQuery(ImpactQuery):
    as_of: int | None = Field(default=None, ge=1, le=MAX_ID,
                              description="An event id from an earlier answer's `stamp.last_event_id`: events "
                                          "recorded after it (later corrections too) are left out, so the earlier "
                                          "figures come out again exactly.")


class ImpactEventsQuery(ImpactQuery):
    page: int = Field(default=1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    per_page: int = Field(default=DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE,
                          description=f"Events per page, 1–{MAX_PER_PAGE}.")


# --- Responses ------------------------------------------------------------------------------------------

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


class ScopeOut(Out):
    key: str
    kind: Literal["unit", "municipality", "partner", "network", "site"]
    name: str


class ImpactRow(Out):
    slug: str
    name: str
    unit: MeasureValue = Field(description="What the category's quantities are counted in.")
    quantity: DecimalString = Field(description="The amount handed over, in `unit`: each hand-over once for a "
                                                "network or the site; what was received for a municipality or unit.")
    quantity_received: DecimalString
    quantity_given: DecimalString
    co2e_kg: DecimalString
    co2e_kg_gross: DecimalString
    co2e_kg_low: DecimalString
    co2e_kg_high: DecimalString
    waste_kg: DecimalString
    money_nok: DecimalString
    events: int


class QuantityOut(Out):
    """The amounts in one unit of measure: amounts in different units are never added up."""
    unit: MeasureValue
    received: DecimalString = Field(description="Received by the scope (a network or the site: handed over).")
    given: DecimalString = Field(description="Given by the scope (a network or the site: handed over).")


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


class LoansOut(Out):
    """Loans in the same scope and period, apart from reuse: they earn no CO2e credit (decision 38)."""
    lent_started: int = Field(description="Loans of the scope's items that started in the period.")
    lent_item_days: DecimalString = Field(description="Units × days out on loan within the period.")
    borrowed_started: int
    borrowed_item_days: DecimalString
    units_lost: DecimalString = Field(description="Units of the scope's items recorded lost or damaged on loan.")
    co2e_kg: DecimalString = Field(description="Always 0: a loan is not counted as avoided emissions.")


class StampOut(Out):
    """What it takes to make the same figures again."""

    factor_sets: list[str] = Field(description="The factor-set versions the counted hand-overs were computed with.")
    last_event_id: int | None = Field(description="The newest event counted; ask again with as_of=this.")
    made_at: datetime
    as_of: int | None = Field(description="As asked: events after it left out.")


class ImpactOut(Out):
    scope: ScopeOut
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    co2e_kg: DecimalString = Field(description="Net kg CO2e avoided, credited to the receiver.")
    co2e_kg_gross: DecimalString
    co2e_kg_low: DecimalString = Field(description="Net kg CO2e with every factor at the low end of its range.")
    co2e_kg_high: DecimalString = Field(description="Net kg CO2e with every factor at the high end of its range.")
    waste_kg: DecimalString = Field(description="kg waste avoided, credited to the giver.")
    money_nok: DecimalString
    events: int
    events_received: int
    events_given: int
    factor_set: list[str] = Field(description="The factor-set versions the period's hand-overs were computed with.")
    stamp: StampOut
    quantities: list[QuantityOut] = Field(description="Amounts per unit of measure.")
    by_category: list[ImpactRow]
    reuse_first: ReuseFirstOut
    loans: LoansOut

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PartyOut(Out):
    """The giving municipality or the receiving organisation, and its unit where one was recorded."""
    slug: str
    name: str
    kind: Literal["municipality", "partner"]
    unit_id: int | None
    unit: str | None = Field(description="The unit's name.")


class ReuseEventOut(Out):
    """One hand-over of the reuse ledger with every figure it was computed with. Figures are decimal strings at
    their stored scale (kg and kg CO2e: 3 decimals, NOK: 2); a reversing event has negative figures."""
    id: int
    occurred_on: date = Field(description="The Norwegian date of the hand-over.")
    recorded_at: datetime
    item_id: int
    reservation_id: int | None
    reverses: int | None = Field(description="The event this one reverses.")
    reversed_by: int | None = Field(description="The event that reverses this one.")
    side: Literal["received", "given", "both"] | None = Field(
        description="The scope's side: it is credited with the CO2e and money of what it received, the waste of "
                    "what it gave; a network or the site counts each event once (both). Null outside a scope.")
    category: str = Field(description="The category's slug.")
    unit: MeasureValue
    scope3_category: Literal[1, 2] = Field(
        description="GHG Protocol scope 3 category of the purchase avoided (1 purchased goods and services, "
                    "2 capital goods); avoided emissions are reported apart from the inventory.")
    quantity: DecimalString
    giver: PartyOut
    receiver: PartyOut
    would_buy_new: Literal["yes", "no", "unknown"]
    displacement: DecimalString
    lifetime_factor: DecimalString
    would_be_discarded: bool
    factor_set: str
    kgco2e_new: DecimalString | None
    kgco2e_low: DecimalString | None
    kgco2e_high: DecimalString | None
    mass_kg: DecimalString | None
    price_new_nok: DecimalString | None
    overridden_by: Literal["municipality", "item"] | None
    factor_sources: str
    co2e_kg: DecimalString
    co2e_kg_gross: DecimalString
    co2e_kg_low: DecimalString
    co2e_kg_high: DecimalString
    waste_kg: DecimalString
    money_nok: DecimalString
    price_paid_nok: DecimalString | None
    transport_km: DecimalString | None
    transport_mode: Literal["diesel_van", "electric_van"] | None
    transport_kgco2e: DecimalString | None
    refurbishment_nok: DecimalString | None
    refurbishment_kgco2e: DecimalString | None
    note: str


class ReuseEventList(Out):
    events: list[ReuseEventOut]
    total: int
    page: int
    per_page: int
