"""Loans: a reservation of a lent item (``Item.offer == "lend"``) that is collected becomes a loan, due back
``loan_days`` later; the borrower may ask to renew, the owner side approves or declines, and the owner side records
the return, in parts if need be, with units lost or damaged beyond use. No reuse event is written (decision 38).

Invariants, as for reservations (the head of ``services``):
- The quantity a loan holds stays out of ``quantity_available`` until it is recorded back; units back are given
  back by ``services._give_back`` (one conditional UPDATE; the waitlist is offered them), units lost leave the
  item's quantity. A return is one conditional UPDATE of the reservation on the amounts it read, so two
  simultaneous returns of the same units record (and restore) them once: the second is refused.
- Reminders are marked sent by a conditional UPDATE before they are sent: repeated or simultaneous ticks send
  each once per due date (an approved renewal sets a new date, which earns new reminders).
Every function takes the acting user explicitly, flushes and never commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import lazyload

from marketplace.accounts import privacy, signals as account_signals
from marketplace.accounts.models import User
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden
from marketplace.listings.models import MAX_LOAN_DAYS, Condition, Item, ItemStatus
from marketplace.listings.permissions import can_manage_item
from marketplace.reservations import notices
from marketplace.reservations.models import LoanReturn, Reservation, ReservationStatus
from marketplace.reservations.permissions import is_owner_side, is_requester
# The reservation's own status and availability helpers: one domain, split only to keep modules short.
from marketplace.reservations.services import (MAX_NOTE, ReservationError, TransitionError, _give_back, _log, _move,
                                               _require_status)

REMIND_BEFORE = timedelta(days=2)  # the borrower is reminded when the loan is due within this
LOAN_STATUSES = (ReservationStatus.ON_LOAN, ReservationStatus.RETURNED)
FILTERS = ("on_loan", "overdue", "returned")  # the loan lists' filters ("" for all loans)


# --- Starting a loan (from the hand-over) ---------------------------------------------------------------

def due_date(reservation: Reservation, now: datetime) -> datetime:
    """When a loan collected ``now`` is due back."""
    return now + timedelta(days=reservation.item.loan_days or 1)


def start(actor: User, reservation: Reservation, now: datetime, *, allowed: tuple[ReservationStatus, ...],
          owner_side_acted: bool) -> None:
    """The hand-over of a lent item: the reservation is on loan until its due date; nothing is completed and no
    reuse event is written. ``allowed``: the statuses the actor's side may confirm a hand-over from."""
    _move(reservation, ReservationStatus.ON_LOAN, *allowed)
    reservation.lent_at = now
    reservation.due_at = due_date(reservation, now)
    reservation.expires_at = None
    db.session.flush()
    _log(actor, reservation, "loan_started", due_at=reservation.due_at.isoformat())
    notices.tell_other_side(reservation, "loan_started", owner_side_acted=owner_side_acted)


# --- Renewing -------------------------------------------------------------------------------------------

