"""The climate report as people read it: what the page, the files and the command line share.

From a ``report.Report`` this builds the sections with their columns, the period names, the factors used with
their confidence, the comparison and the method text, and the appendices other rooms add (``Appendix``), so
every output carries the same numbers and says the same things. ``exports`` writes it as files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.db import db
from marketplace.i18n import lazy_gettext as _l, OSLO, oslo_date
from marketplace.impact import charts
from marketplace.impact.ledger import TRANSPORT_KG_PER_KM
from marketplace.impact.models import CategoryFactor, FactorSet
from marketplace.impact.report import VAN_KG_PER_KM, VAN_SOURCE, Correction, Report, Row, Totals
from marketplace.impact.signals import report_appendices
from marketplace.listings.forms import GROUP_LABELS, UNIT_LABELS
from marketplace.listings.models import Category, MeasureUnit


MAX_FILLED_PERIODS = 60  # fill empty months or quarters up to five years of months; beyond, list only busy ones


@dataclass(frozen=True)
class Column:
    attr: str  # a Totals attribute; for an amount, "amounts_received:kg" (the side's amount in one unit)
    label: object  # lazy text
    kind: str  # "count", "quantity", "kg", "co2e" or "nok": how to show and store it


MEASURE_COLUMNS = [
    Column("co2e_net_kg", _l("kg CO2e avoided (net)"), "co2e"),
    # The uncertainty band: the net figure with every factor at its low and at its high end.
    Column("co2e_low_kg", _l("kg CO2e avoided (net, low)"), "co2e"),
    Column("co2e_high_kg", _l("kg CO2e avoided (net, high)"), "co2e"),
    Column("co2e_gross_kg", _l("kg CO2e avoided (gross)"), "co2e"),
    Column("waste_kg", _l("kg waste avoided"), "kg"),
    Column("money_nok", _l("NOK saved"), "nok"),
]


def _amounts(side: str, units: list[MeasureUnit]) -> list[Column]:
    """One column per unit of measure, never one sum of pieces, kilograms and tonnes."""
    labels = {"reused": _l("Reused (%(unit)s)"), "received": _l("Received (%(unit)s)"), "given": _l("Given (%(unit)s)")}
    attr = "amounts_given" if side == "given" else "amounts_received"
    return [Column(f"{attr}:{unit.value}", labels[side] % {"unit": UNIT_LABELS[unit.value]}, "quantity")
            for unit in units]


def units_in(report: Report, side: str) -> list[MeasureUnit]:
    """The units of measure the report's hand-overs were counted in, on one side, in a fixed order."""
    amounts = report.totals.amounts_given if side == "given" else report.totals.amounts_received
    return [unit for unit in MeasureUnit if unit in amounts]


def columns(report: Report, two_sided: bool = False, *, amounts: bool = True) -> list[Column]:
    """Network and site count each event once, so a hand-over has one count and one amount; a unit or a
    municipality (and units within a network) is credited with CO2e and money for what it received and waste
    for what it gave. Rows that mix categories without knowing their units (by unit, giver → receiver) leave
    the amounts out."""
    if not two_sided and report.scope.counts_each_event_once:
        return [*MEASURE_COLUMNS, Column("events", _l("Hand-overs"), "count"),
                *(_amounts("reused", units_in(report, "received")) if amounts else [])]
    return [*MEASURE_COLUMNS,
            Column("events_received", _l("Hand-overs received"), "count"),
            *(_amounts("received", units_in(report, "received")) if amounts else []),
            Column("events_given", _l("Hand-overs given"), "count"),
            *(_amounts("given", units_in(report, "given")) if amounts else [])]


def value(totals: Totals, column: Column) -> Decimal | int | None:
    """The column's number for a row; None (shown as a dash, left empty in files) for an amount in a unit the
    row has none of, such as kilograms on a row of chairs."""
    attr, _sep, unit = column.attr.partition(":")
    if unit:
        return getattr(totals, attr).get(MeasureUnit(unit))
    return getattr(totals, attr)


