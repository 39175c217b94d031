"""The climate report: reuse events summed in the database, by scope and period.

Each scope is credited by the rule in ``scopes``; a network or site total counts each event once. Periods are
Norwegian dates, both ends included.

Sums are exact on both engines: PostgreSQL adds NUMERIC values; on SQLite, whose numbers are binary floats,
each value is first scaled to a whole number of grams or øre, so totals never drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import (ColumnElement, DateTime, Integer, and_, case, cast, func, literal_column, or_, select,
                        true)

from marketplace.db import db, utcnow
from marketplace.i18n import OSLO
from marketplace.impact.models import ReportTally, ReuseEvent
# Scopes are read here too: report.resolve_scope and the rest are what the rooms above call.
from marketplace.impact.scopes import Scope, ScopeError, credit, default_scope, resolve_scope  # noqa: F401
from marketplace.listings.models import Category, MeasureUnit
from marketplace.organisations.models import Organisation, Unit

# A familiar comparison, with its source: driving a diesel van (DEFRA/DESNZ 2025, average van, diesel).
VAN_KG_PER_KM = Decimal("0.256")
VAN_SOURCE = "UK DESNZ/DEFRA GHG conversion factors 2025: diesel van, 0.256 kg CO2e per km"
# co2e_low_kg and co2e_high_kg: the net CO2e with the low and the high factors (the band around co2e_net_kg);
# price_paid_nok and refurbishment_nok: what was paid and spent, already subtracted from money_nok.
MEASURES = ("co2e_net_kg", "co2e_gross_kg", "waste_kg", "money_nok", "co2e_low_kg", "co2e_high_kg",
            "price_paid_nok", "refurbishment_nok")
_SCALES = {"co2e_net_kg": 3, "co2e_gross_kg": 3, "waste_kg": 3, "money_nok": 2, "quantity": 3, "co2e_low_kg": 3,
           "co2e_high_kg": 3, "price_paid_nok": 2, "refurbishment_nok": 2}
# The exact amounts of Totals and their decimal places (the event counts beside them are whole numbers).
TOTALS_SCALES = {**{name: _SCALES[name] for name in MEASURES}, "quantity_received": 3, "quantity_given": 3}


def exact_sum(expression, scale: int):
    if db.engine.dialect.name == "postgresql":
        return func.coalesce(func.sum(expression), 0)
    return func.coalesce(func.sum(cast(func.round(expression * (10 ** scale)), Integer)), 0)


_QUANTA = {scale: Decimal(1).scaleb(-scale) for scale in set(_SCALES.values())}


def to_decimal(value, scale: int) -> Decimal:
    """A sum as read back: NUMERIC arrives as a Decimal (PostgreSQL), whole grams or øre as an int (SQLite).
    Told apart by type, not by asking the engine, since this runs for every number of the report."""
    if isinstance(value, Decimal):
        return value.quantize(_QUANTA[scale])
    return Decimal(int(value or 0)).scaleb(-scale)


# A hand-over counts 1, its reversal −1.
_SIGN = case((ReuseEvent.quantity > 0, 1), else_=-1)
_EVENT_COUNTS = ("events_received", "events_given", "events_once")


def _measures(received, given, *, once: bool = False):
    """The aggregate columns: each measure credited by the rule, plus event counts on each side. When the
    scope counts each event once (network, site), the WHERE clause has already chosen the events, so the
    columns are plain sums instead of a test per row and measure."""
    if once:
        columns = [exact_sum(getattr(ReuseEvent, name), _SCALES[name]).label(name) for name in MEASURES]
        quantity = exact_sum(ReuseEvent.quantity, 3)
        events = func.sum(_SIGN)
        return columns + [quantity.label("quantity_received"), quantity.label("quantity_given"),
                          events.label("events_received"), events.label("events_given"), events.label("events_once")]
    credited = {**{name: received for name in SIDE_CREDITS["received"]}, "waste_kg": given}
    columns = [exact_sum(case((credited[name], getattr(ReuseEvent, name)), else_=0), _SCALES[name]).label(name)
               for name in MEASURES]
    columns += [
        exact_sum(case((received, ReuseEvent.quantity), else_=0), 3).label("quantity_received"),
        exact_sum(case((given, ReuseEvent.quantity), else_=0), 3).label("quantity_given"),
        func.sum(case((received, _SIGN), else_=0)).label("events_received"),
        func.sum(case((given, _SIGN), else_=0)).label("events_given"),
        func.sum(case((or_(received, given), _SIGN), else_=0)).label("events_once"),
    ]
    return columns


@dataclass
class Totals:
    """The measures of some hand-overs. Amounts are kept per unit of measure and never added across units
    (pieces and kilograms make no sum): ``amounts_received`` and ``amounts_given`` map a unit to its amount.
    ``quantity_received`` and ``quantity_given`` are the plain sums the database returns for one subtotal; they
    are read as amounts only where the subtotal has one category (``measured``), and shown nowhere else."""

    co2e_net_kg: Decimal = Decimal(0)
    co2e_gross_kg: Decimal = Decimal(0)
    waste_kg: Decimal = Decimal(0)
    money_nok: Decimal = Decimal(0)
    co2e_low_kg: Decimal = Decimal(0)
    co2e_high_kg: Decimal = Decimal(0)
    price_paid_nok: Decimal = Decimal(0)
    refurbishment_nok: Decimal = Decimal(0)
    quantity_received: Decimal = Decimal(0)
    quantity_given: Decimal = Decimal(0)
    events_received: int = 0
    events_given: int = 0
    events_once: int = 0  # hand-overs on either side, each counted once (``events``)
    amounts_received: dict[MeasureUnit, Decimal] = field(default_factory=dict)
    amounts_given: dict[MeasureUnit, Decimal] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row) -> Totals:
        """From an aggregate row; a row of one side only (a unit's) leaves the other side's amounts at zero."""
        values = row._mapping
        return cls(**{name: to_decimal(values[name], scale) for name, scale in TOTALS_SCALES.items() if name in values},
                   **{name: int(values[name] or 0) for name in _EVENT_COUNTS if name in values})

    def __add__(self, other: Totals) -> Totals:
        return Totals(**{name: _added(getattr(self, name), getattr(other, name)) for name in self.__dataclass_fields__})

    def measured(self, unit: MeasureUnit) -> Totals:
        """These totals of one category, whose quantities are all counted in ``unit``."""
        return replace(self, amounts_received={unit: self.quantity_received} if self.events_received else {},
                       amounts_given={unit: self.quantity_given} if self.events_given else {})

    @property
    def events(self) -> int:
        """Hand-overs, each counted once whether the scope gave, received or both (a reversal counts −1). On a
        unit's row, a hand-over within the unit counts on each side."""
        return self.events_once

    @property
    def van_km(self) -> Decimal:
        return (self.co2e_net_kg / VAN_KG_PER_KM).quantize(Decimal(1))


def _added(first, second):
    if isinstance(first, dict):
        return {unit: first.get(unit, 0) + second.get(unit, 0) for unit in MeasureUnit if unit in first or unit in second}
    return first + second


@dataclass
class Row:
    key: str
    label: str
    totals: Totals


@dataclass
class FactorUsed:
    category: str
    unit: MeasureUnit  # what the per-unit factors are per
    factor_set_version: str
    kgco2e_new: Decimal | None
    mass_kg: Decimal | None
    price_new_nok: Decimal | None
    sources: str
    overridden_by: str | None
    events: int


@dataclass(frozen=True)
class Stamp:
    """What it takes to make a published report again: the same scope and period with ``as_of=last_event_id``
    gives the same figures, whatever was recorded since (corrections included)."""
    factor_sets: tuple[str, ...]  # the factor-set versions the report's events were computed with
    last_event_id: int | None  # the newest event the report counts (None: it counts none)
    made_at: datetime = field(compare=False)  # two builds of one report are the same report
    as_of: int | None = None  # as asked: events recorded after this one are left out


@dataclass(frozen=True)
class Correction:
    """A reversal recorded after the period it restates had ended: the report's figures include it, and a
    report published earlier did not."""
    event_id: int
    reverses_event_id: int
    occurred_on: date  # the day of the hand-over it corrects
    recorded_on: date  # the Norwegian day the correction was made
    category: str
    unit: MeasureUnit
    quantity: Decimal  # negative: it takes the hand-over back
    co2e_net_kg: Decimal
    waste_kg: Decimal
    money_nok: Decimal
    note: str


@dataclass
class Report:
    scope: Scope
    start: date
    end: date
    totals: Totals
    stamp: Stamp
    by_group: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_unit: list[Row] = field(default_factory=list)
    by_period: list[Row] = field(default_factory=list)
    matrix: list[tuple[str, str, Totals]] = field(default_factory=list)  # giver, receiver, totals
    factors: list[FactorUsed] = field(default_factory=list)
    late_corrections: list[Correction] = field(default_factory=list)
    bucket: str = "month"


def build(scope: Scope, start: date, end: date, *, bucket: str = "month", locale: str = "nb",
          as_of: int | None = None, now: datetime | None = None) -> Report:
    """The whole report from a few kinds of subtotal, so no event is loaded into Python.

    The finest subtotal groups by (category, factors used, month) and gives the totals, the categories and their
    groups, the months or quarters and the factors appendix; the others give each unit's side and the network
    matrix. A network or site report takes its whole months from the tallies kept as events are appended
    (decision 21) and only the days of a partial first or last month from the events; a municipality or unit
    report sums its own events, which its indexes find. The database does every sum, exactly; Python adds a few
    hundred exact subtotals up under coarser keys and puts names on ids.

    ``as_of``, an event id from an earlier report's stamp, leaves out every event recorded after it, so the
    earlier report comes out again exactly; such a report sums the events themselves (the tallies hold all).
    """
    if end < start:
        raise ScopeError(_("The period must end on or after its first day."))
    subtotals = _subtotals(scope, start, end, up_to=as_of)
    categories = {category.id: category for category in db.session.scalars(select(Category))}
    factors = [replace(row, totals=row.totals.measured(categories[row.category_id].unit))
               for row in subtotals.factor_months]
    counted = and_(_in_period(start, end, as_of), or_(*credit(scope)))
    stamp = Stamp(tuple(sorted({row.factors[0] for row in factors})),
                  db.session.scalar(select(func.max(ReuseEvent.id)).where(counted)), now or utcnow(), as_of)
    report = Report(scope=scope, start=start, end=end, totals=sum((row.totals for row in factors), Totals()),
                    stamp=stamp, bucket=bucket)
    by_category = _fold(factors, lambda row: row.category_id)
    report.by_category = sorted((Row(categories[key].slug, categories[key].name(locale), totals)
                                 for key, totals in by_category.items()), key=lambda row: row.label)
    by_group = _fold(factors, lambda row: categories[row.category_id].group.value)
    report.by_group = [Row(key, key, by_group[key]) for key in sorted(by_group)]
    by_period = _fold(factors, lambda row: _period_key(row.month, bucket))
    report.by_period = [Row(key, key, by_period[key]) for key in sorted(by_period)]
    report.factors = _factors_used(factors, categories, locale)
    if scope.kind != "unit":
        report.by_unit = _unit_rows(scope, _fold(subtotals.units, lambda row: row.unit_id))
    if scope.counts_each_event_once:
        report.matrix = _matrix_rows(_fold(subtotals.pairs, lambda row: (row.giver_id, row.receiver_id)))
    report.late_corrections = _late_corrections(counted, end, categories, locale)
    return report


def _in_period(start: date | None, end: date | None, up_to: int | None = None) -> ColumnElement[bool]:
    """Events of the period (Norwegian dates, both ends included; None: open), up to an event id if given."""
    return and_(true() if start is None else ReuseEvent.occurred_on >= start,
                true() if end is None else ReuseEvent.occurred_on <= end,
                true() if up_to is None else ReuseEvent.id <= up_to)


def _late_corrections(counted, end: date, categories: dict, locale: str) -> list[Correction]:
    """The reversals among the ``counted`` events that were recorded after the period's last day."""
    if end.year == date.max.year:
        return []
    after = datetime.combine(end + timedelta(days=1), time(), OSLO)
    rows = db.session.scalars(select(ReuseEvent).where(
        counted, ReuseEvent.reverses_event_id.is_not(None), ReuseEvent.recorded_at >= after)
        .order_by(ReuseEvent.recorded_at, ReuseEvent.id))
    return [Correction(event.id, event.reverses_event_id, event.occurred_on, event.recorded_at.astimezone(OSLO).date(),
                       categories[event.category_id].name(locale), categories[event.category_id].unit,
                       event.quantity, event.co2e_net_kg, event.waste_kg, event.money_nok, event.note)
            for event in rows]


def _subtotals(scope: Scope, start: date, end: date, *, up_to: int | None = None) -> Subtotals:
    """The period's subtotals: whole months of a network or site from the tallies, every other day from the
    events (the tallies hold months, and a period may begin or end inside one). Up to an event id, all from
    the events."""
    if up_to is not None:
        return subtotals_from_events(scope, start, end, up_to=up_to)
    if not scope.counts_each_event_once or end.year == date.max.year:  # no month after December 9999
        return subtotals_from_events(scope, start, end)
    first = start if start.day == 1 else _next_month(start)
    stop = (end + timedelta(days=1)).replace(day=1)  # the day after the period's last whole month
    if first >= stop:
        return subtotals_from_events(scope, start, end)
    parts = [_subtotals_from_tallies(scope, first, stop)]
    if start < first:
        parts.append(subtotals_from_events(scope, start, first - timedelta(days=1)))
    if stop <= end:
        parts.append(subtotals_from_events(scope, stop, end))
    return Subtotals(factor_months=[row for part in parts for row in part.factor_months],
                     units=[row for part in parts for row in part.units],
                     pairs=[row for part in parts for row in part.pairs])


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


# --- The subtotals -------------------------------------------------------------------------------------

_FACTOR_COLUMNS = ("category_id", "factor_set_version", "kgco2e_new", "mass_kg", "price_new_nok", "factor_sources",
                   "overridden_by")
# What each side of a hand-over is credited with: Totals attribute → (ReuseEvent column, decimal places),
# besides its count of events (events_received, events_given).
SIDE_CREDITS = {
    "received": {"co2e_net_kg": ("co2e_net_kg", 3), "co2e_gross_kg": ("co2e_gross_kg", 3),
                 "money_nok": ("money_nok", 2), "co2e_low_kg": ("co2e_low_kg", 3),
                 "co2e_high_kg": ("co2e_high_kg", 3), "price_paid_nok": ("price_paid_nok", 2),
                 "refurbishment_nok": ("refurbishment_nok", 2), "quantity_received": ("quantity", 3)},
    "given": {"waste_kg": ("waste_kg", 3), "quantity_given": ("quantity", 3)},
}


@dataclass
class FactorMonth:
    """The events of one month computed with one category's factors: the finest subtotal the report needs."""
    category_id: int
    factors: tuple  # factor_set_version, kgco2e_new, mass_kg, price_new_nok, factor_sources, overridden_by
    month: date
    event_rows: int  # events, reversing ones included (the appendix counts what was computed with the factors)
    totals: Totals


@dataclass
class UnitSubtotal:
    """What a unit received (CO2e, money) or gave (waste), in one month or (month None) the whole period."""
    unit_id: int
    side: str  # "received" or "given"
    month: date | None
    totals: Totals


@dataclass
class PairSubtotal:
    """What a giver municipality handed over to a receiving organisation, in one month or the whole period."""
    giver_id: int
    receiver_id: int
    month: date | None
    totals: Totals


@dataclass
class Subtotals:
    factor_months: list[FactorMonth] = field(default_factory=list)
    units: list[UnitSubtotal] = field(default_factory=list)
    pairs: list[PairSubtotal] = field(default_factory=list)  # only for scopes that count each event once


def subtotals_from_events(scope: Scope, start: date | None, end: date | None, *,
                          by_month: bool = False, up_to: int | None = None) -> Subtotals:
    """The scope's subtotals summed from its events between two Norwegian dates (None: the whole ledger), in
    one aggregate query each, grouped by ids; ``up_to``: only events up to that id. ``by_month`` also splits
    the units and pairs by month, as the tallies keep them."""
    received, given = credit(scope)
    in_period = _in_period(start, end, up_to)
    relevant = and_(in_period, or_(received, given))
    measures = _measures(received, given, once=scope.counts_each_event_once)
    subtotals = Subtotals(factor_months=_factor_months(relevant, measures))
    if scope.kind != "unit":
        subtotals.units = _unit_subtotals(in_period, received, given, by_month)
    if scope.counts_each_event_once:
        subtotals.pairs = _pair_subtotals(relevant, measures, by_month)
    return subtotals


def _month(column):
    """The first day of the month of a date column, in the engine's own terms (SQLite keeps ISO text)."""
    if db.engine.dialect.name == "postgresql":
        return func.date_trunc(literal_column("'month'"), cast(column, DateTime))
    return func.substr(column, literal_column("1"), literal_column("7"))


def _first_of_month(value) -> date:
    if isinstance(value, str):  # SQLite: "2026-03" (or the whole ISO date of a tally)
        return date(int(value[:4]), int(value[5:7]), 1)
    return date(value.year, value.month, 1)


def _factor_months(where, measures) -> list[FactorMonth]:
    columns = [getattr(ReuseEvent, name) for name in _FACTOR_COLUMNS]
    month = _month(ReuseEvent.occurred_on)
    query = (select(*columns, month.label("month"), func.count().label("event_rows"), *measures)
             .where(where).group_by(*columns, month))
    return [_factor_month(row) for row in db.session.execute(query)]


def _factor_month(row) -> FactorMonth:
    return FactorMonth(row.category_id, tuple(row[1:len(_FACTOR_COLUMNS)]), _first_of_month(row.month),
                       int(row.event_rows), Totals.from_row(row))


def _unit_subtotals(in_period, received, given, by_month: bool) -> list[UnitSubtotal]:
    """Per unit: what each unit received (CO2e, money) and gave (waste), one query per side grouped by unit
    id with only that side's measures."""
    sides = (("received", ReuseEvent.receiver_unit_id, received, SIDE_CREDITS["received"]),
             ("given", ReuseEvent.giver_unit_id, given, SIDE_CREDITS["given"]))
    months = [_month(ReuseEvent.occurred_on)] if by_month else []
    found = []
    for side, unit_column, credited, credits in sides:
        sums = [exact_sum(getattr(ReuseEvent, column), scale).label(name)
                for name, (column, scale) in credits.items()]
        events = func.sum(_SIGN)
        query = (select(unit_column.label("unit_id"), *[month.label("month") for month in months], *sums,
                        events.label(f"events_{side}"), events.label("events_once"))
                 .where(in_period, credited, unit_column.is_not(None)).group_by(unit_column, *months))
        found += [UnitSubtotal(row.unit_id, side, _first_of_month(row.month) if by_month else None,
                               Totals.from_row(row)) for row in db.session.execute(query)]
    return found


def _pair_subtotals(relevant, measures, by_month: bool) -> list[PairSubtotal]:
    """Giver municipality → receiving organisation, grouped by ids."""
    giver, receiver = ReuseEvent.giver_municipality_id, ReuseEvent.receiver_organisation_id
    months = [_month(ReuseEvent.occurred_on)] if by_month else []
    query = (select(giver.label("giver"), receiver.label("receiver"), *[month.label("month") for month in months],
                    *measures)
             .where(relevant).group_by(giver, receiver, *months))
    return [PairSubtotal(row.giver, row.receiver, _first_of_month(row.month) if by_month else None,
                         Totals.from_row(row)) for row in db.session.execute(query)]


def _subtotals_from_tallies(scope: Scope, first: date, stop: date) -> Subtotals:
    """The whole months from ``first`` up to ``stop`` of a network or the site, from the tallies: three small
    aggregate queries. Rows are added up by key, since a key may have more than one row."""
    tallied = (ReportTally.network_id == scope.id if scope.kind == "network" else ReportTally.network_id.is_(None),
               ReportTally.month >= first, ReportTally.month < stop)
    sums = [exact_sum(getattr(ReportTally, name), scale).label(name) for name, scale in TOTALS_SCALES.items()]
    sums += [func.sum(ReportTally.events_received).label("events_received"),
             func.sum(ReportTally.events_given).label("events_given"),
             # A network or site counts each hand-over once on both sides; a unit's row has one side only.
             func.sum(case((ReportTally.breakdown.in_(["unit_received", "unit_given"]),
                            ReportTally.events_received + ReportTally.events_given),
                           else_=ReportTally.events_received)).label("events_once")]
    columns = [getattr(ReportTally, name) for name in _FACTOR_COLUMNS]
    factors = (select(*columns, ReportTally.month, func.sum(ReportTally.event_rows).label("event_rows"), *sums)
               .where(*tallied, ReportTally.breakdown == "factors").group_by(*columns, ReportTally.month))
    units = (select(ReportTally.breakdown, ReportTally.unit_id, *sums)
             .where(*tallied, ReportTally.breakdown.in_([f"unit_{side}" for side in SIDE_CREDITS]))
             .group_by(ReportTally.breakdown, ReportTally.unit_id))
    pairs = (select(ReportTally.giver_id, ReportTally.receiver_id, *sums)
             .where(*tallied, ReportTally.breakdown == "pair").group_by(ReportTally.giver_id, ReportTally.receiver_id))
    return Subtotals(
        factor_months=[_factor_month(row) for row in db.session.execute(factors)],
        units=[UnitSubtotal(row.unit_id, row.breakdown.removeprefix("unit_"), None, Totals.from_row(row))
               for row in db.session.execute(units)],
        pairs=[PairSubtotal(row.giver_id, row.receiver_id, None, Totals.from_row(row))
               for row in db.session.execute(pairs)])


# --- From subtotals to the report's lines -----------------------------------------------------------------

def _fold(rows, key_of) -> dict:
    """Add subtotals up under a coarser key (categories, groups, months or quarters, units, pairs), exactly."""
    sums: dict = {}
    for row in rows:
        key = key_of(row)
        sums[key] = sums[key] + row.totals if key in sums else row.totals
    return sums


def _period_key(day: date, bucket: str) -> str:
    """2026-03 for months, 2026-Q1 for quarters: the period of a Norwegian date."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if bucket == "quarter" else f"{day:%Y-%m}"


def _factors_used(factors: list[FactorMonth], categories: dict, locale: str) -> list[FactorUsed]:
    """Every distinct factor the report's events were computed with, with its source and how many events."""
    events: dict[tuple, int] = {}
    for row in factors:
        key = (row.category_id, *row.factors)
        events[key] = events.get(key, 0) + row.event_rows
    used = [FactorUsed(categories[category_id].name(locale), categories[category_id].unit, version, kgco2e_new,
                       mass_kg, price_new_nok, sources, overridden_by, count)
            for (category_id, version, kgco2e_new, mass_kg, price_new_nok, sources, overridden_by), count
            in events.items()]
    return sorted(used, key=lambda line: (line.category, line.factor_set_version, line.overridden_by or "",
                                          line.sources))


def _unit_rows(scope: Scope, totals_by_unit: dict[int, Totals]) -> list[Row]:
    """One row per unit, named; a municipality lists only its own units."""
    units = db.session.execute(select(Unit.id, Unit.name, Unit.municipality_id, Organisation.name.label("owner"))
                               .join(Organisation, Organisation.id == Unit.municipality_id)
                               .where(Unit.id.in_(totals_by_unit))).all() if totals_by_unit else []
    rows = [Row(str(unit.id), unit.name if scope.kind == "municipality" else f"{unit.name} ({unit.owner})",
                totals_by_unit[unit.id])
            for unit in units if scope.kind != "municipality" or unit.municipality_id == scope.id]
    return sorted(rows, key=lambda row: row.label)


def _matrix_rows(totals_by_pair: dict[tuple[int, int], Totals]) -> list[tuple[str, str, Totals]]:
    """Giver municipality → receiving organisation, named."""
    ids = {giver for giver, _receiver in totals_by_pair} | {receiver for _giver, receiver in totals_by_pair}
    names = dict(db.session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all()) \
        if ids else {}
    return sorted(((names[giver], names[receiver], totals) for (giver, receiver), totals in totals_by_pair.items()),
                  key=lambda pair: (pair[0], pair[1]))
