from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.i18n import lazy_gettext as _l, OSLO
from marketplace.forms import DecimalCommaField
from marketplace.listings.forms import CONDITION_LABELS as CONDITIONS
from marketplace.listings.models import MAX_LOAN_DAYS, Condition
from marketplace.reservations.models import ReservationStatus, WouldBuyNew

WOULD_BUY_NEW_LABELS = {
    WouldBuyNew.YES: _l("Yes, we would have bought new"),
    WouldBuyNew.NO: _l("No, we would have managed without"),
    WouldBuyNew.UNKNOWN: _l("Don't know"),
}


def oslo_to_utc(moment: datetime | None) -> datetime | None:
    """A time as an aware UTC time: one typed in a form, without a zone, is Norwegian local time; one sent with
    its offset (through the API) keeps it."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OSLO)
    return moment.astimezone(timezone.utc)


def reserve_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``services.reserve`` from plain values named as they are (the form's data or
    the API's body): the web page and the API both read a reservation here, so the two cannot drift apart."""
    return {"quantity": values["quantity"], "would_buy_new": WouldBuyNew(values["would_buy_new"]),
            "note": values.get("note") or "", "wished_pickup_at": oslo_to_utc(values.get("wished_pickup_at"))}


class ReserveForm(FlaskForm):
    quantity = DecimalCommaField(_l("How many"), validators=[DataRequired(message=_l("Give the quantity."))])
    would_buy_new = RadioField(
        _l("Would you otherwise have bought new?"),
        choices=[SelectChoice(value.value, label) for value, label in WOULD_BUY_NEW_LABELS.items()],
        validators=[DataRequired(message=_l("Choose an answer: it decides the climate figure."))],
        description=_l("Your answer decides how much of the climate saving is counted."),
    )
    wished_pickup_at = DateTimeLocalField(_l("When would you like to pick it up?"), validators=[Optional()])
    note = TextAreaField(_l("Message to the owner"), validators=[Optional(), Length(max=2000)],
                         description=_l("For example which school it is for, or what you need to carry it."))


TRANSPORT_MODE_LABELS = {"diesel_van": _l("Diesel van"), "electric_van": _l("Electric van")}
COST_FIELDS = ("price_paid_nok", "transport_km", "transport_mode", "transport_kgco2e", "refurbishment_nok",
               "refurbishment_kgco2e")