def shown(number: Decimal | int | None, kind: str) -> str:
    """A value for people, in the locale; a dash where there is none."""
    if number is None:
        return "–"
    if kind == "count":
        return charts.number(number)
    if kind == "quantity":
        return charts.amount(number)
    if kind == "co2e":
        return charts.co2e(number)
    if kind == "nok":
        return charts.nok(number)
    return charts.kg(number)


# --- Periods ------------------------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def _bucket_keys(start: date, end: date, bucket: str) -> list[str] | None:
    keys: list[str] = []
    if bucket == "quarter":
        year, quarter = start.year, (start.month - 1) // 3 + 1
        last = (end.year, (end.month - 1) // 3 + 1)
        while (year, quarter) <= last:
            keys.append(f"{year}-Q{quarter}")
            if len(keys) > MAX_FILLED_PERIODS:
                return None
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        return keys
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        if len(keys) > MAX_FILLED_PERIODS:
            return None
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def period_rows(report: Report) -> list[Row]:
    """Every month or quarter of the period, empty ones as zeros (for periods up to five years)."""
    keys = _bucket_keys(report.start, report.end, report.bucket)
    found = {row.key: row for row in report.by_period}
    if keys is None or not set(found) <= set(keys):
        return list(report.by_period)
    return [found.get(key) or Row(key, key, Totals()) for key in keys]


def period_label(key: str, short: bool = False, multi_year: bool = True) -> str:
    """ "2026-03" → "mars 2026" (short: "mar."), "2026-Q1" → "1. kvartal 2026" (short: "K1 2026")."""
    month = _MONTH.match(key)
    if month:
        first = date(int(month.group(1)), int(month.group(2)), 1)
        if short:
            return format_date(first, "MMM yy" if multi_year else "MMM")
        return format_date(first, "LLLL y")
    quarter = _QUARTER.match(key)
    if quarter:
        year, number = quarter.groups()
        if short:
            return _("Q%(quarter)s %(year)s", quarter=number, year=year)
        return _("Quarter %(quarter)s %(year)s", quarter=number, year=year)
    return key


# --- Sections -----------------------------------------------------------------------------------------

@dataclass
class Section:
    key: str  # by_group, by_category, by_unit, over_time, matrix
    title: str
    label_headings: list[str]  # one heading per label column (two for the matrix: giver and receiver)
    columns: list[Column]
    rows: list[tuple[list[str], Totals]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the row keys (period keys for over_time)
    chart_labels: list[str] = field(default_factory=list)  # short period names under the time chart


def sections(report: Report) -> list[Section]:
    """The breakdowns in the order the page and the files show them."""
    result = [
        Section("by_group", _("By category group"), [_("Category group")], columns(report),
                [([str(GROUP_LABELS.get(row.key, row.label))], row.totals) for row in report.by_group],
                [row.key for row in report.by_group]),
        Section("by_category", _("By category"), [_("Category")], columns(report),
                [([row.label], row.totals) for row in report.by_category], [row.key for row in report.by_category]),
    ]
    if report.scope.kind != "unit":
        result.append(Section("by_unit", _("By unit"), [_("Unit")], columns(report, two_sided=True, amounts=False),
                              [([row.label], row.totals) for row in report.by_unit],
                              [row.key for row in report.by_unit]))
    periods = period_rows(report)
    multi_year = report.start.year != report.end.year
    result.append(Section("over_time", _("Over time"), [_("Period")], columns(report),
                          [([period_label(row.key)], row.totals) for row in periods], [row.key for row in periods],
                          [period_label(row.key, short=True, multi_year=multi_year) for row in periods]))
    if report.scope.counts_each_event_once:
        result.append(Section("matrix", _("Giver → receiver"), [_("Giver"), _("Receiver")],
                              columns(report, amounts=False),
                              [([giver, receiver], totals) for giver, receiver, totals in report.matrix],
                              [f"{giver}→{receiver}" for giver, receiver, _t in report.matrix]))
    return result


@dataclass(frozen=True)
class TotalLine:
    attr: str
    label: str
    value: Decimal | int
    kind: str


def total_lines(report: Report) -> list[TotalLine]:
    """The summary: the four measures, then the counts that fit the scope (received and given, or reused)."""
    chosen = MEASURE_COLUMNS + [column for column in columns(report) if column.kind in ("count", "quantity")]
    return [TotalLine(column.attr, str(column.label), value(report.totals, column), column.kind) for column in chosen]


@dataclass(frozen=True)
class Comparison:
    van_km: Decimal
    text: str
    source: str


def money_not_counted(report: Report) -> list[str]:
    """The categories whose hand-overs count no money saved, for want of a new price: said in the report, so
    a total that leaves them out is never taken for all of it."""
    return sorted({factor.category for factor in report.factors if factor.price_new_nok is None})


def co2e_not_counted(report: Report) -> list[str]:
    """The categories handed over with no CO2e factor (no default line and no figure of the item's own): their
    hand-overs add no CO2e, which the report says rather than counting 0 silently."""
    return sorted({factor.category for factor in report.factors if factor.kgco2e_new is None})


def waste_not_counted(report: Report) -> list[str]:
    """The categories handed over with no mass: their hand-overs add no waste avoided."""
    return sorted({factor.category for factor in report.factors if factor.mass_kg is None})


def comparison(report: Report) -> Comparison | None:
    """A familiar figure: the diesel-van kilometres that emit as much as the net CO2e avoided."""
    if report.totals.co2e_net_kg <= 0:
        return None
    km = report.totals.van_km
    return Comparison(km, _("%(co2e)s is about as much as a diesel van emits driving %(km)s km.",
                            co2e=charts.co2e(report.totals.co2e_net_kg), km=charts.number(km)), VAN_SOURCE)


# --- Factors and method -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FactorLine:
    factor_set_version: str
    category: str
    unit: MeasureUnit  # the per-unit figures are per piece, per kg, per tonne, per m² or per m³

    @property
    def unit_label(self) -> str:
        return str(UNIT_LABELS[self.unit.value])
    kgco2e_new: Decimal | None
    mass_kg: Decimal | None
    price_new_nok: Decimal | None
    sources: str
    overridden_by: str | None
    confidence: str | None
    events: int


FACTOR_HEADINGS = [_l("Factor set version"), _l("Category"), _l("Per"), _l("kg CO2e of a new one, per unit"),
                   _l("Weight per unit (kg)"), _l("Price new per unit (NOK)"), _l("Confidence"), _l("Replaced by"),
                   _l("Hand-overs"), _l("Sources")]


def factor_lines(report: Report) -> list[FactorLine]:
    """The factors the report's events were computed with. Reuse events keep the figures and sources, not the
    confidence; it is taken from the factor set's line for the same category and version (one query). A
    municipality's or an item's own figure keeps the default's confidence, as the factor service does."""
    if not report.factors:
        return []
    versions = {factor.factor_set_version for factor in report.factors}
    rows = db.session.execute(
        select(FactorSet.version, Category.name_nb, Category.name_en, CategoryFactor.confidence)
        .join(CategoryFactor, CategoryFactor.factor_set_id == FactorSet.id)
        .join(Category, Category.id == CategoryFactor.category_id)
        .where(FactorSet.version.in_(versions))
    ).all()
    confidence = {}
    for row in rows:
        confidence[(row.version, row.name_nb)] = row.confidence
        confidence[(row.version, row.name_en)] = row.confidence
    return [FactorLine(factor.factor_set_version, factor.category, factor.unit, factor.kgco2e_new, factor.mass_kg,
                       factor.price_new_nok, factor.sources, factor.overridden_by,
                       confidence.get((factor.factor_set_version, factor.category)), factor.events)
            for factor in report.factors]


def overridden_label(overridden_by: str | None) -> str:
    return {"municipality": _("the municipality's own figure"), "item": _("the item's own figure")}.get(
        overridden_by or "", "")


def formula_notes() -> dict[str, str]:
    """The method as the ledger computes it (``ledger.record``), in words: for the methods page and the
    report's methods appendix alike."""
    diesel, electric = (charts.number(TRANSPORT_KG_PER_KM[mode], 3) for mode in ("diesel_van", "electric_van"))
    return {
        "formula": _("avoided CO2e = quantity × D × E_new × L − transport − refurbishment"),
        "factors": _("E_new is the emissions of making a new unit (kg CO2e) for the category, or the "
                     "municipality's or the item's own figure where one is recorded (for ICT the manufacturing "
                     "footprint, without the use phase). For grit sand, from factor set 2026.2 (1 December 2026) "
                     "on, it is the net saving of reuse: new sand's footprint less the handling of reused sand; "
                     "under 2026.1 it was new sand's whole footprint. For structural timber and paving stones the "
                     "net saving of reuse is smaller than the figure, as their sources say. Each hand-over keeps "
                     "the factors it was computed with."),
        "whose": _("Whose figures: the item's own figures (from an EPD or the supplier) come first. Then the CO2e of "
                   "a new one and the new price are the receiving municipality's, where it has set its own, since "
                   "the purchase avoided is its own; the weight is the giving municipality's, which knows the "
                   "object; the default factor set covers the rest. A partner organisation uses the defaults."),
        "displacement": _("D, displacement: whether the reuse really replaced buying new. The receiver answers "
                          "when reserving: yes counts 1, no counts 0, don't know counts a cautious default. The "
                          "report shows the gross figure (as if every item replaced a new one, D = 1) beside the "
                          "net one; transport and refurbishment are subtracted from both."),
        "lifetime": _("L, remaining life: no factor gives one yet, so L is 1 for every hand-over; each hand-over "
                      "stores the L it used."),
        "transport": _("Transport: the kg CO2e recorded for the whole hand-over, or the distance driven × the "
                       "vehicle's factor (diesel van %(diesel)s, electric van %(electric)s kg CO2e per km, "
                       "DESNZ/DEFRA 2025); 0 when nothing is recorded.", diesel=diesel, electric=electric),
        "refurbishment": _("Refurbishment: the kg CO2e recorded for the whole hand-over; 0 when nothing is "
                           "recorded."),
        "range": _("Each hand-over also keeps the low and high ends of the factor's range and the net CO2e "
                   "computed with each. A municipality's or item's own figure has no range: both ends equal it. "
                   "Hand-overs recorded before ranges were kept have both ends equal to their net figure."),
        "waste": _("Waste avoided = weight × quantity, counted only when the item would otherwise have been "
                   "thrown away."),
        "money": _("Money saved = D × new price × quantity − price paid − cost of refurbishment, as recorded at "
                   "the hand-over. When the hand-over cost more than it saved, the figure is negative and shown "
                   "as such."),
        "missing": _("A figure the category lacks (no CO2e factor or no new price) counts as 0, so the results "
                     "err low."),
    }


def method(report: Report) -> list[tuple[str, str]]:
    """The methods appendix: (heading, text) pairs, the same on the page and in every file."""
    versions = sorted({factor.factor_set_version for factor in report.factors})
    version_text = (_("The figures come from factor set %(versions)s; every factor used is listed with its source "
                      "and confidence.", versions=", ".join(versions)) if versions
                    else _("No reuse in this period, so no factors were used."))
    notes = formula_notes()
    return [
        (_("The formula"), notes["formula"]),
        (_("Factors"), " ".join((notes["factors"], notes["whose"], version_text))),
        (_("Displacement"), notes["displacement"]),
        (_("Remaining life, transport and refurbishment"),
         " ".join((notes["lifetime"], notes["transport"], notes["refurbishment"]))),
        (_("Range"), notes["range"]),
        (_("Waste and money"), " ".join((notes["waste"], notes["money"], notes["missing"]))),
        (_("Who gets the credit"), _("The CO2e and money avoided belong to the receiver, who did not buy new; the "
                                     "waste avoided belongs to the giver, whose surplus was not thrown away. A "
                                     "network total counts each hand-over once.")),
        (_("Reproducible figures"),
         _("A network counts the hand-overs of the organisations that were its members when each took place, so "
           "later changes of membership leave its earlier figures as they were. A correction counts in the period "
           "of the hand-over it corrects, and the report lists corrections made after its period ended. Each "
           "report names the last hand-over it counts; asking again with as_of set to it gives the same figures.")),
        (_("Apart from the emissions inventory"),
         _("Avoided emissions are a comparison with buying new. They are reported apart from the municipality's "
           "own emissions inventory (klimaregnskap) and never subtracted from it.")),
        (_("Comparison"), _("Diesel van: %(factor)s kg CO2e per km. Source: %(source)s",
                            factor=charts.number(VAN_KG_PER_KM, 3), source=VAN_SOURCE)),
    ]


# --- Reproducing a published report -------------------------------------------------------------------

def stamp_lines(report: Report) -> list[tuple[str, str]]:
    """The report's stamp as (label, value): what it takes to make the same figures again."""
    stamp = report.stamp
    lines = [(_("Factor sets"), ", ".join(stamp.factor_sets) or "–"),
             (_("Ledger up to event"), str(stamp.last_event_id) if stamp.last_event_id is not None else "–"),
             (_("Made at"), stamp.made_at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M"))]
    if stamp.as_of is not None:
        lines.append((_("As of event (later events left out)"), str(stamp.as_of)))
    return lines


def stamp_note(report: Report) -> str:
    """How to make the report again, in words."""
    if report.stamp.last_event_id is None:
        return _("No hand-overs are counted, so the report is the same whenever it is made.")
    return _("To make exactly this report again, corrections made later left out, ask for the same scope and "
             "period with as_of=%(event)s.", event=report.stamp.last_event_id)


CORRECTION_HEADINGS = [_l("Correction"), _l("Corrects hand-over"), _l("Hand-over day"), _l("Corrected on"),
                       _l("Category"), _l("Quantity"), _l("Unit"), _l("kg CO2e avoided (net)"), _l("kg waste avoided"),
                       _l("NOK saved"), _l("Reason")]


def correction_cells(correction: Correction) -> list:
    """A late correction as the files list it (numbers as numbers, dates as dates)."""
    return [correction.event_id, correction.reverses_event_id, correction.occurred_on, correction.recorded_on,
            correction.category, correction.quantity, str(UNIT_LABELS[correction.unit.value]), correction.co2e_net_kg,
            correction.waste_kg, correction.money_nok, correction.note]


# --- What the page and the files share ----------------------------------------------------------------

@dataclass(frozen=True)
class Appendix:
    """Figures a room above this one adds to the report for the same scope and period (the reuse-first
    figures): a section of the page (its own template), of the CSV and of the JSON, and a sheet of the workbook.
    A line is (label, value, kind), kind as in the report's columns ("count", "quantity", "nok") or "share"
    (a fraction from 0 to 1, None when there is nothing to divide)."""

    key: str  # the JSON key
    title: str
    lines: list[tuple[str, Decimal | int | None, str]]
    figures: dict  # by machine name, for JSON
    template: str  # the page's section, given ``appendix``


@dataclass
class Content:
    report: Report
    generated: date
    sections: list[Section]
    totals: list[TotalLine]
    comparison: Comparison | None
    factors: list[FactorLine]
    method: list[tuple[str, str]]
    appendices: list[Appendix] = field(default_factory=list)
    money_not_counted: list[str] = field(default_factory=list)  # categories handed over without a new price
    co2e_not_counted: list[str] = field(default_factory=list)  # ... without a CO2e factor
    waste_not_counted: list[str] = field(default_factory=list)  # ... without a mass

    @property
    def title(self) -> str:
        return _("Climate report: %(scope)s", scope=self.report.scope.name)

    @property
    def period(self) -> str:
        return _("%(start)s – %(end)s", start=format_date(self.report.start, "long"),
                 end=format_date(self.report.end, "long"))


def build(report: Report, generated: datetime) -> Content:
    appendices = [appendix for _receiver, appendix in report_appendices.send(report) if appendix is not None]
    return Content(report, oslo_date(generated), sections(report), total_lines(report), comparison(report),
                   factor_lines(report), method(report), sorted(appendices, key=lambda appendix: appendix.key),
                   money_not_counted(report), co2e_not_counted(report), waste_not_counted(report))
