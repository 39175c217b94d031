"""The climate report as files: CSV (one file in sections), Excel (a sheet per breakdown, the factors used and
the method) and JSON (a dict mirroring the report), each written from a ``document.Content``."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

from flask_babel import gettext as _

from marketplace.impact.document import (CORRECTION_HEADINGS, FACTOR_HEADINGS, Content, correction_cells, overridden_label,
                                         stamp_lines, value)
from marketplace.impact.labels import confidence_label
from marketplace.impact.report import VAN_KG_PER_KM, Report, Totals


# --- CSV ----------------------------------------------------------------------------------------------

CSV_DELIMITER = ";"  # Excel in Norway (decimal comma) splits a CSV at semicolons, not commas
CSV_DECIMAL = ","


def not_counted(data: Content) -> list[tuple[str, list[str]]]:
    """The lines that say which categories a total leaves out for want of a figure (none when nothing is)."""
    lines = [(_("CO2e not counted for (no CO2e factor)"), data.co2e_not_counted),
             (_("Waste not counted for (no mass)"), data.waste_not_counted),
             (_("Money not counted for (no new price)"), data.money_not_counted)]
    return [(str(label), categories) for label, categories in lines if categories]


def _plain(number: Decimal | int | None) -> str:
    """A number as Norwegian Excel reads it: a decimal comma, no grouping (18762,5), so it stays a number."""
    if number is None:
        return ""
    return str(number) if isinstance(number, int) else format(number, "f").replace(".", CSV_DECIMAL)


def _confidence(code: str | None) -> str:
    """A factor's reliability in the reader's words ("middels"), for the files people read; JSON keeps the code."""
    return confidence_label(code) if code else ""


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(cell):
    """A text cell a spreadsheet will not run as a formula: names and sources are typed by people, and
    "=HYPERLINK(…)" in a unit's name must stay text. Numbers pass unchanged."""
    if not isinstance(cell, str) or not cell.startswith(_FORMULA_START):
        return cell
    try:
        Decimal(cell.replace(CSV_DECIMAL, ".", 1))
    except ArithmeticError:
        return "'" + cell
    return cell


spreadsheet_text = _text  # the ledger CSV's cells are made safe the same way


class _SafeWriter:
    def __init__(self, buffer):
        self._writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")

    def writerow(self, row) -> None:
        self._writer.writerow([_text(cell) for cell in row])


def to_csv(data: Content) -> str:
    """One CSV file for people: a summary, each breakdown, the method and the factors, separated by a blank line
    and a title row. Written for Excel as Norwegian municipalities have it (decision 31): semicolons between
    cells, decimal commas, no thousands separators (12345,678 stays a number), ISO dates. The byte-order mark
    that tells Excel it is UTF-8 is added where the file is written (the download, ``marketplace report
    --output``). Scripts read the ledger CSV or the JSON, which keep commas and decimal points."""
    report = data.report
    buffer = io.StringIO()
    out = _SafeWriter(buffer)
    out.writerow([data.title])
    out.writerow([_("Scope"), report.scope.name, report.scope.key])
    out.writerow([_("From"), report.start.isoformat()])
    out.writerow([_("To"), report.end.isoformat()])
    out.writerow([_("Generated"), data.generated.isoformat()])
    for label, text in stamp_lines(report):
        out.writerow([label, text])
    out.writerow([])
    out.writerow([_("Totals")])
    out.writerow([_("Measure"), _("Value")])
    for line in data.totals:
        out.writerow([line.label, _plain(line.value)])
    for label, categories in not_counted(data):
        out.writerow([label, "; ".join(categories)])
    if report.late_corrections:
        out.writerow([])
        out.writerow([_("Corrections made after the period ended (included above)")])
        out.writerow([str(heading) for heading in CORRECTION_HEADINGS])
        for correction in report.late_corrections:
            out.writerow([_plain(cell) if isinstance(cell, (int, Decimal)) else cell
                          for cell in correction_cells(correction)])
    if data.comparison:
        out.writerow([_("Diesel van km, same emissions"), _plain(data.comparison.van_km), data.comparison.source])
    for section in data.sections:
        out.writerow([])
        out.writerow([section.title])
        out.writerow([*section.label_headings, *(str(column.label) for column in section.columns)])
        for labels, totals in section.rows:
            out.writerow([*labels, *(_plain(value(totals, column)) for column in section.columns)])
    for appendix in data.appendices:
        out.writerow([])
        out.writerow([appendix.title])
        for label, number, _kind in appendix.lines:
            out.writerow([label, _plain(number)])
    out.writerow([])
    out.writerow([_("Method")])
    for heading, text in data.method:
        out.writerow([heading, text])
    out.writerow([])
    out.writerow([_("Factors used")])
    out.writerow([str(heading) for heading in FACTOR_HEADINGS])
    for line in data.factors:
        out.writerow([line.factor_set_version, line.category, line.unit_label, _plain(line.kgco2e_new),
                      _plain(line.mass_kg),
                      _plain(line.price_new_nok), _confidence(line.confidence), overridden_label(line.overridden_by),
                      line.events, line.sources])
    return buffer.getvalue()