def ask_renewal(actor: User, reservation: Reservation, days: int | None, now: datetime | None = None) -> Reservation:
    """The borrower asks to keep the loan ``days`` longer; one request at a time, answered by the owner side."""
    now = now or utcnow()
    if not is_requester(actor, reservation):
        raise Forbidden
    _require_status(reservation, ReservationStatus.ON_LOAN)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_LOAN_DAYS:
        raise ReservationError({"days": _("Give the number of days, from 1 to %(most)d.", most=MAX_LOAN_DAYS)})
    asked = db.session.execute(
        update(Reservation).where(Reservation.id == reservation.id, Reservation.status == ReservationStatus.ON_LOAN,
                                  Reservation.renewal_days.is_(None))
        .values(renewal_days=days, renewal_asked_at=now).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(reservation, ["renewal_days", "renewal_asked_at", "status"])
    if asked != 1:
        _require_status(reservation, ReservationStatus.ON_LOAN)
        raise TransitionError(_("A renewal is already asked for; wait for the answer."))
    _log(actor, reservation, "loan_renewal_asked", days=days)
    notices.tell_owner_side(reservation, "loan_renewal_asked")
    return reservation


def answer_renewal(actor: User, reservation: Reservation, approve: bool, now: datetime | None = None) -> Reservation:
    """The owner side approves (the due date moves ``renewal_days`` on from the later of the due date and now, and
    new reminders will come) or declines the pending renewal."""
    now = now or utcnow()
    if not is_owner_side(actor, reservation):
        raise Forbidden
    _require_status(reservation, ReservationStatus.ON_LOAN)
    days = reservation.renewal_days
    if days is None:
        raise TransitionError(_("No renewal is asked for."))
    values: dict = {"renewal_days": None, "renewal_asked_at": None}
    if approve:
        values |= {"due_at": max(reservation.due_at or now, now) + timedelta(days=days), "due_reminded_at": None,
                   "overdue_reminded_at": None}
    answered = db.session.execute(
        update(Reservation).where(Reservation.id == reservation.id, Reservation.status == ReservationStatus.ON_LOAN,
                                  Reservation.renewal_days == days)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(reservation)
    if answered != 1:
        raise TransitionError(_("Someone else changed this reservation just now. Reload the page."))
    if approve:
        _log(actor, reservation, "loan_renewed", days=days, due_at=reservation.due_at.isoformat())
        notices.tell_requester(reservation, "loan_renewed")
    else:
        _log(actor, reservation, "loan_renewal_declined", days=days)
        notices.tell_requester(reservation, "loan_renewal_declined")
    return reservation


# --- Returning ------------------------------------------------------------------------------------------

def record_return(actor: User, reservation: Reservation, *, quantity: Decimal | None = None,
                  lost: Decimal | None = None, condition: Condition | None = None, note: str = "",
                  now: datetime | None = None) -> LoanReturn:
    """The owner side records what came back (``quantity``; default: all still out, less ``lost``) and what was
    lost or damaged beyond use (``lost``), in what condition (default: the item's). Units back are available
    again; lost units leave the item. When nothing is out any more, the loan is returned. A device that holds
    data needs its erasure recorded again before it is lent again."""
    now = now or utcnow()
    check_may_return(actor, reservation)
    item = reservation.item
    out = reservation.on_loan_quantity
    back, lost = _return_amounts(item, out, quantity, lost)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ReservationError({"note": _("The note can be at most %(count)d characters.", count=MAX_NOTE)})
    finished = back + lost == out
    values: dict = {"quantity_returned": reservation.quantity_returned + back,
                    "quantity_lost": reservation.quantity_lost + lost}
    if finished:
        values |= {"status": ReservationStatus.RETURNED, "returned_at": now, "closed_at": now,
                   "renewal_days": None, "renewal_asked_at": None}
    recorded = db.session.execute(
        update(Reservation).where(Reservation.id == reservation.id, Reservation.status == ReservationStatus.ON_LOAN,
                                  Reservation.quantity_returned == reservation.quantity_returned,
                                  Reservation.quantity_lost == reservation.quantity_lost)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(reservation)
    if recorded != 1:
        raise TransitionError(_("Someone else recorded a return of this loan just now. Reload the page."))
    entry = LoanReturn(reservation_id=reservation.id, quantity_back=back, quantity_lost=lost,
                       condition=Condition(condition or item.condition), note=note, recorded_by_id=actor.id, recorded_at=now)
    db.session.add(entry)
    if lost:
        _remove_lost(item, lost, now)
    if back:
        if condition is not None:
            item.condition = condition
        if item.category.holds_data and item.erasure_recorded_at is not None:
            # Back from a borrower: its data must be erased (and recorded) again before the next loan.
            item.erasure_recorded_at = item.erasure_recorded_by_id = item.erasure_certificate = None
        _give_back(item, back, now)
    db.session.flush()
    _log(actor, reservation, "loan_returned" if finished else "loan_partly_returned", item_id=item.id,
         quantity_back=str(back), quantity_lost=str(lost), condition=entry.condition.value)
    notices.tell_requester(reservation, "loan_returned" if finished else "loan_partly_returned")
    return entry


def check_may_return(actor: User, reservation: Reservation) -> None:
    """Forbidden unless the actor is on the owner side; TransitionError unless the reservation is on loan."""
    if not is_owner_side(actor, reservation):
        raise Forbidden
    _require_status(reservation, ReservationStatus.ON_LOAN)


def _return_amounts(item: Item, out: Decimal, quantity: Decimal | None, lost: Decimal | None
                    ) -> tuple[Decimal, Decimal]:
    unit = item.category.unit
    lost = Decimal(0) if lost in (None, "") else lost
    if lost and (problem := unit.quantity_problem(lost)):
        raise ReservationError({"lost": problem})
    if lost < 0:
        raise ReservationError({"lost": _("The quantity must be more than zero.")})
    back = out - lost if quantity is None else quantity
    if back and (problem := unit.quantity_problem(back)):
        raise ReservationError({"quantity": problem})
    if back < 0 or back + lost > out:
        raise ReservationError({"quantity": _("At most %(count)s are still on loan.", count=_plain(out))})
    if back + lost <= 0:
        raise ReservationError({"quantity": _("Record at least one unit back or lost.")})
    return back, lost


def _remove_lost(item: Item, lost: Decimal, now: datetime) -> None:
    """Lost units leave the item (they were never available, so its availability stays). If every unit is lost,
    the listing is withdrawn instead: an item always has a quantity."""
    removed = db.session.execute(
        update(Item).where(Item.id == item.id, Item.quantity > lost).values(quantity=Item.quantity - lost)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(item, ["quantity", "quantity_available", "status"])
    if not removed and item.status == ItemStatus.PUBLISHED:
        item.status = ItemStatus.WITHDRAWN
        item.closed_at = now


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def returns_of(reservation: Reservation) -> list[LoanReturn]:
    return list(db.session.scalars(select(LoanReturn).where(LoanReturn.reservation_id == reservation.id)
                                   .order_by(LoanReturn.recorded_at, LoanReturn.id)))


# --- Reminders (tick) -----------------------------------------------------------------------------------

def remind_loans(now: datetime | None = None) -> int:
    """For `tick`: tell the borrower once when a loan is due within REMIND_BEFORE, and once when it is overdue
    (the owner side too, then). Returns the number of reminders sent."""
    now = now or utcnow()
    sent = 0
    on_loan = Reservation.status == ReservationStatus.ON_LOAN
    due_soon = list(db.session.scalars(select(Reservation).where(
        on_loan, Reservation.due_reminded_at.is_(None), Reservation.due_at >= now,
        Reservation.due_at < now + REMIND_BEFORE).order_by(Reservation.id)))
    for reservation in due_soon:
        if _mark(reservation, Reservation.due_reminded_at, now):
            notices.tell_requester(reservation, "loan_due_soon")
            sent += 1
    overdue = list(db.session.scalars(select(Reservation).where(
        on_loan, Reservation.overdue_reminded_at.is_(None), Reservation.due_at < now).order_by(Reservation.id)))
    for reservation in overdue:
        if _mark(reservation, Reservation.overdue_reminded_at, now):
            notices.tell_requester(reservation, "loan_overdue")
            notices.tell_owner_side(reservation, "loan_overdue_lender")
            sent += 1
    db.session.flush()
    return sent


def _mark(reservation: Reservation, column, now: datetime) -> bool:
    """Mark the reminder sent, unless another tick did it first."""
    return db.session.execute(
        update(Reservation).where(Reservation.id == reservation.id, column.is_(None),
                                  Reservation.status == ReservationStatus.ON_LOAN)
        .values({column.key: now}).execution_options(synchronize_session=False)).rowcount == 1


# --- Lists ----------------------------------------------------------------------------------------------

def filtered(query, loan_filter: str, now: datetime):
    """``query`` narrowed to the loans of ``loan_filter`` ("" for all loans)."""
    if loan_filter == "on_loan":
        return query.where(Reservation.status == ReservationStatus.ON_LOAN)
    if loan_filter == "overdue":
        return query.where(Reservation.status == ReservationStatus.ON_LOAN, Reservation.due_at < now)
    if loan_filter == "returned":
        return query.where(Reservation.status == ReservationStatus.RETURNED)
    return query.where(Reservation.status.in_(LOAN_STATUSES))


def history_of_item(user: User, item: Item) -> list[tuple[Reservation, list[LoanReturn]]]:
    """The item's loans with their returns, newest first (the owner side's item page); empty for others."""
    if not can_manage_item(user, item):
        return []
    loans = list(db.session.scalars(select(Reservation).where(
        Reservation.item_id == item.id, Reservation.status.in_(LOAN_STATUSES))
        .options(lazyload(Reservation.item))  # the page's own item, in the session already
        .order_by(Reservation.due_at.desc(), Reservation.id.desc())))
    returns: dict[int, list[LoanReturn]] = {loan.id: [] for loan in loans}
    if loans:
        for entry in db.session.scalars(select(LoanReturn).where(LoanReturn.reservation_id.in_(list(returns)))
                                        .order_by(LoanReturn.recorded_at, LoanReturn.id)):
            returns[entry.reservation_id].append(entry)
    return [(loan, returns[loan.id]) for loan in loans]


# --- Personal data --------------------------------------------------------------------------------------

@account_signals.personal_data_collecting.connect
def _personal_loans(user: User) -> dict[str, list]:
    loans = db.session.scalars(select(Reservation).where(
        Reservation.requester_id == user.id, or_(Reservation.status.in_(LOAN_STATUSES), Reservation.due_at.is_not(None)))
        .order_by(Reservation.id))
    recorded = db.session.scalars(select(LoanReturn).where(LoanReturn.recorded_by_id == user.id)
                                  .order_by(LoanReturn.id))
    return {
        "loans": [{"reservation": r.id, "item": r.item.title, "quantity": str(r.quantity), "status": r.status.value,
                   "due_at": privacy.when(r.due_at), "returned_at": privacy.when(r.returned_at),
                   "quantity_returned": str(r.quantity_returned), "quantity_lost": str(r.quantity_lost)}
                  for r in loans],
        "loan_returns_recorded": [{"reservation": e.reservation_id, "quantity_back": str(e.quantity_back),
                                   "quantity_lost": str(e.quantity_lost), "condition": e.condition.value,
                                   "note": e.note, "at": privacy.when(e.recorded_at)} for e in recorded],
    }


@account_signals.personal_data_erasing.connect
def _erase_loan_notes(user: User) -> None:
    """The notes the person wrote on returns go, as their messages do; the returns' quantities stay (the item's
    history), no longer naming who recorded them."""
    db.session.execute(update(LoanReturn).where(LoanReturn.recorded_by_id == user.id, LoanReturn.note != "")
                       .values(note=_("[deleted]")))
    db.session.execute(update(LoanReturn).where(LoanReturn.recorded_by_id == user.id).values(recorded_by_id=None))
