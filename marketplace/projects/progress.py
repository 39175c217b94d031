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

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from marketplace.db import db
from marketplace.impact.models import ReuseEvent
from marketplace.impact.services import factors_in_force
from marketplace.listings.models import Item, MeasureUnit
from marketplace.projects.models import Project, ProjectNeed
from marketplace.projects.services import placed_quantity, reserved_quantities
from marketplace.reservations.models import Reservation
from marketplace.wanted.models import Need, NeedOutcome

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


def _co2e_kg(projects: list[Project]) -> dict[int, Decimal]:
    """The net CO2e of the ledger's events for each project: its placements' and its reservations' hand-overs
    (with any correction of them). One statement for all the projects."""
    owner: dict[tuple[str, int], int] = {}  # ("event" | "reservation", id) → project id
    for project in projects:
        for project_need in project.needs:
            owner.update({("event", placement.reuse_event_id): project.id
                          for placement in project_need.placements if placement.reuse_event_id})
            owner.update({("reservation", reservation.id): project.id
                          for reservation in project_need.need.reservations})
    totals = {project.id: Decimal(0) for project in projects}
    events = [key for kind, key in owner if kind == "event"]
    reservation_ids = [key for kind, key in owner if kind == "reservation"]
    if not owner:
        return totals
    condition = ReuseEvent.reservation_id.in_(reservation_ids)
    if events:
        condition = condition | ReuseEvent.id.in_(events) | ReuseEvent.reverses_event_id.in_(events)
    for event_id, reservation_id, reverses, co2e in db.session.execute(select(
            ReuseEvent.id, ReuseEvent.reservation_id, ReuseEvent.reverses_event_id, ReuseEvent.co2e_net_kg)
            .where(condition)):
        project_id = owner.get(("reservation", reservation_id)) or owner.get(("event", event_id)) \
            or owner.get(("event", reverses))
        totals[project_id] += co2e or Decimal(0)
    return totals


def _load(projects: list[Project]) -> None:
    """What the figures read of these projects (needs, placements, linked reservations), in a fixed number of
    statements however many projects and needs there are, instead of a few for every need. Of a reservation the
    figures read its status, quantity and item's municipality: not its requester or the item's photos."""
    reservations = joinedload(ProjectNeed.need).selectinload(Need.reservations).options(
        lazyload(Reservation.requester), joinedload(Reservation.item).lazyload(Item.photos))
    db.session.scalars(select(Project).where(Project.id.in_([project.id for project in projects])).options(
        selectinload(Project.needs).options(selectinload(ProjectNeed.placements), reservations))).all()


def progress_of(projects: list[Project], today: date) -> list[Progress]:
    """The figures of each of these projects (one municipality's), read in a fixed number of statements."""
    if not projects:
        return []
    _load(projects)
    prices = factors_in_force(projects[0].municipality, today)
    co2e = _co2e_kg(projects)
    return [_progress(project, prices, co2e[project.id]) for project in projects]


def progress(project: Project, today: date) -> Progress:
    return progress_of([project], today)[0]


def _progress(project: Project, prices: dict, co2e_kg: Decimal) -> Progress:
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
        value_bought_new_nok=value_bought.quantize(Decimal("0.01")), co2e_kg=co2e_kg,
        without_price=sorted(set(without_price)))
