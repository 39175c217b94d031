"""The shapes of the categories with their factors, and of the climate report."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from marketplace.api.schemas.common import Day, DecimalString, GroupValue, MeasureValue, Out, Query, text

# --- Requests -------------------------------------------------------------------------------------------

class ImpactQuery(Query):
    scope: text(80) | None = Field(default=None, description="municipality:SLUG, partner:SLUG, network:SLUG, unit:ID "
                                                             "or site; default: your municipality or partner.")
    from_: Day | None = Field(default=None, alias="from", description="First day (included); default: 1 January.")
    to: Day | None = Field(default=None, description="Last day (included); default: today.")


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