# --- Excel --------------------------------------------------------------------------------------------

_FORMATS = {"count": "#,##0", "quantity": "#,##0.###", "kg": "#,##0.000", "co2e": "#,##0.000", "nok": "#,##0.00"}


def _sheet_title(text: str, taken: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "-", text)[:31] or "Sheet"
    base, number = title, 2
    while title.lower() in taken:
        suffix = f" {number}"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(title.lower())
    return title


def to_xlsx(data: Content) -> bytes:
    """An Excel workbook: Summary, one sheet per breakdown, Factors used and Method. Every number is a number
    cell with a number format; dates are date cells."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    report = data.report
    bold = Font(bold=True)
    workbook = Workbook()
    taken: set[str] = set()

    def append(sheet, row) -> None:
        sheet.append([_text(cell) for cell in row])

    summary = workbook.active
    summary.title = _sheet_title(_("Summary"), taken)
    append(summary, [data.title])
    summary["A1"].font = Font(bold=True, size=14)
    append(summary, [_("Scope"), report.scope.name, report.scope.key])
    for label, day in ((_("From"), report.start), (_("To"), report.end), (_("Generated"), data.generated)):
        append(summary, [label, day])
        summary.cell(summary.max_row, 2).number_format = "yyyy-mm-dd"
    for label, text in stamp_lines(report):
        append(summary, [label, text])
    append(summary, [])
    append(summary, [_("Totals")])
    summary.cell(summary.max_row, 1).font = bold
    for line in data.totals:
        append(summary, [line.label, line.value])
        summary.cell(summary.max_row, 2).number_format = _FORMATS[line.kind]
    for label, categories in not_counted(data):
        append(summary, [label, "; ".join(categories)])
    if report.late_corrections:
        append(summary, [])
        append(summary, [_("Corrections made after the period ended (included above)")])
        summary.cell(summary.max_row, 1).font = bold
        append(summary, [str(heading) for heading in CORRECTION_HEADINGS])
        for correction in report.late_corrections:
            append(summary, correction_cells(correction))
    if data.comparison:
        append(summary, [])
        append(summary, [_("Comparison")])
        summary.cell(summary.max_row, 1).font = bold
        append(summary, [_("Diesel van km, same emissions"), data.comparison.van_km, data.comparison.text])
        summary.cell(summary.max_row, 2).number_format = "#,##0"
        append(summary, [_("Source"), data.comparison.source])
    append(summary, [])
    append(summary, [_("Avoided emissions are a comparison with buying new. They are reported apart from the "
                       "municipality's own emissions inventory (klimaregnskap) and never subtracted from it.")])
    summary.column_dimensions["A"].width = 34
    summary.column_dimensions["B"].width = 22
    summary.column_dimensions["C"].width = 40

    for section in data.sections:
        sheet = workbook.create_sheet(_sheet_title(section.title, taken))
        append(sheet, [*section.label_headings, *(str(column.label) for column in section.columns)])
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        first_number = len(section.label_headings) + 1
        for labels, totals in section.rows:
            append(sheet, [*labels, *(value(totals, column) for column in section.columns)])
            for offset, column in enumerate(section.columns):
                sheet.cell(sheet.max_row, first_number + offset).number_format = _FORMATS[column.kind]
        sheet.freeze_panes = sheet.cell(2, first_number)
        for index in range(1, first_number):
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = 32
        for offset in range(len(section.columns)):
            sheet.column_dimensions[sheet.cell(1, first_number + offset).column_letter].width = 16

    factors = workbook.create_sheet(_sheet_title(_("Factors used"), taken))
    append(factors, [str(heading) for heading in FACTOR_HEADINGS])
    for cell in factors[1]:
        cell.font = bold
    for line in data.factors:
        append(factors, [line.factor_set_version, line.category, line.unit_label, line.kgco2e_new, line.mass_kg,
                        line.price_new_nok, _confidence(line.confidence), overridden_label(line.overridden_by), line.events,
                        line.sources])
        row = factors.max_row
        for column, pattern in ((4, _FORMATS["co2e"]), (5, _FORMATS["kg"]), (6, _FORMATS["nok"]),
                                (9, _FORMATS["count"])):
            factors.cell(row, column).number_format = pattern
        factors.cell(row, 10).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFGHIJ", (14, 28, 8, 14, 12, 14, 12, 22, 12, 80)):
        factors.column_dimensions[letter].width = width
    factors.freeze_panes = "C2"

    sheet = workbook.create_sheet(_sheet_title(_("Method"), taken))
    append(sheet, [_("Method"), _("Explanation")])
    for cell in sheet[1]:
        cell.font = bold
    for heading, text in data.method:
        append(sheet, [heading, text])
        sheet.cell(sheet.max_row, 1).font = bold
        sheet.cell(sheet.max_row, 1).alignment = Alignment(vertical="top", wrap_text=True)
        sheet.cell(sheet.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 100

    for appendix in data.appendices:
        extra = workbook.create_sheet(_sheet_title(appendix.title, taken))
        append(extra, [_("Measure"), _("Value")])
        for label, number, kind in appendix.lines:
            append(extra, [label, number])
            if number is not None:
                extra.cell(extra.max_row, 2).number_format = "0.0%" if kind == "share" else _FORMATS[kind]
        extra.column_dimensions["A"].width = 50

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- JSON ---------------------------------------------------------------------------------------------

_TOTAL_FIELDS = ("co2e_net_kg", "co2e_gross_kg", "waste_kg", "money_nok", "events_received", "events_given", "events")


def _totals_dict(totals: Totals, amounts: bool = True) -> dict:
    """The measures, and the amounts per unit of measure (``{"piece": 12, "kg": 85.5}``) where the row knows
    them (not for a unit's or a giver → receiver row, which mix categories)."""
    result = {name: getattr(totals, name) for name in _TOTAL_FIELDS}
    if amounts:
        result |= {"amounts_received": {unit.value: amount for unit, amount in totals.amounts_received.items()},
                   "amounts_given": {unit.value: amount for unit, amount in totals.amounts_given.items()}}
    return result


def to_dict(data: Content) -> dict:
    """The report as a dict of plain values (numbers stay Decimal; ``to_json`` writes them as JSON numbers)."""
    report = data.report
    result = {
        "scope": {"key": report.scope.key, "kind": report.scope.kind, "name": report.scope.name},
        "from": report.start.isoformat(), "to": report.end.isoformat(), "bucket": report.bucket,
        "generated": data.generated.isoformat(),
        "stamp": {"factor_sets": list(report.stamp.factor_sets), "last_event_id": report.stamp.last_event_id,
                  "made_at": report.stamp.made_at.isoformat(), "as_of": report.stamp.as_of},
        "totals": _totals_dict(report.totals),
        "late_corrections": [{"event_id": item.event_id, "reverses": item.reverses_event_id,
                              "occurred_on": item.occurred_on.isoformat(), "recorded_on": item.recorded_on.isoformat(),
                              "category": item.category, "unit": item.unit.value, "quantity": item.quantity,
                              "co2e_net_kg": item.co2e_net_kg, "waste_kg": item.waste_kg, "money_nok": item.money_nok,
                              "note": item.note} for item in report.late_corrections],
        "money_not_counted_for": data.money_not_counted,
        "co2e_not_counted_for": data.co2e_not_counted,
        "waste_not_counted_for": data.waste_not_counted,
        "comparison": ({"van_km": data.comparison.van_km, "van_kg_co2e_per_km": VAN_KG_PER_KM,
                        "text": data.comparison.text, "source": data.comparison.source} if data.comparison else None),
    }
    for section in data.sections:
        if section.key == "matrix":
            result["matrix"] = [{"giver": labels[0], "receiver": labels[1], **_totals_dict(totals, amounts=False)}
                                for labels, totals in section.rows]
        else:
            result[section.key] = [{"key": key, "label": labels[0],
                                    **_totals_dict(totals, amounts=section.key != "by_unit")}
                                   for key, (labels, totals) in zip(section.keys, section.rows)]
    result["factors"] = [{"factor_set_version": line.factor_set_version, "category": line.category,
                          "unit": line.unit.value,
                          "kgco2e_new": line.kgco2e_new, "mass_kg": line.mass_kg, "price_new_nok": line.price_new_nok,
                          "confidence": line.confidence, "overridden_by": line.overridden_by, "events": line.events,
                          "sources": line.sources} for line in data.factors]
    result["method"] = [{"heading": heading, "text": text} for heading, text in data.method]
    for appendix in data.appendices:
        result[appendix.key] = appendix.figures
    return result


def _json_number(number):
    if isinstance(number, Decimal):
        return int(number) if number == number.to_integral_value() else float(number)
    raise TypeError(f"{type(number).__name__} is not JSON serialisable")


def to_json(data: Content) -> str:
    return json.dumps(to_dict(data), ensure_ascii=False, indent=2, default=_json_number)


def filename(report: Report, extension: str) -> str:
    """climate-report-municipality-dulten-2026-01-01-2026-12-31.csv (ASCII only, safe in a header)."""
    prefix = _("climate-report")
    stem = f"{prefix}-{report.scope.key}-{report.start.isoformat()}-{report.end.isoformat()}"
    return re.sub(r"[^a-z0-9.-]+", "-", stem.lower()).strip("-") + f".{extension}"
