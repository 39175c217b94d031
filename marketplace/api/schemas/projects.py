"""The shapes of building projects: a project, its needs room by room with what covers them, and the progress
figures (pieces and sets the headline; other units of measure listed apart, never added to them)."""

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
from marketplace.api.schemas.wanted import BuyNewReasonValue, NeedOutcomeValue, NeedStatusValue

WouldBuyNewValue = Literal["yes", "no", "unknown"]


# --- Requests -------------------------------------------------------------------------------------------

class ProjectCreate(Body):
    """A building project of the caller's municipality (municipal administrators)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Nytt bibliotek, Dulten", "site_id": 3, "due": "2027-08-01", "building": "Dulten bibliotek"}]})

    name: text(140, min_length=1)
    site_id: Id | None = Field(default=None, description="Where the building stands: one of your municipality's "
                                                         "locations (GET /locations).")
    due: Day | None = Field(default=None, description="Wanted by: reservations for the project are held until "
                                                      "this date.")
    building: text(120, description="The building's name as placed items carry it (default: the name).") = ""
    description: text(4000) = ""


class ProjectNeedCreate(Body):
    """A need of the project in one of its rooms. It is a need of the reuse-first check (GET /needs/{id}):
    searched at once and posted as a wanted notice until the project's wanted-by date."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"category": "office_chair", "quantity": 24, "room": "Lesesal"}]})

    category: text(60, min_length=1, description="Category slug, see GET /categories.")
    quantity: Quantity
    room: text(120) = ""
    title: text(140, description="Default: the category and the room.") = ""
    description: text(5000, description="Requirements: size, colour, series.") = ""


class AssignBody(Body):
    """Cover the need with an item: one of your municipality's inventory items (in use or for repair) is moved
    into the need's room (split when part of its row is asked for) and counted as internal reuse; a published
    listing (your own surplus or the network's) is reserved for the project, held until its wanted-by date."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"item_id": 812, "quantity": 10}]})

    item_id: Id
    quantity: Quantity
    would_buy_new: WouldBuyNewValue = Field(
        default="yes", description="Would the municipality otherwise have bought new? A project's need is bought "
                                   "new when reuse does not cover it, so `yes` unless you say otherwise.")


class BuyNewBody(Body):
    """Close the need: what covers it is counted, and the rest is bought new for this reason (`other` needs
    `reason_text`); waits for a municipal administrator's approval where the municipality's policy says so."""

    reason: BuyNewReasonValue
    reason_text: text(2000) = ""


# --- Responses ------------------------------------------------------------------------------------------

class Amounts(Out):
    unit: MeasureValue
    needs_total: DecimalString
    covered_inventory: DecimalString
    covered_network: DecimalString
    bought_new: DecimalString
    open: DecimalString


class ItemMatch(Out):
    id: int
    title: str
    category: str
    quantity: DecimalString = Field(description="What can be taken: the row's quantity for inventory, what is "
                                                "left to reserve for a listing.")
    unit: MeasureValue
    status: str
    municipality: MunicipalityRef
    place: str = Field(description="Building, floor and room, for the own inventory.")


class Matches(Out):
    own_surplus: list[ItemMatch] = Field(description="Your municipality's listings: reserve them for the project.")
    own_inventory: list[ItemMatch] = Field(description="In use or for repair elsewhere in your municipality: move "
                                                       "them into the room.")
    network: list[ItemMatch] = Field(description="Other organisations' listings you may see: reserve them.")


class Placement(Out):
    item_id: int = Field(description="The inventory item now in the room (a new row when part of one was moved).")
    quantity: DecimalString
    came_from: str
    reuse_event_id: int | None
    placed_at: datetime


class ProjectNeedOut(Out):
    id: int = Field(description="The need's id, as in GET /needs/{id}.")
    room: str
    title: str
    category: str
    quantity: DecimalString
    unit: MeasureValue
    status: NeedStatusValue
    outcome: NeedOutcomeValue | None
    amounts: Amounts
    placements: list[Placement]
    reservation_ids: list[int]
    matches: Matches | None = Field(default=None, description="What could cover what is still lacking, own first "
                                                              "(only while the need is open).")


class Assignment(Out):
    kind: Literal["placement", "reservation"]
    item_id: int = Field(description="The placed inventory item, or the reserved listing.")
    quantity: DecimalString
    reservation_id: int | None
    reuse_event_id: int | None
    need: ProjectNeedOut


class ProjectOut(Out):
    id: int
    name: str
    building: str
    site_id: int | None
    due: date | None
    status: Literal["active", "completed"]
    description: str
    municipality: MunicipalityRef
    created_at: datetime
    web_url: str
    needs_total: DecimalString = Field(description="Pieces (and sets) needed.")
    covered_inventory: DecimalString = Field(description="Pieces covered from the own inventory (moved in, or own "
                                                         "surplus reserved).")
    covered_network: DecimalString = Field(description="Pieces covered from other organisations.")
    bought_new: DecimalString
    share_reused: float | None = Field(description="The fraction 0-1 of the needed pieces covered by reuse.")
    other_units: list[Amounts] = Field(description="Needs counted in kg, tonnes, m² or m³, one row per unit.")
    value_new_nok: DecimalString = Field(description="Everything needed, at the new price.")
    value_reused_nok: DecimalString = Field(description="What reuse covers, at the new price.")
    value_bought_new_nok: DecimalString
    co2e_kg: DecimalString = Field(description="CO2e avoided, net, summed from the ledger (its placements and "
                                               "the hand-overs of its reservations).")
    value_not_counted_for: list[str] = Field(description="Categories without a new price.")


class ProjectDetail(ProjectOut):
    needs: list[ProjectNeedOut]


class ProjectList(Out):
    projects: list[ProjectOut]
    total: int
    page: int
    per_page: int


ProjectQuery = Page
