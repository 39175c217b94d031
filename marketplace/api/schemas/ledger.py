"""The shapes of the reuse ledger's events, and of a hand-over's reversal."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import ConfigDict, Field

from marketplace.api.schemas.common import Body, DecimalString, MeasureValue, Out, text


class ReverseBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "Registrert på feil skole."}]})

    reason: text(2000, min_length=1, description="Why the hand-over is undone or corrected; 400 if missing or "
                                                 "blank.")


class LedgerEventOut(Out):
    """One event of the reuse ledger: a hand-over, or (with `reverses`) the reversal of one, whose amounts are
    negated and which counts in the period of the event it reverses."""

    id: int
    occurred_on: date = Field(description="The Norwegian date of the hand-over (a reversal: of the hand-over it "
                                          "reverses).")
    recorded_at: datetime = Field(description="When the event was written (a reversal: when it was corrected).")
    item_id: int
    reservation_id: int | None
    category: str = Field(description="The category's slug.")
    quantity: DecimalString
    unit: MeasureValue
    factor_set: str
    co2e_kg: DecimalString = Field(description="Net kg CO2e avoided (after displacement).")
    co2e_kg_gross: DecimalString
    co2e_kg_low: DecimalString
    co2e_kg_high: DecimalString
    waste_kg: DecimalString
    money_nok: DecimalString
    price_paid_nok: DecimalString | None
    reverses: int | None = Field(description="The id of the event this one reverses, or null.")
