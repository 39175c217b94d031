"""The hand-over: confirming it (which writes the reuse event) and reversing it.

A wrong hand-over is reversed in one of two ways, decided here and nowhere else (the page, the API and the
command all call ``reverse_hand_over``):
- an *undo*, within UNDO_WINDOW of the event's recording, by whoever confirmed it or by the owner side: the event
  is reversed and the reservation is approved again (its quantity still held), so the real hand-over can be
  confirmed later;
- a *correction*, by an administrator of the giving or the receiving side (or of the site): the event is
  reversed and the reservation is marked corrected; the quantities stay as they are.
Either way the reversing event counts in the period of the event it reverses (``ledger.reverse``).
Every function takes the acting user explicitly, flushes and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role
from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from marketplace.impact import ledger
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Item, ItemStatus
from marketplace.organisations.models import Organisation
from marketplace.reservations import loans, notices
from marketplace.reservations.models import Reservation, ReservationStatus
from marketplace.reservations.signals import reservation_closed
from marketplace.reservations.permissions import (can_correct_hand_over, can_see_hand_over, is_owner_side,
                                                  is_requester)
# The reservation's own status and availability helpers: one domain, split only to keep modules short.
from marketplace.reservations.services import (MAX_NOTE, ReservationError, TransitionError, _has_open_reservations,
                                               _log, _move, _pickup_deadline, _require_status)

UNDO_WINDOW = timedelta(hours=24)
Reversal = Literal["undo", "correction"]


@dataclass(frozen=True)
class Preview:
    """What confirming the hand-over would record, shown before anything is: the reuse event with its figures,
    computed by the ledger's own formula but not added, and whether the owner side is recording a hand-over
    that already happened before it answered the reservation."""

    reservation: Reservation
    event: ReuseEvent | None  # None for a loan: it writes no reuse event
    already_happened: bool
    due_at: datetime | None = None  # when a loan started now would be due back


def preview(actor: User, reservation: Reservation, now: datetime | None = None,
            **costs: Decimal | str | None) -> Preview:
    """What ``collect`` would record now with ``costs``, with the same checks (Forbidden, TransitionError,
    ReservationError for costs that break a rule); changes nothing."""
    now = now or utcnow()
    owner = _may_collect(actor, reservation)
    already_happened = reservation.status == ReservationStatus.REQUESTED and owner
    if reservation.item.lent:
        _no_costs_for_a_loan(costs)
        return Preview(reservation, None, already_happened, due_at=loans.due_date(reservation, now))
    hand_over = _hand_over(reservation, costs)
    try:
        event = ledger.estimate(hand_over, now)
    except ledger.LedgerError as error:
        raise ReservationError(error.errors) from error
    return Preview(reservation, event, already_happened)


def collect(actor: User, reservation: Reservation, now: datetime | None = None,
            **costs: Decimal | str | None) -> ReuseEvent | None:
    """Confirm the hand-over (either side once approved; the owner side may also record one that happened while
    it was still unanswered) with ``costs``: ledger.HandOver's cost fields, each for the whole hand-over. Writes
    the reuse event; completes the item when all is gone. Costs that break a rule are a ReservationError, nothing
    done. The pages show ``preview`` first; the API calls this at once. A lent item's hand-over starts a loan
    instead (``loans.start``): no reuse event, None returned, and no costs taken."""
    owner = _may_collect(actor, reservation)
    event = _record(actor, reservation, now or utcnow(), costs, _collectable(owner), by_transport=False,
                    owner_side_acted=owner)
    if event is not None:  # a loan's start tells the other side itself
        notices.tell_other_side(reservation, "reservation_collected", owner_side_acted=owner)
    return event


def collect_for_transport(coordinator: User, reservation: Reservation, now: datetime | None = None,
                          **costs: Decimal | str | None) -> ReuseEvent | None:
    """The hand-over confirmed by a transport's delivery, on the owner side's behalf (from requested or approved,
    as the owner side may): only for the transport service, after its own check that ``coordinator`` runs the
    giving municipality's transport. A transport coordinator (or a municipal admin) of the item's municipality
    only, Forbidden for anybody else, so no other caller gains a way round ``collect``'s sides. The transport
    tells both sides of the delivery itself. A lent item's delivery starts the loan (None): the distance and
    vehicle, checked as the ledger checks them, stay on the transport request."""
    if not has_organisation_role(coordinator, reservation.item.municipality, Role.TRANSPORT_COORDINATOR):
        raise Forbidden
    _require_status(reservation, *_collectable(True))
    return _record(coordinator, reservation, now or utcnow(), costs, _collectable(True), by_transport=True,
                   owner_side_acted=True)


def _record(actor: User, reservation: Reservation, now: datetime, costs: dict,
            allowed: tuple[ReservationStatus, ...], *, by_transport: bool, owner_side_acted: bool) -> ReuseEvent | None:
    if reservation.item.lent and not by_transport:
        _no_costs_for_a_loan(costs)
    hand_over = _hand_over(reservation, costs)
    try:
        ledger.check_costs(hand_over)
    except ledger.LedgerError as error:
        raise ReservationError(error.errors) from error
    if reservation.item.lent:
        loans.start(actor, reservation, now, allowed=allowed, owner_side_acted=owner_side_acted)
        reservation_closed.send(reservation, event=None, handed_over=True, by_transport=by_transport)
        return None
    # The conditional UPDATE of the reservation comes first: of two simultaneous hand-overs (by hand and by a
    # delivery) exactly one gets past it; the other is a TransitionError and writes nothing.
    _move(reservation, ReservationStatus.COLLECTED, *allowed)
    reservation.closed_at = now
    reservation.expires_at = None
    event = ledger.record(hand_over, now)
    item = reservation.item
    if item.quantity_available == 0 and not _has_open_reservations(item):
        item.status = ItemStatus.COMPLETED
        item.closed_at = now
    db.session.flush()
    _log(actor, reservation, "reservation_collected", reuse_event_id=event.id)
    reservation_closed.send(reservation, event=event, handed_over=True, by_transport=by_transport)
    return event


def _no_costs_for_a_loan(costs: dict) -> None:
    given = [name for name, value in costs.items() if value not in (None, "")]
    if given:
        raise ReservationError({given[0]: _("A loan records no hand-over costs: nothing changes owner.")})


# A hand-over, or a loan's start, has been recorded for a reservation in these statuses.
HANDED_OVER = (ReservationStatus.COLLECTED, ReservationStatus.ON_LOAN, ReservationStatus.RETURNED)


def collect_once(actor: User, reservation: Reservation, now: datetime | None = None,
                 **costs: Decimal | str | None) -> bool:
    """``collect`` for the pages: True when this call recorded the hand-over (or started the loan); False when
    it was recorded already (a second tap, a second phone at the same label), which is not an error for either
    side. Nothing is recorded twice: ``collect``'s conditional UPDATE lets one of two simultaneous
    confirmations through."""
    if already_recorded(actor, reservation):
        return False
    try:
        collect(actor, reservation, now, **costs)
    except TransitionError:
        if reservation.status in HANDED_OVER:  # refreshed by the refused move: the other confirmation won
            return False
        raise
    return True


def already_recorded(actor: User, reservation: Reservation) -> bool:
    """Whether the hand-over the actor (either side; Forbidden for others) came to confirm is recorded."""
    if not is_owner_side(actor, reservation) and not is_requester(actor, reservation):
        raise Forbidden
    return reservation.status in HANDED_OVER


def _collectable(owner: bool) -> tuple[ReservationStatus, ...]:
    """The statuses a hand-over may be confirmed from: approved, or for the owner side also still unanswered."""
    return (ReservationStatus.REQUESTED, ReservationStatus.APPROVED) if owner else (ReservationStatus.APPROVED,)


def _may_collect(actor: User, reservation: Reservation) -> bool:
    """Whether the actor is on the owner side; Forbidden for neither side, TransitionError for a status the
    actor's side may not confirm a hand-over from (the requester before approval)."""
    owner = is_owner_side(actor, reservation)
    if not owner and not is_requester(actor, reservation):
        raise Forbidden
    _require_status(reservation, *_collectable(owner))
    return owner


