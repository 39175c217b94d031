from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.forms import DecimalCommaField
from marketplace.i18n import lazy_gettext as _l
from marketplace.inputs import parse_id


class OverrideForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[DataRequired()], coerce=str)
    effective_from = DateField(_l("In force from"), validators=[DataRequired()])
    kgco2e_new = DecimalCommaField(_l("kg CO2e of a new one"))
    mass_kg = DecimalCommaField(_l("Weight (kg)"))
    price_new_nok = DecimalCommaField(_l("Price new (NOK)"))
    source = TextAreaField(_l("Source"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Where the figures come from: an EPD, a supplier's data sheet, a framework "
                                          "agreement price list."))


# --- The climate report's choices (read from the query string) ----------------------------------------

PERIODS = {"this_year": _l("This year"), "last_year": _l("Last year"), "custom": _l("Custom period")}
BUCKETS = {"month": _l("By month"), "quarter": _l("By quarter")}
_DAY = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.(\d{4}))\s*$")


class ReportInputError(ValueError):
    """The report's period or grouping cannot be read; the message is fit to show."""


def parse_day(text: str) -> date:
    """A date as a date field sends it (2026-03-01) or as Norwegians type it (1.3.2026)."""
    match = _DAY.match(text or "")
    if not match:
        raise ValueError(text)
    if match.group(1):
        year, month, day = (int(part) for part in match.group(1, 2, 3))
    else:
        day, month, year = (int(part) for part in match.group(4, 5, 6))
    if not 1900 <= year <= 2999:
        raise ValueError(text)
    return date(year, month, day)


@dataclass
class ReportParams:
    """What the report page and its exports were asked for, as typed (so a form can show it again)."""

    scope: str = ""
    period: str = ""
    date_from: str = ""
    date_to: str = ""
    bucket: str = ""
    as_of: str = ""  # an event id from a report's stamp: the report as it was made then

    @classmethod
    def from_args(cls, args) -> ReportParams:
        def text(name: str, limit: int = 100) -> str:
            return (args.get(name) or "").strip()[:limit]

        params = cls(scope=text("scope", 200), period=text("period"), date_from=text("from"), date_to=text("to"),
                     bucket=text("bucket"), as_of=text("as_of"))
        if not params.period and (params.date_from or params.date_to):
            params.period = "custom"
        return params

    def dates(self, today: date) -> tuple[date, date]:
        """The first and last day of the period (both included)."""
        period = self.period or "this_year"
        if period == "this_year":
            return date(today.year, 1, 1), date(today.year, 12, 31)
        if period == "last_year":
            return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        if period != "custom":
            raise ReportInputError(_("Choose this year, last year or a custom period."))
        if not self.date_from or not self.date_to:
            raise ReportInputError(_("A custom period needs both a first and a last day."))
        try:
            start = parse_day(self.date_from)
            end = parse_day(self.date_to)
        except ValueError as error:
            raise ReportInputError(_("Write the dates as YYYY-MM-DD, for example 2026-01-31.")) from error
        if end < start:
            raise ReportInputError(_("The period must end on or after its first day."))
        return start, end

    def grouping(self) -> str:
        bucket = self.bucket or "month"
        if bucket not in BUCKETS:
            raise ReportInputError(_("Choose months or quarters for the report over time."))
        return bucket

    def as_of_event(self) -> int | None:
        """The event id the report is made as of, or None for all recorded so far."""
        if not self.as_of:
            return None
        event_id = parse_id(self.as_of)
        if event_id is None:
            raise ReportInputError(_("as_of must be the event number from a report's stamp, for example 1234."))
        return event_id

    def to_args(self, scope_key: str, start: date, end: date, bucket: str) -> dict[str, str]:
        """The query string that asks for the same report (for the export links)."""
        args = {"scope": scope_key, "period": self.period or "this_year", "bucket": bucket}
        if args["period"] == "custom":
            args.update({"from": start.isoformat(), "to": end.isoformat()})
        if self.as_of:
            args["as_of"] = self.as_of
        return args
