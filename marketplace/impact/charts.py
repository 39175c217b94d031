"""Charts drawn on the server as accessible SVG, and the number formats the report shows.

No JavaScript: each chart is an ``<svg role="img">`` named by its own ``<title>`` and ``<desc>`` (the
description lists every value), and the page puts a table with the same numbers right after it. The markup uses
presentation attributes only (``fill``, ``font-size``), never ``style``: the Content-Security-Policy forbids
inline styles. Every text that reaches the markup goes through ``markupsafe.escape``, so the result may be
marked safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

from marketplace.i18n import format_decimal, lazy_gettext as _l

# Colours on white: bars 6.4:1 (WCAG 1.4.11 asks 3:1 for graphics), text 16:1, axis 7:1.
BAR = "#0b6e4f"
NEGATIVE = "#b42318"
INK = "#1b1f23"
AXIS = "#4f5862"
GRID = "#c9d1d9"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
MAX_LABEL = 40  # characters of a bar's label drawn in the chart; the table beside has the whole text


# --- Numbers for people, in the locale ----------------------------------------------------------------

def number(value: Decimal | int | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(Decimal(value).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP), format=pattern)


def amount(value: Decimal | int | None) -> str:
    """A quantity as entered (3, 2.5): no trailing zeros."""
    if value is None:
        return "–"
    value = Decimal(value).normalize()
    return number(value, min(max(0, -value.as_tuple().exponent), 3))


def kg_number(value: Decimal) -> str:
    """Kilograms: whole kilograms from 100 kg up (and for whole numbers), one decimal below."""
    return number(value, 0 if abs(value) >= 100 or value == value.to_integral_value() else 1)


def kg(value: Decimal) -> str:
    return _("%(kg)s kg", kg=kg_number(value))


def co2e(value: Decimal) -> str:
    """kg CO2e, with tonnes beside large figures: "12 345 kg CO2e (12,3 tonnes)"."""
    text = _("%(kg)s kg CO2e", kg=kg_number(value))
    if abs(value) >= 1000:
        text += " " + _("(%(tonnes)s tonnes)", tonnes=number(value / 1000, 1))
    return text


def nok(value: Decimal) -> str:
    return _("NOK %(amount)s", amount=number(value, 0))


# --- Charts -------------------------------------------------------------------------------------------
# The charts are fluid: 100 % wide with a fixed height, positions along the width in per cent, so the text
# keeps its real size on a phone and on a wide screen alike (a scaled viewBox would shrink it to 8 px).

@dataclass(frozen=True)
class Datum:
    label: str  # as the chart and its table show it
    value: Decimal
    text: str  # the value as people read it ("1 234 kg CO2e"), for the description
    short: str = ""  # the value drawn in the chart ("1 234 kg"), when shorter than ``text``


def _attrs(**attributes) -> str:
    return " ".join(f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"' for name, value in attributes.items())


def _pct(value: Decimal | float) -> str:
    return f"{float(value):.2f}%"


def _svg(chart_id: str, height: int, title: str, description: str, body: list[str]) -> Markup:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
            f'width="100%" height="{height}" role="img" '
            f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" focusable="false" '
            f'font-family="{escape(FONT)}">'
            f'<title id="{escape(title_id)}">{escape(title)}</title>'
            f'<desc id="{escape(desc_id)}">{escape(description)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def describe(intro: str, data: Sequence[Datum]) -> str:
    """The text alternative: what the chart is, then every value in it."""
    if not data:
        return intro + " " + _("No data in this period.")
    return f"{intro} " + "; ".join(f"{datum.label}: {datum.text}" for datum in data) + "."


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, data: Sequence[Datum], *, description: str | None = None) -> Markup:
    """Horizontal bars, the label above each bar; the value inside a long bar (white on green, 6.4:1) or just
    after a short one."""
    label_height, bar_height, gap = 20, 24, 14
    row = label_height + 4 + bar_height + gap
    height = max(row * len(data) + 4, 48)
    body: list[str] = []
    if not data:
        empty = escape(_("No data in this period."))
        body.append(f'<text {_attrs(x=0, y=28, font_size=16, fill=INK)}>{empty}</text>')
    top = max((max(datum.value, Decimal(0)) for datum in data), default=Decimal(0))
    for index, datum in enumerate(data):
        y = index * row + 2
        body.append(f'<text {_attrs(x=0, y=y + 15, font_size=16, fill=INK)}>{escape(_short(datum.label))}</text>')
        bar_y = y + label_height + 4
        share = (max(datum.value, Decimal(0)) / top * 100) if top > 0 else Decimal(0)
        value_text = escape(datum.short or datum.text)
        text_y = bar_y + bar_height - 7
        if datum.value > 0:
            share = max(share, Decimal("0.5"))  # a sliver, so a small value still shows a bar
            body.append(f'<rect {_attrs(x=0, y=bar_y, width=_pct(share), height=bar_height, fill=BAR)}/>')
        elif datum.value < 0:
            body.append(f'<rect {_attrs(x=0, y=bar_y, width=4, height=bar_height, fill=NEGATIVE)}/>')
        if share >= 55:
            inside = _attrs(x=_pct(share), dx=-8, y=text_y, font_size=15, fill="#ffffff", text_anchor="end",
                            font_weight=600)
            body.append(f"<text {inside}>{value_text}</text>")
        else:
            after = _attrs(x=_pct(share), dx=8 if datum.value else 0, y=text_y, font_size=15, fill=INK)
            body.append(f"<text {after}>{value_text}</text>")
    return _svg(chart_id, height, title, description or describe(title, data), body)


def _nice_step(top: Decimal, ticks: int = 4) -> Decimal:
    """A round step (1, 2 or 5 × 10^n) so that ``ticks`` steps cover ``top``."""
    if top <= 0:
        return Decimal(1)
    raw = top / ticks
    magnitude = Decimal(10) ** (raw.adjusted())
    for factor in (1, 2, 5, 10):
        if magnitude * factor >= raw:
            return magnitude * factor
    return magnitude * 10


def column_chart(chart_id: str, title: str, data: Sequence[Datum], *, axis_label: str,
                 description: str | None = None) -> Markup:
    """Columns over time with a labelled value axis; ``data`` labels are short period names (jan., K1 2026).

    Period names that would crowd a phone screen carry the class ``chart__minor``, which report.css hides on
    narrow screens (every second or third name stays)."""
    gutter, top_margin, plot_height, bottom = Decimal(15), 30, 200, 34
    height = top_margin + plot_height + bottom
    largest = max((max(datum.value, Decimal(0)) for datum in data), default=Decimal(0))
    step = _nice_step(largest)
    ceiling = step * max(1, int((largest / step).to_integral_value(ROUND_CEILING))) if largest > 0 else step * 4
    body = [f'<text {_attrs(x=0, y=16, font_size=14, fill=INK)}>{escape(axis_label)}</text>']
    for tick in range(int(ceiling / step) + 1):
        value = step * tick
        y = top_margin + plot_height - int(plot_height * value / ceiling)
        body.append(f'<line {_attrs(x1=_pct(gutter), x2="100%", y1=y, y2=y, stroke=GRID, stroke_width=1)}/>')
        decimals = 0 if step >= 1 else min(3, -step.normalize().as_tuple().exponent)
        tick_label = _attrs(x=_pct(gutter), dx=-6, y=y + 5, font_size=13, fill=INK, text_anchor="end")
        body.append(f"<text {tick_label}>{escape(number(value, decimals))}</text>")
    count = max(len(data), 1)
    slot = (100 - gutter) / count
    every = max(1, -(-len(data) // 12))  # at most 12 period names on a wide screen
    narrow_every = every * (3 if len(data) > 8 else 2 if len(data) > 4 else 1)  # fewer on a phone
    for index, datum in enumerate(data):
        left = gutter + slot * index
        if datum.value > 0:
            column = max(2, int(plot_height * datum.value / ceiling))
            bar = _attrs(x=_pct(left + slot * Decimal("0.15")), y=top_margin + plot_height - column,
                         width=_pct(slot * Decimal("0.7")), height=column, fill=BAR)
            body.append(f"<rect {bar}/>")
        elif datum.value < 0:
            bar = _attrs(x=_pct(left + slot * Decimal("0.15")), y=top_margin + plot_height - 3,
                         width=_pct(slot * Decimal("0.7")), height=3, fill=NEGATIVE)
            body.append(f"<rect {bar}/>")
        if index % every == 0:
            minor = {"class_": "chart__minor"} if index % narrow_every else {}
            label = _attrs(x=_pct(left + slot / 2), y=top_margin + plot_height + 22, font_size=13, fill=INK,
                           text_anchor="middle", **minor)
            body.append(f"<text {label}>{escape(datum.label)}</text>")
    baseline = top_margin + plot_height
    body.append(f'<line {_attrs(x1=_pct(gutter), x2="100%", y1=baseline, y2=baseline, stroke=AXIS, stroke_width=2)}/>')
    if not data:
        empty = escape(_("No data in this period."))
        body.append(f'<text {_attrs(x=_pct(gutter + 2), y=top_margin + plot_height // 2, font_size=16, fill=INK)}>'
                    f'{empty}</text>')
    return _svg(chart_id, height, title, description or describe(title, data), body)


# --- The report's charts ------------------------------------------------------------------------------

_CHARTS = {
    "by_group": (_l("CO2e avoided by category group"),
                 _l("Horizontal bar chart of the net kg CO2e avoided, one bar per category group.")),
    "by_category": (_l("CO2e avoided by category"),
                    _l("Horizontal bar chart of the net kg CO2e avoided, one bar per category.")),
    "by_unit": (_l("CO2e avoided by unit"),
                _l("Horizontal bar chart of the net kg CO2e avoided by what each unit received.")),
    "over_time": (_l("CO2e avoided over time"),
                  _l("Column chart of the net kg CO2e avoided in each period, oldest first.")),
}


def report_charts(sections) -> dict[str, Markup]:
    """One chart per breakdown (not the giver → receiver table), keyed by the section's key; each shows the
    net CO2e, the figure the section's table also has."""
    result = {}
    for section in sections:
        if section.key not in _CHARTS:
            continue
        title, intro = (str(text) for text in _CHARTS[section.key])
        data = [Datum(" – ".join(labels), totals.co2e_net_kg, co2e(totals.co2e_net_kg), kg(totals.co2e_net_kg))
                for labels, totals in section.rows]
        description = describe(intro, data)
        chart_id = "chart-" + section.key.replace("_", "-")
        if section.key == "over_time":
            short = [Datum(label, datum.value, datum.text, datum.short)
                     for label, datum in zip(section.chart_labels, data)]
            result[section.key] = column_chart(chart_id, title, short, axis_label=_("kg CO2e"),
                                               description=description)
        else:
            result[section.key] = bar_chart(chart_id, title, data, description=description)
    return result
