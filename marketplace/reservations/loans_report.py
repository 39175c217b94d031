"""Loans in the climate report, apart from reuse: how many loans started in the period and the item-days lent
within it, for the scope as lender and as borrower. A loan earns no CO2e, waste or money credit (decision 38):
these are activity figures, not savings.

Item-days: each unit counts from the hand-over until it came back or was recorded lost (or until now while it
is out), clipped to the period (Norwegian dates, both ends included), in days with one decimal. Lendable items
are counted in whole pieces or sets, so the sum is of things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from marketplace.db import db, utcnow
from marketplace.i18n import OSLO
from marketplace.impact.document import Appendix
from marketplace.impact.report import Report
from marketplace.impact.scopes import Scope
from marketplace.impact.signals import report_appendices
from marketplace.listings.models import Item
from marketplace.organisations.models import network_members
from marketplace.reservations.models import LoanReturn, Reservation

DAY = Decimal(86400)


@dataclass
class LoanFigures:
    lent_started: int = 0
    lent_item_days: Decimal = Decimal(0)
    borrowed_started: int = 0
    borrowed_item_days: Decimal = Decimal(0)
    lost: Decimal = Decimal(0)  # units recorded lost or damaged on loans lent, in the period


def _in(scope: Scope, organisation, unit) -> ColumnElement[bool]:
    if scope.kind == "site":
        return true()
    if scope.kind == "network":
        return organisation.in_(select(network_members.c.organisation_id).where(network_members.c.network_id == scope.id))
    if scope.kind in ("municipality", "partner"):
        return organisation == scope.id
    if scope.kind == "unit":
        return unit == scope.id
    return false()


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OSLO).astimezone(timezone.utc)


def build(scope: Scope, start: date, end: date, now: datetime | None = None) -> LoanFigures:
    """Two queries, whatever the number of loans: the loans that overlap the period, and their returns."""
    now = now or utcnow()
    begin, finish = _utc_start(start), min(_utc_start(end + timedelta(days=1)), now)
    lent = _in(scope, Reservation.municipality_id, Item.unit_id)
    borrowed = _in(scope, Reservation.requester_organisation_id, Reservation.requester_unit_id)
    rows = db.session.execute(
        select(Reservation.id, Reservation.quantity, Reservation.lent_at, Reservation.returned_at,
               lent.label("lent"), borrowed.label("borrowed"))
        .join(Item, Item.id == Reservation.item_id)
        .where(Reservation.lent_at.is_not(None), Reservation.lent_at < finish,
               or_(Reservation.returned_at.is_(None), Reservation.returned_at >= begin), or_(lent, borrowed))).all()
    returns: dict[int, list[tuple[datetime, Decimal]]] = {row.id: [] for row in rows}
    if rows:
        for reservation_id, at, back, lost in db.session.execute(
                select(LoanReturn.reservation_id, LoanReturn.recorded_at, LoanReturn.quantity_back,
                       LoanReturn.quantity_lost).where(LoanReturn.reservation_id.in_(list(returns)))
                .order_by(LoanReturn.recorded_at, LoanReturn.id)):
            returns[reservation_id].append((at, back + lost))
    figures = LoanFigures()
    for row in rows:
        started = begin <= row.lent_at < finish
        days = _item_days(row.quantity, row.lent_at, returns[row.id], begin, finish)
        if row.lent:
            figures.lent_started += started
            figures.lent_item_days += days
        if row.borrowed:
            figures.borrowed_started += started
            figures.borrowed_item_days += days
    lost = db.session.execute(
        select(LoanReturn.quantity_lost).join(Reservation, Reservation.id == LoanReturn.reservation_id)
        .join(Item, Item.id == Reservation.item_id)
        .where(lent, LoanReturn.recorded_at >= begin, LoanReturn.recorded_at < finish,
               LoanReturn.quantity_lost > 0)).scalars().all()
    figures.lost = sum(lost, Decimal(0))
    return figures


def _item_days(quantity: Decimal, lent_at: datetime, returns: list[tuple[datetime, Decimal]], begin: datetime,
               finish: datetime) -> Decimal:
    """Units × days out, within [begin, finish): the units out fall at each return."""
    total, out, since = Decimal(0), quantity, lent_at
    for at, leaving in [*returns, (finish, Decimal(0))]:
        low, high = max(since, begin), min(at, finish)
        if high > low:
            total += out * Decimal((high - low).total_seconds()) / DAY
        out, since = out - leaving, at
        if out <= 0 or since >= finish:
            break
    return total.quantize(Decimal("0.1"))


def lines(figures: LoanFigures) -> list[tuple[str, Decimal | int | None, str]]:
    return [
        (_("Loans started, lent out"), figures.lent_started, "count"),
        (_("Item-days lent out"), figures.lent_item_days, "quantity"),
        (_("Loans started, borrowed"), figures.borrowed_started, "count"),
        (_("Item-days borrowed"), figures.borrowed_item_days, "quantity"),
        (_("Units lost or damaged on loan"), figures.lost, "quantity"),
    ]


def as_json(figures: LoanFigures) -> dict:
    return {"lent_started": figures.lent_started, "lent_item_days": figures.lent_item_days,
            "borrowed_started": figures.borrowed_started, "borrowed_item_days": figures.borrowed_item_days,
            "units_lost": figures.lost, "co2e_kg": Decimal(0)}


@report_appendices.connect
def loans_appendix(report: Report) -> Appendix:
    """Loans as a part of the climate report for the same scope and period, apart from reuse."""
    figures = build(report.scope, report.start, report.end)
    return Appendix(key="loans", title=_("Loans (not counted as reuse)"), lines=lines(figures),
                    figures=as_json(figures), template="reservations/_report_section.html")
