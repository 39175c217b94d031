"""The shapes of reservations and the hand-over's reuse event."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from marketplace.api.schemas.common import (
    Body,
    DecimalString,
    Moment,
    MunicipalityRef,
    OrganisationRef,
    Out,
    Page,
    Quantity,
    decimal_input,
    text,
)
from marketplace.impact.ledger import MAX_KGCO2E, MAX_KM, MAX_NOK, TRANSPORT_KG_PER_KM
from marketplace.api.schemas.items import ConditionValue, LoanDays
from marketplace.reservations.models import ReservationStatus, WouldBuyNew

ReservationStatusValue = Literal[tuple(status.value for status in ReservationStatus)]  # type: ignore[valid-type]
WouldBuyNewValue = Literal[tuple(answer.value for answer in WouldBuyNew)]  # type: ignore[valid-type]


# --- Requests -------------------------------------------------------------------------------------------

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


# --- Responses ------------------------------------------------------------------------------------------

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
    picked: bool = Field(description="The owner side has picked the items and set them aside for the collector "
                                     "(shown to the requester as ready for pickup).")
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None = Field(description="When a loan is due back (status `on_loan`).")
    returned_at: datetime | None = Field(description="When the last of a loan came back (status `returned`).")
    quantity_returned: DecimalString = Field(description="Of a loan: units recorded back so far.")
    quantity_lost: DecimalString = Field(description="Of a loan: units recorded lost or damaged beyond use.")
    renewal_days: int | None = Field(description="A renewal the borrower asked for, in days, not yet answered.")


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
    money_nok: DecimalString = Field(description="Money saved (NOK): new price × quantity × displacement, less the "
                                                 "price paid and refurbishment; negative when they cost more.")
    co2e_kg_low: DecimalString = Field(description="Net kg CO2e with the low factor (the band's lower end).")
    co2e_kg_high: DecimalString = Field(description="Net kg CO2e with the high factor (the band's upper end).")
    price_paid_nok: DecimalString | None
    transport_kgco2e: DecimalString | None = Field(description="The transport's kg CO2e, as given or from km.")
    refurbishment_nok: DecimalString | None
    refurbishment_kgco2e: DecimalString | None
    factor_set: str


class CollectBody(Body):
    """What the hand-over cost, each for the whole hand-over; all optional (leave out what is not known)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"price_paid_nok": "2300", "transport_km": "12.5", "transport_mode": "electric_van"}]})
    price_paid_nok: decimal_input(int(MAX_NOK), 2, minimum_exclusive=False) | None = Field(
        None, description="What the receiver paid in all (NOK); subtracted from the money saved.")
    transport_km: decimal_input(int(MAX_KM), 3, minimum_exclusive=False) | None = Field(
        None, description="Distance driven (km), with `transport_mode`; km × the vehicle's factor (DEFRA 2025) is "
                          "subtracted from the CO2e avoided.")
    transport_mode: Literal[tuple(TRANSPORT_KG_PER_KM)] | None = None  # type: ignore[valid-type]
    transport_kgco2e: decimal_input(int(MAX_KGCO2E), 3, minimum_exclusive=False) | None = Field(
        None, description="Or the transport's emissions (kg CO2e) if known; not together with `transport_km`.")
    refurbishment_nok: decimal_input(int(MAX_NOK), 2, minimum_exclusive=False) | None = Field(
        None, description="Cost of repair or refurbishment (NOK); subtracted from the money saved.")
    refurbishment_kgco2e: decimal_input(int(MAX_KGCO2E), 3, minimum_exclusive=False) | None = Field(
        None, description="Emissions of repair or refurbishment (kg CO2e); subtracted from the CO2e avoided.")


class CollectResult(Out):
    reservation: ReservationOut
    reuse_event: ReuseEventOut | None = Field(description="None when the hand-over started a loan (a lent item): a "
                                                          "loan writes no reuse event.")


class ReturnBody(Body):
    """What came back of a loan; all optional: no body records everything still on loan back, in the condition
    it left."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"quantity": 23, "lost": 2, "condition": "worn", "note": "To skjermer knust."}]})
    quantity: Quantity | None = Field(None, description="Units back now (default: all still on loan less `lost`).")
    lost: decimal_input(1_000_000, 3, minimum_exclusive=False) | None = Field(
        None, description="Units lost or damaged beyond use: they leave the item's quantity.")
    condition: ConditionValue | None = Field(None, description="The condition they came back in (default: the "
                                                               "item's).")
    note: text(2000) = ""


class RenewBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"days": 7}]})
    days: LoanDays = Field(description="How many more days the borrower asks for (1–365).")


class LoanReturnOut(Out):
    id: int
    quantity_back: DecimalString
    quantity_lost: DecimalString
    condition: ConditionValue
    note: str
    recorded_at: datetime


class ReturnResult(Out):
    reservation: ReservationOut
    loan_return: LoanReturnOut