def _hand_over(reservation: Reservation, costs: dict) -> ledger.HandOver:
    return ledger.HandOver(
        item=reservation.item, quantity=reservation.quantity, receiver=reservation.requester_organisation,
        receiver_unit_id=reservation.requester_unit_id, would_buy_new=reservation.would_buy_new.value,
        reservation_id=reservation.id, **costs)


# --- Reversing a hand-over ------------------------------------------------------------------------------

def find_reuse_event(user: User, event_id: int) -> ReuseEvent:
    """An event of a hand-over the user's organisation gave or received (any event, for a site admin);
    NotVisible otherwise, as for none."""
    event = db.session.get(ReuseEvent, event_id)
    if event is None or not can_see_hand_over(user, *_sides(event)):
        raise NotVisible
    return event


def confirmer_id(event: ReuseEvent) -> int | None:
    """Who confirmed the hand-over: the actor of its audit record (the event itself names no people, and the
    audit forgets the actor when the person is erased)."""
    return db.session.scalar(select(AuditEvent.actor_id).where(
        AuditEvent.action == "reservation_collected", AuditEvent.municipality_id == event.giver_municipality_id,
        AuditEvent.details["reuse_event_id"].as_integer() == event.id).limit(1))


def may_correct(user: User, giver_id: int, receiver_id: int) -> bool:
    """Whether ``user`` may correct hand-overs between these two organisations (the ledger view offers it; the
    reversal page decides again, undo included)."""
    return can_correct_hand_over(user, db.session.get(Organisation, giver_id), db.session.get(Organisation, receiver_id))


