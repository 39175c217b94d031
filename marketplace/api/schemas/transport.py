"""The shapes of transport requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from marketplace.api.schemas.common import Body, DecimalString, Day, Flag, Id, Out, decimal_input, text
from marketplace.api.schemas.reservations import ReuseEventOut
from marketplace.impact.ledger import MAX_KM, TRANSPORT_KG_PER_KM
from marketplace.transport.models import TransportStatus
from marketplace.transport.services import MAX_FLOORS, MAX_STOP, MAX_VOLUME_M3, MAX_WEIGHT_KG

TransportStatusValue = Literal[tuple(status.value for status in TransportStatus)]  # type: ignore[valid-type]
TransportModeValue = Literal[tuple(TRANSPORT_KG_PER_KM)]  # type: ignore[valid-type]


class TransportRequestCreate(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reservation_id": 12, "to_unit_id": 3, "window_from": "2026-12-08", "window_to": "2026-12-10",
         "volume_m3": "2.5", "floors": 2, "lift": False, "contact_name": "Kari", "contact_phone": "+47 900 00 000",
         "notes": "Bruk varemottaket."}]})

    reservation_id: Id
    to_unit_id: Id | None = Field(None, description="A unit of the requesting organisation; or give `to_address`.")
    to_address: text(300) = Field("", description="A free address, if not to one of the units.")
    window_from: Day
    window_to: Day
    volume_m3: decimal_input(int(MAX_VOLUME_M3), 3, minimum_exclusive=True) | None = None
    weight_kg: decimal_input(int(MAX_WEIGHT_KG), 1, minimum_exclusive=True) | None = None
    floors: int | None = Field(None, ge=0, le=MAX_FLOORS, strict=True,
                               description="Floors to carry up at the destination (0: the ground floor).")
    lift: Flag | None = Field(None, description="Whether there is a lift at the destination.")
    contact_name: text(200) = ""
    contact_phone: text(40) = ""
    notes: text(2000) = ""


class ScheduleBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scheduled_date": "2026-12-09", "driver_name": "Ola", "stop_order": 2}]})

    scheduled_date: Day
    driver_name: text(200) = ""
    driver_id: Id | None = Field(None, description="A user of the giving municipality who drives.")
    stop_order: int | None = Field(None, ge=1, le=MAX_STOP, strict=True, description="The stop's place in the day.")


class DeliverBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"transport_km": "12.5", "transport_mode": "electric_van"}]})

    transport_km: decimal_input(int(MAX_KM), 3, minimum_exclusive=False) | None = Field(
        None, description="Distance driven (km), with `transport_mode`; recorded on the reuse event.")
    transport_mode: TransportModeValue | None = None


class TransportCancelBody(Body):
    reason: text(2000) = Field("", description="Why; required when a coordinator cancels.")


class TransportRequestOut(Out):
    id: int
    reservation_id: int
    item_id: int
    item_title: str
    quantity: DecimalString
    status: TransportStatusValue
    municipality: str = Field(description="The giving municipality's slug: its coordinators run the transport.")
    requester_organisation: str = Field(description="The requesting organisation's slug.")
    from_location_id: int | None
    from_unit_id: int | None
    from_address: str
    to_unit_id: int | None
    to_address: str
    window_from: date
    window_to: date
    volume_m3: DecimalString | None
    weight_kg: DecimalString | None
    floors: int | None
    lift: bool | None
    contact_name: str
    contact_phone: str
    notes: str
    scheduled_date: date | None
    driver_name: str
    driver_id: int | None
    stop_order: int | None
    picked_up_at: datetime | None
    delivered_at: datetime | None
    transport_km: DecimalString | None
    transport_mode: TransportModeValue | None
    reuse_event_id: int | None
    requested_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str


class TransportRequestList(Out):
    transport_requests: list[TransportRequestOut]


class DeliveryResult(Out):
    transport_request: TransportRequestOut
    reuse_event: ReuseEventOut | None  # None when the delivered item is lent: the delivery started the loan
