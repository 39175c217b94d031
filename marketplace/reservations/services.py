"""Reservations: hold a quantity at once, answer, and the waitlist (agreeing the pickup time is ``pickup``'s;
the hand-over itself, and its undoing, are ``handover``'s).

Availability only ever changes through ``_take`` and ``_give_back``: one conditional UPDATE each, so two
requests can never both take the last chair, on SQLite (whose writers queue) or PostgreSQL (whose row lock
re-checks the condition). A CHECK constraint on items refuses a negative availability as the last guard.
Every function takes the acting user explicitly, flushes and never commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import defaultload, joinedload, lazyload, load_only

from marketplace.accounts import privacy
from marketplace.accounts import signals as account_signals
from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.listings import services as listings
from marketplace.listings.models import Item, ItemStatus
from marketplace.listings.permissions import can_manage_item
from marketplace.notifications import services as notifications
from marketplace.organisations.models import Municipality
from marketplace.reservations import notices
from marketplace.reservations.forms import STATUS_LABELS
from marketplace.reservations.models import (
    PickupSide,
    Reservation,
    ReservationMessage,
    ReservationStatus,
    WaitlistEntry,
    WaitlistStatus,
    WouldBuyNew,
)
from marketplace.reservations.permissions import can_see_reservation, is_owner_side, is_requester
from marketplace.reservations.signals import reservation_closed

MAX_NOTE = 2000
PICKUP_WINDOW_DAYS = 14  # an approval without an agreed pickup time is kept this long (plus the grace days)


class ReservationError(ValueError):
    """Input that breaks a rule; ``errors`` maps a field to a message fit to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class InsufficientQuantity(Conflict):
    """Less is available than was asked for (409 insufficient_quantity)."""

    code = "insufficient_quantity"


class TransitionError(Conflict):
    """The reservation's status does not allow this (409)."""


# A reservation is read with its item, people and organisations (joined), but not the item's photos or the
# requester's memberships, which few of its steps use: those are read when first used.
_FOUND = (defaultload(Reservation.item).lazyload(Item.photos),
          defaultload(Reservation.requester).lazyload(User.memberships))


def find_reservation(user: User, reservation_id: int) -> Reservation:
    reservation = db.session.get(Reservation, reservation_id, options=_FOUND)
    if reservation is None or not can_see_reservation(user, reservation):
        raise NotVisible
    return reservation


def find_waitlist_entry(user: User, entry_id: int) -> WaitlistEntry:
    """The user's own place on a waitlist; NotVisible for anybody else's, or none."""
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.user_id != getattr(user, "id", None):
        raise NotVisible
    return entry


def history(reservation: Reservation) -> list[AuditEvent]:
    """What happened to the reservation, oldest first (its audit events)."""
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.municipality_id == reservation.municipality_id,
        AuditEvent.details["reservation_id"].as_integer() == reservation.id,
    ).order_by(AuditEvent.at, AuditEvent.id)))


# The home page's short list, built once (building it anew cost more than running it).
_LATEST_OF_MINE = (select(Reservation).where(Reservation.requester_id == bindparam("user_id"),
                                             Reservation.status.in_(bindparam("statuses", expanding=True)))
                   .options(load_only(Reservation.id, Reservation.status, Reservation.item_id), lazyload("*"),
                            joinedload(Reservation.item).load_only(Item.title).lazyload("*"))
                   .order_by(Reservation.created_at.desc(), Reservation.id.desc()).limit(bindparam("limit")))


def latest_of_mine(user: User, statuses: list[ReservationStatus], limit: int) -> list[Reservation]:
    """The user's newest reservations in these statuses with their items' titles, for a short list (the home
    page): their ids, statuses and items' titles alone (a reservation with its item is 82 columns)."""
    return list(db.session.scalars(_LATEST_OF_MINE, {"user_id": user.id, "statuses": statuses, "limit": limit}))


def own_reservations(user: User) -> Select[tuple[Reservation]]:
    """The query of the user's own reservations (those they asked for)."""
    return select(Reservation).where(Reservation.requester_id == user.id)


def incoming_reservations(user: User) -> Select[tuple[Reservation]] | None:
    """The query of the reservations of the items of the user's municipality, if the user handles them; None
    otherwise (deny by default)."""
    municipality = _handled_municipality(user)
    return None if municipality is None else select(Reservation).where(Reservation.municipality_id == municipality.id)