def collect_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``handover.collect`` (what the hand-over cost) from plain values named as they
    are, for the web page and the API alike; a blank or missing value is not recorded."""
    return {name: values.get(name) if values.get(name) not in ("", None) else None for name in COST_FIELDS}


class CollectForm(FlaskForm):
    """The hand-over, with what it cost where known (all for the whole hand-over; the rules are the ledger's)."""

    price_paid_nok = DecimalCommaField(_l("Price paid (NOK)"), validators=[Optional()],
                                       description=_l("What the receiver paid in all. Leave empty if it was free."))
    transport_km = DecimalCommaField(_l("Distance driven (km)"), validators=[Optional()])
    transport_mode = SelectField(_l("Vehicle"), validators=[Optional()], choices=[
        SelectChoice("", _l("Choose vehicle")),
        *(SelectChoice(value, label) for value, label in TRANSPORT_MODE_LABELS.items())])
    transport_kgco2e = DecimalCommaField(
        _l("Or: transport emissions (kg CO2e)"), validators=[Optional()],
        description=_l("Only if you know the figure, for example from the carrier. Then leave distance and "
                       "vehicle empty."))
    refurbishment_nok = DecimalCommaField(_l("Cost of repair or refurbishment (NOK)"), validators=[Optional()])
    refurbishment_kgco2e = DecimalCommaField(_l("Emissions of repair or refurbishment (kg CO2e)"),
                                             validators=[Optional()])


class WaitlistForm(FlaskForm):
    quantity = DecimalCommaField(_l("How many do you need"), validators=[DataRequired()])


class PickupForm(FlaskForm):
    pickup_at = DateTimeLocalField(_l("Pickup time"), validators=[DataRequired()])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Why"), validators=[DataRequired(), Length(max=2000)])


class ReverseHandOverForm(FlaskForm):
    """Why a hand-over is undone or corrected; nothing is filled in for the user."""

    reason = TextAreaField(_l("Why"), validators=[DataRequired(message=_l("Say why the hand-over is reversed.")),
                                                  Length(max=2000)])


_DAYS = _l("Give the number of days, from 1 to %(most)d.", most=MAX_LOAN_DAYS)


class RenewForm(FlaskForm):
    days = IntegerField(_l("How many more days"), validators=[DataRequired(message=_DAYS),
                                                              NumberRange(min=1, max=MAX_LOAN_DAYS, message=_DAYS)],
                        render_kw={"inputmode": "numeric"})


class ReturnForm(FlaskForm):
    """What came back of a loan: by default everything still out, in the condition it left."""

    quantity = DecimalCommaField(_l("How many came back"), validators=[Optional()],
                                 description=_l("Leave empty if everything still on loan came back."))
    lost = DecimalCommaField(_l("How many are lost or damaged beyond use"), validators=[Optional()],
                             description=_l("They are taken out of the listing's quantity."))
    condition = RadioField(_l("Condition of what came back"), default="", validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         description=_l("For example what is damaged or missing, or when the rest comes back."))

    def __init__(self, *args, same_as_before: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.condition.choices = [SelectChoice("", _l("As it left (%(condition)s)", condition=same_as_before)),
                                  *(SelectChoice(value.value, label) for value, (label, _h) in CONDITIONS.items())]

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``loans.record_return``."""
        return {"quantity": self.quantity.data, "lost": self.lost.data,
                "condition": Condition(self.condition.data) if self.condition.data else None,
                "note": self.note.data or ""}


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=2000)])


STATUS_LABELS = {
    ReservationStatus.REQUESTED: _l("waiting for an answer"),
    ReservationStatus.APPROVED: _l("approved"),
    ReservationStatus.COLLECTED: _l("collected"),
    ReservationStatus.REJECTED: _l("rejected"),
    ReservationStatus.CANCELLED: _l("cancelled"),
    ReservationStatus.EXPIRED: _l("expired"),
    ReservationStatus.CORRECTED: _l("corrected"),
    ReservationStatus.ON_LOAN: _l("on loan"),
    ReservationStatus.RETURNED: _l("returned"),
}

MAX_PAGE_DIGITS = 9  # more is no page of any list; int() of thousands of digits would even raise


@dataclass(frozen=True)
class OverviewQuery:
    """What the reservations page lists, from its address: a status or a loan filter, and the page. Nonsense is
    no error: an unknown filter is dropped, and a page number that is none (``0``, ``-1``, ``abc``) shows the
    first page with ``page_ignored`` set, so the page can say so."""

    status: ReservationStatus | None = None
    loans: str = ""  # "all", "on_loan", "overdue", "returned" or "" (not the loans)
    page: int = 1
    page_ignored: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str], loan_filters: tuple[str, ...]) -> OverviewQuery:
        status = args.get("status", "")
        loans = args.get("loans", "")
        written = (args.get("page") or "").strip()
        understood = written.isascii() and written.isdigit() and len(written) <= MAX_PAGE_DIGITS and int(written) > 0
        return cls(status=ReservationStatus(status) if status in ReservationStatus._value2member_map_ else None,
                   loans=loans if loans in ("all", *loan_filters) else "",
                   page=int(written) if understood else 1, page_ignored=bool(written) and not understood)

    def link_args(self, view: str, page: int = 1) -> dict[str, Any]:
        """The address's arguments for ``page`` of this list in tab ``view``: tab and filters are kept."""
        args = {"view": view, "loans": self.loans or None,
                "status": self.status.value if self.status and not self.loans else None,
                "page": page if page > 1 else None}
        return {name: value for name, value in args.items() if value is not None}