def reversal_kind(user: User, event: ReuseEvent, now: datetime | None = None) -> Reversal | None:
    """How ``user`` may reverse the event now: "undo", "correction", or None (not at all, or not any more)."""
    if event.reverses_event_id is not None or ledger.is_reversed(event):
        return None
    return _kind(user, event, now or utcnow())


def allowed_reversal(user: User, event: ReuseEvent, now: datetime | None = None) -> Reversal:
    """How ``user`` may reverse the event now; CorrectionRefused (409) for a correction or an event reversed
    already, Forbidden for a user who may neither undo nor correct it."""
    if event.reverses_event_id is not None:
        raise ledger.CorrectionRefused(_("A correction cannot itself be reversed."))
    if ledger.is_reversed(event):
        raise ledger.CorrectionRefused(_("This hand-over has already been reversed."))
    kind = _kind(user, event, now or utcnow())
    if kind is None:
        raise Forbidden
    return kind


def reverse_hand_over(actor: User, event: ReuseEvent, reason: str, now: datetime | None = None) -> ReuseEvent:
    """Undo or correct the hand-over of ``event`` (see the module), with the actor's reason; returns the
    reversing event. CorrectionRefused (409) for a correction or an event reversed already, Forbidden for an
    actor who may do neither, ReservationError for a missing or too long reason; nothing is done then."""
    now = now or utcnow()
    kind = allowed_reversal(actor, event, now)
    reason = (reason or "").strip()
    if not reason:
        raise ReservationError({"reason": _("Say why the hand-over is reversed.")})
    if len(reason) > MAX_NOTE:
        raise ReservationError({"reason": _("The reason can be at most %(count)d characters.", count=MAX_NOTE)})
    reservation = _reservation(event)
    if reservation is not None:
        # The reservation first: its conditional UPDATE lets one of two simultaneous reversals through.
        if kind == "undo":
            _reopen(reservation, now)
        else:
            _move(reservation, ReservationStatus.CORRECTED, ReservationStatus.COLLECTED)
    reversal = ledger.reverse(actor, event, reason, now, kind=kind)
    if reservation is not None:
        db.session.flush()
        notices.tell_other_side(reservation, f"hand_over_{'undone' if kind == 'undo' else 'corrected'}",
                                owner_side_acted=is_owner_side(actor, reservation))
    return reversal


def item_of(event: ReuseEvent) -> Item:
    return db.session.get(Item, event.item_id)


def reversals(reservation: Reservation) -> list[ReuseEvent]:
    """The reversing events of the reservation's hand-overs, oldest first (what its page shows)."""
    return list(db.session.scalars(select(ReuseEvent).where(
        ReuseEvent.reservation_id == reservation.id, ReuseEvent.reverses_event_id.is_not(None))
        .order_by(ReuseEvent.id)))


def last_event(reservation: Reservation) -> ReuseEvent | None:
    """The reservation's latest hand-over (not a reversal): the one its page offers to undo or correct."""
    return db.session.scalar(select(ReuseEvent).where(
        ReuseEvent.reservation_id == reservation.id, ReuseEvent.reverses_event_id.is_(None))
        .order_by(ReuseEvent.id.desc()).limit(1))


def _kind(user: User, event: ReuseEvent, now: datetime) -> Reversal | None:
    reservation = _reservation(event)
    if (reservation is not None and now - event.recorded_at <= UNDO_WINDOW
            and (is_owner_side(user, reservation)
                 or (getattr(user, "id", None) is not None and confirmer_id(event) == user.id))):
        return "undo"
    if can_correct_hand_over(user, *_sides(event)):
        return "correction"
    return None


def _reservation(event: ReuseEvent) -> Reservation | None:
    """The reservation the event's hand-over closed, if it is still collected by this event."""
    if event.reservation_id is None:
        return None
    reservation = db.session.get(Reservation, event.reservation_id)
    return reservation if reservation is not None and reservation.status == ReservationStatus.COLLECTED else None


def _reopen(reservation: Reservation, now: datetime) -> None:
    """Approved again, with a fresh pickup deadline as an approval gives, the quantity still held; the item
    published again if the hand-over had completed it."""
    _move(reservation, ReservationStatus.APPROVED, ReservationStatus.COLLECTED)
    reservation.closed_at = None
    reservation.expires_at = _pickup_deadline(reservation, now)
    item = reservation.item
    if item.status == ItemStatus.COMPLETED:
        item.status = ItemStatus.PUBLISHED
        item.closed_at = None


def _sides(event: ReuseEvent) -> tuple[Organisation | None, Organisation | None]:
    return (db.session.get(Organisation, event.giver_municipality_id),
            db.session.get(Organisation, event.receiver_organisation_id))