def _handled_municipality(user: User) -> Municipality | None:
    """The municipality whose items' reservations ``user`` handles (its caretakers do), or None."""
    municipality = user.municipality
    if municipality is None or not has_organisation_role(user, municipality, Role.CARETAKER):
        return None
    return municipality


# The home page's "waiting for an answer", built once.
_INCOMING_COUNT = select(func.count(Reservation.id)).where(
    Reservation.municipality_id == bindparam("municipality_id"),
    Reservation.status.in_(bindparam("statuses", expanding=True)))


def count_incoming_reservations(user: User, statuses: list[ReservationStatus] | None = None) -> int:
    """How many ``incoming_reservations`` there are in ``statuses`` (all: None), counted in SQL (the home page's
    "waiting for an answer")."""
    municipality = _handled_municipality(user)
    if municipality is None:
        return 0
    return db.read(_INCOMING_COUNT, {"municipality_id": municipality.id,
                                     "statuses": statuses or list(ReservationStatus)}).scalar() or 0


def reservations_of_item(user: User, item: Item) -> list[Reservation]:
    if not can_manage_item(user, item):
        return []
    # The item is the one the page shows, in the session already: its 105 columns are not read again.
    return list(db.session.scalars(select(Reservation).where(Reservation.item_id == item.id)
                                   .options(lazyload(Reservation.item)).order_by(Reservation.created_at.desc())))


# --- Availability ---------------------------------------------------------------------------------------

