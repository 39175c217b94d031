"""A project's progress: how much of what it needs is covered from the own inventory, from the network, and
bought new, by count and by value, and the CO2e its reuse avoided (summed from the ledger, so by the same
method as every report). The figure good examples publish: "80 % used", "a third of the new price".

Quantities are kept per unit of measure and never added across units: pieces (and sets) are the headline,
needs counted in kg, tonnes, m² or m³ are listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from marketplace.db import db
from marketplace.impact.models import ReuseEvent
from marketplace.impact.services import factors_in_force
from marketplace.listings.models import MeasureUnit
from marketplace.projects.models import Project, ProjectNeed
from marketplace.projects.services import placed_quantity, reserved_quantities
from marketplace.wanted.models import NeedOutcome

HEADLINE_UNITS = (MeasureUnit.PIECE, MeasureUnit.SET)


@dataclass
class Amounts:
    """Needed, covered from the own inventory, from the network, bought new, in one unit of measure."""

    unit: MeasureUnit
    needs_total: Decimal = Decimal(0)
    covered_inventory: Decimal = Decimal(0)
    covered_network: Decimal = Decimal(0)
    bought_new: Decimal = Decimal(0)

    @property
    def reused(self) -> Decimal:
        return self.covered_inventory + self.covered_network

    @property
    def open(self) -> Decimal:
        return max(Decimal(0), self.needs_total - self.reused - self.bought_new)

    @property
    def share_reused(self) -> Decimal | None:
        """The fraction 0-1 of what is needed that reuse covers."""
        return (self.reused / self.needs_total).quantize(Decimal("0.0001")) if self.needs_total else None

    def add(self, other: Amounts) -> None:
        self.needs_total += other.needs_total
        self.covered_inventory += other.covered_inventory
        self.covered_network += other.covered_network
        self.bought_new += other.bought_new


@dataclass
class NeedProgress:
    project_need: ProjectNeed
    amounts: Amounts
    price_new_nok: Decimal | None  # of one, by the municipality's figures in force


@dataclass
class Progress:
    needs: list[NeedProgress]
    pieces: Amounts  # pieces and sets, the headline
    other_units: list[Amounts]  # one row per other unit of measure
    value_new_nok: Decimal  # everything needed, bought new
    value_reused_nok: Decimal  # what reuse covers, at the new price
    value_bought_new_nok: Decimal  # what is bought new
    co2e_kg: Decimal  # avoided, net, from the ledger
    without_price: list[str] = field(default_factory=list)  # categories whose value could not be counted

    @property
    def share_reused(self) -> Decimal | None:
        return self.pieces.share_reused

    @property
    def share_value_reused(self) -> Decimal | None:
        return (self.value_reused_nok / self.value_new_nok).quantize(Decimal("0.0001")) \
            if self.value_new_nok else None


def need_amounts(project_need: ProjectNeed) -> Amounts:
    """What covers one need. Own surplus reserved for it counts as own inventory; nothing counts twice or
    beyond the need."""
    need = project_need.need
    own, other = reserved_quantities(project_need)
    inventory = min(need.quantity, placed_quantity(project_need) + own)
    network = min(need.quantity - inventory, other)
    bought = need.quantity - inventory - network \
        if need.outcome in (NeedOutcome.BOUGHT_NEW, NeedOutcome.PARTLY_REUSED) else Decimal(0)
    return Amounts(need.category.unit, need.quantity, inventory, network, bought)


def _co2e_kg(project: Project) -> Decimal:
    """The net CO2e of the ledger's events for the project: its placements' and its reservations' hand-overs
    (with any correction of them)."""
    placements = [placement.reuse_event_id for project_need in project.needs
                  for placement in project_need.placements if placement.reuse_event_id]
    reservation_ids = [reservation.id for project_need in project.needs
                       for reservation in project_need.need.reservations]
    if not placements and not reservation_ids:
        return Decimal(0)
    condition = ReuseEvent.reservation_id.in_(reservation_ids)
    if placements:
        condition = condition | ReuseEvent.id.in_(placements) | ReuseEvent.reverses_event_id.in_(placements)
    return db.session.scalar(select(func.coalesce(func.sum(ReuseEvent.co2e_net_kg), 0)).where(condition)) \
        or Decimal(0)


def progress(project: Project, today: date) -> Progress:
    prices = factors_in_force(project.municipality, today)
    rows, by_unit = [], {}
    value_new = value_reused = value_bought = Decimal(0)
    without_price = []
    for project_need in project.needs:
        amounts = need_amounts(project_need)
        factors = prices.get(project_need.need.category_id)
        price = factors.price_new_nok if factors is not None else None
        rows.append(NeedProgress(project_need, amounts, price))
        unit = MeasureUnit.PIECE if amounts.unit in HEADLINE_UNITS else amounts.unit
        by_unit.setdefault(unit, Amounts(unit)).add(amounts)
        if price is None:
            without_price.append(project_need.need.category.name_nb)
            continue
        value_new += amounts.needs_total * price
        value_reused += amounts.reused * price
        value_bought += amounts.bought_new * price
    return Progress(
        needs=rows, pieces=by_unit.pop(MeasureUnit.PIECE, Amounts(MeasureUnit.PIECE)),
        other_units=[by_unit[unit] for unit in MeasureUnit if unit in by_unit],
        value_new_nok=value_new.quantize(Decimal("0.01")), value_reused_nok=value_reused.quantize(Decimal("0.01")),
        value_bought_new_nok=value_bought.quantize(Decimal("0.01")), co2e_kg=_co2e_kg(project),
        without_price=sorted(set(without_price)))
