"""The event ledger as a long-format CSV an accountant can pivot: one row per event, every figure the event
keeps, its side for the scope and the GHG Protocol scope-3 category of the purchase it avoided.

Written as the climate report's CSV is (``exports``): UTF-8 with a byte-order mark, commas between cells,
points in decimals, no grouping, so spreadsheets and scripts read the numbers as numbers; text typed by
people cannot run as a formula. Rows are made a chunk at a time (``events.chunks``), so a year of a large
network streams out without being held in memory.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import get_locale
from flask_babel import gettext as _

from marketplace.i18n import lazy_gettext as _l
from marketplace.impact import events
from marketplace.impact.exports import spreadsheet_text
from marketplace.impact.report import Scope
from marketplace.impact.scope3 import scope3_label

# The event's decimal figures by the name the API and the CSV give them: (ReuseEvent attribute, stored scale).
FIGURES = {
    "quantity": ("quantity", 3), "displacement": ("displacement", 3), "lifetime_factor": ("lifetime_factor", 3),
    "kgco2e_new": ("kgco2e_new", 3), "kgco2e_low": ("kgco2e_low", 3), "kgco2e_high": ("kgco2e_high", 3),
    "mass_kg": ("mass_kg", 3), "price_new_nok": ("price_new_nok", 2),
    "co2e_kg": ("co2e_net_kg", 3), "co2e_kg_gross": ("co2e_gross_kg", 3), "co2e_kg_low": ("co2e_low_kg", 3),
    "co2e_kg_high": ("co2e_high_kg", 3), "waste_kg": ("waste_kg", 3), "money_nok": ("money_nok", 2),
    "price_paid_nok": ("price_paid_nok", 2), "transport_km": ("transport_km", 3),
    "transport_kgco2e": ("transport_kgco2e", 3), "refurbishment_nok": ("refurbishment_nok", 2),
    "refurbishment_kgco2e": ("refurbishment_kgco2e", 3),
}


def fixed(value: Decimal | None, places: int) -> str | None:
    """A figure at its stored scale: 123.450 (kg), 1999.00 (NOK); None stays None."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places)), "f")


def figure(entry: events.Entry, name: str) -> str | None:
    attribute, places = FIGURES[name]
    return fixed(getattr(entry.event, attribute), places)


@dataclass(frozen=True)
class Column:
    key: str
    heading: object  # lazy text
    value: Callable[[events.Entry], object]


def _figure_column(name: str, heading) -> Column:
    return Column(name, heading, lambda entry: figure(entry, name))


COLUMNS = [
    Column("id", _l("Event"), lambda entry: entry.event.id),
    Column("occurred_on", _l("Date"), lambda entry: entry.event.occurred_on.isoformat()),
    Column("recorded_at", _l("Recorded (UTC)"), lambda entry: entry.event.recorded_at.isoformat()),
    Column("item_id", _l("Item"), lambda entry: entry.event.item_id),
    Column("reservation_id", _l("Reservation"), lambda entry: entry.event.reservation_id),
    Column("reverses", _l("Reverses event"), lambda entry: entry.event.reverses_event_id),
    Column("reversed_by", _l("Reversed by event"), lambda entry: entry.reversed_by),
    Column("side", _l("Side (received, given, both)"), lambda entry: entry.side),
    Column("category", _l("Category"), lambda entry: entry.event.category.slug),
    Column("category_name", _l("Category name"), lambda entry: entry.event.category.name(str(get_locale()))),
    Column("group", _l("Category group"), lambda entry: str(entry.event.category.group)),
    Column("scope3_category", _l("GHG Protocol scope 3 category (avoided; outside the inventory)"),
           lambda entry: entry.scope3),
    Column("scope3_name", _l("Scope 3 category name"), lambda entry: scope3_label(entry.scope3)),
    _figure_column("quantity", _l("Quantity")),
    Column("unit", _l("Unit of measure"), lambda entry: str(entry.event.category.unit)),
    Column("giver", _l("Giver"), lambda entry: entry.giver.name),
    Column("giver_unit", _l("Giving unit"), lambda entry: entry.giver.unit_name),
    Column("receiver", _l("Receiver"), lambda entry: entry.receiver.name),
    Column("receiver_unit", _l("Receiving unit"), lambda entry: entry.receiver.unit_name),
    Column("would_buy_new", _l("Would have bought new (yes, no, unknown)"), lambda entry: entry.event.would_buy_new),
    _figure_column("displacement", _l("Displacement D")),
    _figure_column("lifetime_factor", _l("Remaining-life factor L")),
    Column("would_be_discarded", _l("Would have been thrown away"),
           lambda entry: "1" if entry.event.would_be_discarded else "0"),
    Column("factor_set", _l("Factor set version"), lambda entry: entry.event.factor_set_version),
    _figure_column("kgco2e_new", _l("kg CO2e of a new one, per unit")),
    _figure_column("kgco2e_low", _l("kg CO2e of a new one, per unit (low)")),
    _figure_column("kgco2e_high", _l("kg CO2e of a new one, per unit (high)")),
    _figure_column("mass_kg", _l("Weight per unit (kg)")),
    _figure_column("price_new_nok", _l("Price new per unit (NOK)")),
    Column("overridden_by", _l("Factor replaced by (municipality, item)"), lambda entry: entry.event.overridden_by),
    Column("factor_sources", _l("Sources"), lambda entry: entry.event.factor_sources),
    _figure_column("co2e_kg", _l("kg CO2e avoided (net)")),
    _figure_column("co2e_kg_gross", _l("kg CO2e avoided (gross)")),
    _figure_column("co2e_kg_low", _l("kg CO2e avoided (net, low)")),
    _figure_column("co2e_kg_high", _l("kg CO2e avoided (net, high)")),
    _figure_column("waste_kg", _l("kg waste avoided")),
    _figure_column("money_nok", _l("NOK saved")),
    _figure_column("price_paid_nok", _l("Price paid (NOK)")),
    _figure_column("transport_km", _l("Transport (km)")),
    Column("transport_mode", _l("Vehicle"), lambda entry: entry.event.transport_mode),
    _figure_column("transport_kgco2e", _l("Transport (kg CO2e)")),
    _figure_column("refurbishment_nok", _l("Refurbishment (NOK)")),
    _figure_column("refurbishment_kgco2e", _l("Refurbishment (kg CO2e)")),
    Column("note", _l("Note"), lambda entry: entry.event.note),
]


def _cell(value) -> object:
    return "" if value is None else value


def _line(row: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([spreadsheet_text(_cell(cell)) for cell in row])
    return buffer.getvalue()


def headings() -> list[str]:
    return [str(column.heading) for column in COLUMNS]


def row(entry: events.Entry) -> list:
    return [column.value(entry) for column in COLUMNS]


def lines(scope: Scope, start: date, end: date, *, chunk: int = events.CHUNK) -> Iterator[str]:
    """The CSV's text a chunk of events at a time: the headings first, then one line per event."""
    yield _line(headings())
    for entries in events.chunks(scope, start, end, size=chunk):
        yield "".join(_line(row(entry)) for entry in entries)


def filename(scope: Scope, start: date, end: date) -> str:
    """climate-ledger-municipality-dulten-2026-01-01-2026-12-31.csv (ASCII only, safe in a header)."""
    prefix = _("climate-ledger")
    stem = f"{prefix}-{scope.key}-{start.isoformat()}-{end.isoformat()}"
    return re.sub(r"[^a-z0-9.-]+", "-", stem.lower()).strip("-") + ".csv"
