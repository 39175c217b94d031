"""Last year beside this: the period a report is compared with, the same scope's figures for it, and the change.

A report of whole months is compared with the same months a year (or the period's length in months) before; "this
year", still running, is compared with the same dates last year, so a year so far never meets a whole year; any
other period with the days just before it, as many. The comparison is one more ``report.build`` (decision 31).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_date
from flask_babel import gettext as _

from marketplace.impact import report as reports
from marketplace.impact.report import Report, Totals

COMPARED = ("co2e_net_kg", "co2e_low_kg", "co2e_high_kg", "co2e_gross_kg", "waste_kg", "money_nok", "events")


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _months_back(day: date, months: int, *, month_end: bool = False) -> date:
    """The same day ``months`` earlier (the 31st becomes the month's last day); ``month_end``: that month's end."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = _last_day(year, month + 1)
    return date(year, month + 1, last if month_end else min(day.day, last))


def _whole_months(start: date, end: date) -> int | None:
    """The number of calendar months from ``start`` to ``end`` if they are whole months, else None."""
    if start.day != 1 or end.day != _last_day(end.year, end.month):
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def comparison_period(start: date, end: date, today: date) -> tuple[date, date, date]:
    """(first day, last day) of the period to compare with, and the last day of this period that has happened
    (``today`` when the period is still running)."""
    counted_to = today if start <= today < end else end
    months = _whole_months(start, end)
    if months is not None:
        return (_months_back(start, months),
                _months_back(counted_to, months, month_end=counted_to == end), counted_to)
    days = timedelta(days=(end - start).days + 1)
    return start - days, counted_to - days, counted_to


@dataclass(frozen=True)
class Change:
    """One figure now and before, and the change in per cent (None when there was nothing before)."""

    now: Decimal | int
    before: Decimal | int

    @property
    def percent(self) -> int | None:
        if not self.before:
            return None
        ratio = (Decimal(self.now) - Decimal(self.before)) / abs(Decimal(self.before)) * 100
        return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def text(self) -> str:
        """ "+12 %", "−5 %" (a minus sign), "±0 %"; "new" when there was nothing before. Words and signs, so the
        change is never told by colour alone."""
        percent = self.percent
        if percent is None:
            return _("nothing before") if self.now else _("no change")
        if percent == 0:
            return "±0\u00a0%"
        return f"{'+' if percent > 0 else '−'}{abs(percent)}\u00a0%"

    @property
    def direction(self) -> str:
        """up, down or same: for the page's styling only; the text says the same."""
        if self.now > self.before:
            return "up"
        return "down" if self.now < self.before else "same"


@dataclass(frozen=True)
class Beside:
    """The same scope's report for the comparison period, and the change of each total."""

    start: date
    end: date
    counted_to: date  # this period's last day that has happened
    running: bool  # this period is not over: compared up to the same date
    last_year: bool  # the comparison period is the same dates one year before
    totals: Totals
    changes: dict[str, Change]

    @property
    def name(self) -> str:
        """What the comparison period is called beside a figure."""
        if self.last_year:
            return _("Same dates last year") if self.running else _("Last year")
        return _("Previous period")

    @property
    def caption(self) -> str:
        period = _("%(start)s – %(end)s", start=format_date(self.start, "long"), end=format_date(self.end, "long"))
        if self.running:
            return _("Counted up to %(day)s and compared with the same dates before: %(period)s, the same scope.",
                     day=format_date(self.counted_to, "long"), period=period)
        return _("Compared with %(period)s, the same scope.", period=period)


def beside(current: Report, today: date, locale: str) -> Beside:
    """The figures of ``current``'s scope for the period before (as of the same event, if ``current`` is made
    as of one), with the change of each total."""
    start, end, counted_to = comparison_period(current.start, current.end, today)
    before = reports.build(current.scope, start, end, bucket=current.bucket, locale=locale,
                           as_of=current.stamp.as_of).totals
    changes = {name: Change(getattr(current.totals, name), getattr(before, name)) for name in COMPARED}
    last_year = start == _months_back(current.start, 12)
    return Beside(start, end, counted_to, counted_to != current.end, last_year, before, changes)