def _take(item: Item, quantity: Decimal) -> None:
    """Hold ``quantity`` of a published item, or raise InsufficientQuantity. One conditional UPDATE."""
    taken = db.session.execute(
        update(Item)
        .where(Item.id == item.id, Item.status == ItemStatus.PUBLISHED, Item.quantity_available >= quantity)
        .values(quantity_available=Item.quantity_available - quantity)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise InsufficientQuantity(_("Not enough is available any more. Reload the page to see what is left."))
    db.session.refresh(item, ["quantity_available"])


def _give_back(item: Item, quantity: Decimal, now: datetime) -> None:
    db.session.execute(
        update(Item).where(Item.id == item.id)
        .values(quantity_available=Item.quantity_available + quantity)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(item, ["quantity_available"])
    _offer_to_waitlist(item, now)


def _validate_quantity(item: Item, quantity: Decimal | None) -> Decimal:
    if problem := item.category.unit.quantity_problem(quantity):
        raise ReservationError({"quantity": problem})
    if quantity > item.quantity:
        raise InsufficientQuantity(_("That is more than the listing has."))
    return quantity


# --- The life of a reservation --------------------------------------------------------------------------

def reserve(
    actor: User,
    item_id: int,
    quantity: Decimal,
    *,
    would_buy_new: WouldBuyNew,
    note: str = "",
    wished_pickup_at: datetime | None = None,
    held_until: datetime | None = None,
    now: datetime | None = None,
) -> Reservation:
    """Hold ``quantity`` of an item the actor can see, for the actor's unit, and tell the owner side. A hold
    ``held_until`` a date (a building project's) does not lapse before it."""
    now = now or utcnow()
    item = listings.find_visible_item(actor, item_id, now)
    if item is None:
        raise NotVisible
    organisation = actor.organisation
    if organisation is None:
        raise Forbidden
    if item.created_by_id == actor.id:
        raise ReservationError({"quantity": _("You listed this item yourself.")})
    if item.status != ItemStatus.PUBLISHED:
        raise TransitionError(_("Only published listings can be reserved."))
    quantity = _validate_quantity(item, quantity)
    if len(note or "") > MAX_NOTE:
        raise ReservationError({"note": _("The note can be at most %(count)d characters.", count=MAX_NOTE)})
    offer = _open_offer(actor, item, now)
    if offer is not None and quantity <= offer.offered_quantity:
        # The quantity kept for this person by a waitlist offer is theirs already; what they leave goes back.
        leftover = offer.offered_quantity - quantity
        offer.status = WaitlistStatus.RESERVED
        if leftover:
            _give_back(item, leftover, now)
    else:
        _take(item, quantity)
    reservation = Reservation(
        item=item, municipality_id=item.municipality_id, requester_id=actor.id,
        requester_organisation_id=organisation.id, requester_unit_id=actor.unit.id if actor.unit else None,
        quantity=quantity, would_buy_new=would_buy_new, note=(note or "").strip(), wished_pickup_at=wished_pickup_at,
        expires_at=max(now + timedelta(days=item.municipality.hold_days), held_until or now), created_at=now,
        held_until=held_until,
    )
    db.session.add(reservation)
    db.session.flush()
    audit.record("reservation_requested", actor=actor, municipality_id=item.municipality_id,
                 reservation_id=reservation.id, item_id=item.id, quantity=str(quantity))
    notices.tell_owner_side(reservation, "reservation_requested")
    return reservation


def approve(actor: User, reservation: Reservation, *, pickup_at: datetime | None = None,
            now: datetime | None = None) -> Reservation:
    now = now or utcnow()
    _require_owner_side(actor, reservation)
    _move(reservation, ReservationStatus.APPROVED, ReservationStatus.REQUESTED)
    reservation.decided_at = now
    if pickup_at is not None:
        reservation.pickup_at = pickup_at
        reservation.pickup_confirmed = True
        reservation.pickup_proposed_by = PickupSide.OWNER
    reservation.expires_at = _pickup_deadline(reservation, now)
    db.session.flush()
    _log(actor, reservation, "reservation_approved")
    notices.tell_requester(reservation, "reservation_approved")
    return reservation


def reject(actor: User, reservation: Reservation, reason: str, now: datetime | None = None) -> Reservation:
    now = now or utcnow()
    _require_owner_side(actor, reservation)
    reason = (reason or "").strip()
    if not reason:
        raise ReservationError({"reason": _("Say why, so the requester understands.")})
    _close(reservation, ReservationStatus.REJECTED, now, reason[:MAX_NOTE])
    _log(actor, reservation, "reservation_rejected")
    notices.tell_requester(reservation, "reservation_rejected")
    return reservation


def cancel(actor: User, reservation: Reservation, reason: str = "", now: datetime | None = None) -> Reservation:
    """The requester withdraws; the quantity is released at once."""
    now = now or utcnow()
    if not is_requester(actor, reservation):
        raise Forbidden
    _close(reservation, ReservationStatus.CANCELLED, now, (reason or "").strip()[:MAX_NOTE])
    _log(actor, reservation, "reservation_cancelled")
    notices.tell_owner_side(reservation, "reservation_cancelled")
    return reservation


def add_message(actor: User, reservation: Reservation, body: str) -> ReservationMessage:
    if not (is_owner_side(actor, reservation) or is_requester(actor, reservation)):
        raise Forbidden
    body = (body or "").strip()
    if not body:
        raise ReservationError({"body": _("Write a message.")})
    if len(body) > MAX_NOTE:
        raise ReservationError({"body": _("The message can be at most %(count)d characters.", count=MAX_NOTE)})
    message = ReservationMessage(reservation=reservation, author_id=actor.id, body=body)
    db.session.add(message)
    db.session.flush()
    notices.tell_other_side(reservation, "reservation_message",
                            owner_side_acted=is_owner_side(actor, reservation))
    return message


def expire_reservations(now: datetime | None = None) -> list[Reservation]:
    """For `tick`: release holds nobody answered in time, and approvals nobody collected."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Reservation).where(
        Reservation.status.in_([ReservationStatus.REQUESTED, ReservationStatus.APPROVED]),
        Reservation.expires_at < now,
    ).order_by(Reservation.id)))
    for reservation in due:
        try:
            _close(reservation, ReservationStatus.EXPIRED, now, "")
        except TransitionError:
            continue  # answered or collected meanwhile
        audit.record("reservation_expired", municipality_id=reservation.municipality_id,
                     reservation_id=reservation.id)
        notices.tell_requester(reservation, "reservation_expired")
    _lapse_offers(now)
    db.session.flush()
    return due


def remind_pending(now: datetime | None = None, before: timedelta = timedelta(days=1)) -> int:
    """For `tick`: remind the owner side once of a hold that lapses within ``before``."""
    now = now or utcnow()
    pending = list(db.session.scalars(select(Reservation).where(
        Reservation.status == ReservationStatus.REQUESTED, Reservation.reminded_at.is_(None),
        Reservation.expires_at < now + before, Reservation.expires_at >= now,
    )))
    for reservation in pending:
        reservation.reminded_at = now
        notices.tell_owner_side(reservation, "hold_expiring")
    db.session.flush()
    return len(pending)


# --- The waitlist ---------------------------------------------------------------------------------------

def join_waitlist(actor: User, item_id: int, quantity: Decimal, now: datetime | None = None) -> WaitlistEntry:
    """Queue for an item that has nothing left; released quantity is offered to the first in line."""
    now = now or utcnow()
    item = listings.find_visible_item(actor, item_id, now)
    if item is None:
        raise NotVisible
    if item.status != ItemStatus.PUBLISHED or can_manage_item(actor, item):
        raise TransitionError(_("You cannot join the waitlist of this listing."))
    quantity = _validate_quantity(item, quantity)
    if item.quantity_available >= quantity:
        raise TransitionError(_("Enough is available: reserve it instead."))
    existing = db.session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.item_id == item.id, WaitlistEntry.user_id == actor.id,
        WaitlistEntry.status.in_([WaitlistStatus.WAITING, WaitlistStatus.OFFERED])))
    if existing is not None:
        raise TransitionError(_("You are already on the waitlist."))
    entry = WaitlistEntry(item=item, user_id=actor.id, quantity=quantity, created_at=now)
    db.session.add(entry)
    db.session.flush()
    return entry


def leave_waitlist(actor: User, entry: WaitlistEntry, now: datetime | None = None) -> None:
    if entry.user_id != getattr(actor, "id", None):
        raise Forbidden
    if entry.status == WaitlistStatus.OFFERED:
        entry.status = WaitlistStatus.LEFT
        _give_back(entry.item, entry.offered_quantity, now or utcnow())
    elif entry.status == WaitlistStatus.WAITING:
        entry.status = WaitlistStatus.LEFT
    db.session.flush()


# The reservations page's waitlist, built once.
_MY_WAITLIST = select(WaitlistEntry).where(
    WaitlistEntry.user_id == bindparam("user_id"),
    WaitlistEntry.status.in_([WaitlistStatus.WAITING, WaitlistStatus.OFFERED]),
).order_by(WaitlistEntry.created_at)


def my_waitlist(user: User) -> list[WaitlistEntry]:
    return list(db.session.scalars(_MY_WAITLIST, {"user_id": user.id}))


def open_offer(user: User, item: Item, now: datetime | None = None) -> WaitlistEntry | None:
    """The waitlist offer that holds part of ``item`` for ``user`` now, if any (the item page shows it)."""
    return _open_offer(user, item, now or utcnow())


# Asked on every view of a published item, built once (cheaper than building it anew). The item and the user are
# in the session already: they are not read again with the offer.
_OPEN_OFFER = select(WaitlistEntry).where(
    WaitlistEntry.item_id == bindparam("item_id"), WaitlistEntry.user_id == bindparam("user_id"),
    WaitlistEntry.status == WaitlistStatus.OFFERED, WaitlistEntry.offer_expires_at > bindparam("now"),
).options(lazyload(WaitlistEntry.item), lazyload(WaitlistEntry.user))


def _open_offer(user: User, item: Item, now: datetime) -> WaitlistEntry | None:
    return db.session.scalar(_OPEN_OFFER, {"item_id": item.id, "user_id": user.id, "now": now})


def _offer_to_waitlist(item: Item, now: datetime) -> None:
    """Keep released quantity for the first in line, for a limited time, and tell them."""
    if item.status != ItemStatus.PUBLISHED:
        return
    for entry in db.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.item_id == item.id, WaitlistEntry.status == WaitlistStatus.WAITING)
            .order_by(WaitlistEntry.created_at, WaitlistEntry.id)).all():
        if item.quantity_available <= 0:
            return
        offered = min(entry.quantity, item.quantity_available)
        _take(item, offered)
        entry.status = WaitlistStatus.OFFERED
        entry.offered_quantity = offered
        entry.offered_at = now
        entry.offer_expires_at = now + timedelta(hours=item.municipality.waitlist_offer_hours)
        notifications.notify(entry.user_id, "waitlist_offer",
                             {"title": item.title, "quantity": str(offered.normalize()),
                              "unit": item.category.unit.value, "until": entry.offer_expires_at.isoformat()},
                             f"/items/{item.id}")


def _lapse_offers(now: datetime) -> None:
    for entry in db.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.status == WaitlistStatus.OFFERED, WaitlistEntry.offer_expires_at <= now)).all():
        entry.status = WaitlistStatus.LAPSED
        _give_back(entry.item, entry.offered_quantity, now)


# --- Helpers --------------------------------------------------------------------------------------------

def _require_owner_side(actor: User, reservation: Reservation) -> None:
    if not is_owner_side(actor, reservation):
        raise Forbidden


def _require_status(reservation: Reservation, *allowed: ReservationStatus) -> None:
    if reservation.status not in allowed:
        raise TransitionError(_("This reservation is %(status)s; that cannot be done now.",
                                status=STATUS_LABELS[reservation.status]))


def _move(reservation: Reservation, new: ReservationStatus, *allowed: ReservationStatus) -> None:
    """Change the status only if it is still one of ``allowed``, in one conditional UPDATE: of two
    simultaneous answers (approve and cancel, say) exactly one wins, and the other gets a TransitionError."""
    _require_status(reservation, *allowed)
    moved = db.session.execute(
        update(Reservation).where(Reservation.id == reservation.id, Reservation.status.in_(allowed))
        .values(status=new).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(reservation, ["status"])
    if moved != 1:
        _require_status(reservation, *allowed)  # raises, naming the status that won
        raise TransitionError(_("Someone else changed this reservation just now. Reload the page."))


def _close(reservation: Reservation, status: ReservationStatus, now: datetime, reason: str) -> None:
    _move(reservation, status, ReservationStatus.REQUESTED, ReservationStatus.APPROVED)
    reservation.closed_at = now
    reservation.expires_at = None
    if reason:
        reservation.reason = reason
    db.session.flush()
    _give_back(reservation.item, reservation.quantity, now)
    reservation_closed.send(reservation, event=None, handed_over=False, by_transport=False)


def _pickup_deadline(reservation: Reservation, now: datetime) -> datetime:
    """An approved reservation lapses some days after its pickup time, or, with no time agreed, some days
    after the default pickup window (both from the owner municipality's policy)."""
    pickup = reservation.pickup_at or now + timedelta(days=PICKUP_WINDOW_DAYS)
    deadline = max(pickup, now) + timedelta(days=reservation.item.municipality.pickup_grace_days)
    return max(deadline, reservation.held_until or deadline)


def _has_open_reservations(item: Item) -> bool:
    return db.session.scalar(select(Reservation.id).where(
        Reservation.item_id == item.id,
        Reservation.status.in_([ReservationStatus.REQUESTED, ReservationStatus.APPROVED])).limit(1)) is not None


def _log(actor: User, reservation: Reservation, action: str, **details) -> None:
    audit.record(action, actor=actor, municipality_id=reservation.municipality_id, reservation_id=reservation.id,
                 **details)


@account_signals.personal_data_collecting.connect
def _personal_reservations(user: User) -> dict[str, list]:
    reservations = db.session.scalars(select(Reservation).where(Reservation.requester_id == user.id))
    messages = db.session.scalars(select(ReservationMessage).where(ReservationMessage.author_id == user.id))
    waitlist = db.session.scalars(select(WaitlistEntry).where(WaitlistEntry.user_id == user.id))
    return {
        "reservations": [{"id": r.id, "item": r.item.title, "quantity": str(r.quantity), "status": r.status.value,
                          "note": r.note, "created_at": privacy.when(r.created_at)} for r in reservations],
        "messages": [{"reservation": m.reservation_id, "body": m.body, "at": privacy.when(m.created_at)}
                     for m in messages],
        "waitlist": [{"item": w.item.title, "quantity": str(w.quantity), "status": w.status.value} for w in waitlist],
    }


@account_signals.personal_data_erasing.connect
def _erase_reservation_texts(user: User) -> None:
    db.session.execute(delete(WaitlistEntry).where(WaitlistEntry.user_id == user.id))
    db.session.execute(update(Reservation).where(Reservation.requester_id == user.id).values(note=""))
    db.session.execute(update(ReservationMessage).where(ReservationMessage.author_id == user.id)
                       .values(body=_("[deleted]")))
