"""Transport requests: asked for from a reservation, planned and run by the giving municipality's coordinators.

Invariants:
- At most one open request (requested, scheduled, picked up) per reservation: a partial unique index, so of two
  simultaneous requests one is refused (a TransportError, nothing written).
- Every status change is one conditional UPDATE (``_move``): of two simultaneous steps exactly one wins, the
  other is a TransitionError (409). Delivered and cancelled are final.
- A delivery confirms the reservation's hand-over through ``handover.collect_for_transport`` *before* the
  request's own status changes, so a delivery and a hand-over by hand take the reservation's row lock in the
  same order: exactly one of them writes the reuse event, the other is refused (TransitionError) and writes
  nothing. Exactly one reuse event per delivered request (``reuse_event_id``).
- A reservation closed otherwise closes its open request (``_reservation_closed``): collected by hand while the
  load is on the van, the request is delivered with that hand-over's event (the driver brought it; no second
  event); collected by hand before pickup, or cancelled, rejected or expired, the request is cancelled with the
  reason said.
Every function takes the acting user explicitly, flushes and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.accounts import privacy, signals as account_signals
from marketplace.accounts.models import Membership, Role, User
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.db import ListPage, db, utcnow
from marketplace.errors import Forbidden, NotVisible
from marketplace.i18n import OSLO, oslo_date
from marketplace.impact.models import ReuseEvent
from marketplace.notifications import services as notifications
from marketplace.organisations.models import Unit
from marketplace.reservations import handover, notices
from marketplace.reservations.models import Reservation, ReservationStatus
from marketplace.reservations.services import ReservationError, TransitionError
from marketplace.reservations.signals import reservation_closed
from marketplace.transport.forms import STATUS_LABELS
from marketplace.transport.models import OPEN_STATUSES, TransportRequest, TransportStatus
from marketplace.transport.permissions import (can_cancel_as_requester, can_coordinate_transport,
                                               can_request_transport, can_see_transport)

MAX_NOTE = 2000
MAX_VOLUME_M3 = Decimal("1000")
MAX_WEIGHT_KG = Decimal("100000")
MAX_FLOORS = 100
MAX_STOP = 999
QUEUE_PAGE_SIZE = 50
MAX_WINDOW_DAYS = 366  # how far ahead, and how long, a window may be
REQUESTABLE = (ReservationStatus.REQUESTED, ReservationStatus.APPROVED)


class TransportError(ReservationError):
    """Input that breaks a rule; ``errors`` maps a field to a message fit to show (422 in the API)."""


@dataclass(frozen=True)
class Delivery:
    request: TransportRequest
    event: ReuseEvent | None  # None when the delivery started a loan


# --- Finding --------------------------------------------------------------------------------------------

def find_request(user: User, request_id: int) -> TransportRequest:
    request = db.session.get(TransportRequest, request_id)
    if request is None or not can_see_transport(user, request):
        raise NotVisible
    return request


def open_request(reservation: Reservation) -> TransportRequest | None:
    return db.session.scalar(select(TransportRequest).where(
        TransportRequest.reservation_id == reservation.id, TransportRequest.status.in_(OPEN_STATUSES)))


def latest_request(reservation: Reservation) -> TransportRequest | None:
    return db.session.scalar(select(TransportRequest).where(TransportRequest.reservation_id == reservation.id)
                             .order_by(TransportRequest.id.desc()).limit(1))


def history(request: TransportRequest) -> list[AuditEvent]:
    """What happened to the request, oldest first (its audit events)."""
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.municipality_id == request.municipality_id,
        AuditEvent.details["transport_request_id"].as_integer() == request.id,
    ).order_by(AuditEvent.at, AuditEvent.id)))


def queue(user: User, status: TransportStatus | None = None, page: int = 1) -> ListPage:
    """Page ``page`` of the coordinator's queue (``queue_query``): the open requests come first, and the history
    behind them grows by every transport the municipality has run."""
    return db.page(queue_query(user, status), page, QUEUE_PAGE_SIZE)


def queue_query(user: User, status: TransportStatus | None = None) -> Select[tuple[TransportRequest]] | None:
    """The coordinator's queue: the requests of the user's municipality, open ones first by window; None for
    anybody who does not run its transport."""
    municipality = getattr(user, "municipality", None)
    if municipality is None or not can_coordinate_transport(user, municipality):
        return None
    query = select(TransportRequest).where(TransportRequest.municipality_id == municipality.id)
    if status is not None:
        query = query.where(TransportRequest.status == status)
    return query.order_by(TransportRequest.status.in_(OPEN_STATUSES).desc(), TransportRequest.scheduled_date,
                          TransportRequest.window_from, TransportRequest.id)


def own_side_requests(user: User) -> list[TransportRequest]:
    """The requests the user's side asked for: their own, and (caretakers and admins) their organisation's."""
    organisation = getattr(user, "organisation", None)
    clauses = [TransportRequest.requested_by_id == user.id,
               TransportRequest.reservation.has(Reservation.requester_id == user.id)]
    if organisation is not None:
        from_organisation = TransportRequest.requester_organisation_id == organisation.id
        # The predicate decides per row; the query only narrows to what it could allow.
        clauses.append(from_organisation)
    rows = db.session.scalars(select(TransportRequest).where(or_(*clauses)).order_by(TransportRequest.id.desc()))
    return [row for row in rows if can_cancel_as_requester(user, row)]


def visible_requests(user: User) -> list[TransportRequest]:
    """The API's list: the caller's coordinator queue, then their own side's requests, each once."""
    queued = queue_query(user)
    seen, rows = set(), []
    for row in [*(db.session.scalars(queued) if queued is not None else []), *own_side_requests(user)]:
        if row.id not in seen:
            seen.add(row.id)
            rows.append(row)
    return rows


def run_sheet(user: User, day: date) -> list[TransportRequest]:
    """The day's stops in order (stop order, then when asked for): the municipality's requests scheduled for the
    day that were not cancelled. Forbidden for anybody who does not run its transport."""
    municipality = getattr(user, "municipality", None)
    if not can_coordinate_transport(user, municipality):
        raise Forbidden
    return list(db.session.scalars(select(TransportRequest).where(
        TransportRequest.municipality_id == municipality.id, TransportRequest.scheduled_date == day,
        TransportRequest.status != TransportStatus.CANCELLED,
    ).order_by(TransportRequest.stop_order.is_(None), TransportRequest.stop_order, TransportRequest.id)))


def destination_units(reservation: Reservation) -> list[Unit]:
    """The units a load may go to: the requesting organisation's, not archived."""
    return list(db.session.scalars(select(Unit).where(
        Unit.municipality_id == reservation.requester_organisation_id, Unit.archived_at.is_(None))
        .order_by(Unit.name)))


def drivers(municipality_id: int) -> list[User]:
    """The people who may be named as driver: active members of the giving municipality."""
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == municipality_id, User.active.is_(True)).order_by(User.name).distinct()))


# --- Steps ----------------------------------------------------------------------------------------------

def request_transport(actor: User, reservation: Reservation, *, window_from: date | None, window_to: date | None,
                      to_unit_id: int | None = None, to_address: str = "", volume_m3: Decimal | None = None,
                      weight_kg: Decimal | None = None, floors: int | None = None, lift: bool | None = None,
                      contact_name: str = "", contact_phone: str = "", notes: str = "",
                      now: datetime | None = None) -> TransportRequest:
    """Ask the giving municipality to carry the reservation's items (the requester's side, while the
    reservation is requested or approved, one open request at a time)."""
    now = now or utcnow()
    if not can_request_transport(actor, reservation):
        raise Forbidden
    if reservation.status not in REQUESTABLE:
        raise TransitionError(_("Transport can only be asked for while the reservation is open."))
    if open_request(reservation) is not None:
        raise TransitionError(_("Transport is already asked for this reservation."))
    fields = _checked_request(reservation, now, window_from=window_from, window_to=window_to, to_unit_id=to_unit_id,
                              to_address=to_address, volume_m3=volume_m3, weight_kg=weight_kg, floors=floors,
                              contact_name=contact_name, contact_phone=contact_phone, notes=notes)
    item = reservation.item
    source = item.location if item.location is not None else item.unit
    request = TransportRequest(
        reservation=reservation, municipality_id=reservation.municipality_id,
        requester_organisation_id=reservation.requester_organisation_id, status=TransportStatus.REQUESTED,
        from_location_id=item.location_id, from_unit_id=None if item.location is not None else item.unit_id,
        from_address=_address_of(source)[:300], lift=lift, requested_by_id=actor.id, requested_at=now,
        updated_at=now, **fields)
    try:
        with db.session.begin_nested():
            db.session.add(request)
            db.session.flush()
    except IntegrityError as error:  # another request for it was made just now
        raise TransitionError(_("Transport is already asked for this reservation.")) from error
    _hold_until(reservation, window_to)
    _log(actor, request, "transport_requested")
    notices.tell_both_sides(reservation, "transport_requested", actor)
    _tell_coordinators(request, "transport_requested", actor)
    return request


def schedule(actor: User, request: TransportRequest, *, scheduled_date: date | None, driver_name: str = "",
             driver_id: int | None = None, stop_order: int | None = None) -> TransportRequest:
    """Plan (or plan again) the day, the driver and the stop's place in the day's run."""
    _require_coordinator(actor, request)
    errors = {}
    if scheduled_date is None:
        errors["scheduled_date"] = _("Choose the day of the transport.")
    driver_name = (driver_name or "").strip()
    if len(driver_name) > 200:
        errors["driver_name"] = _("At most %(count)d characters.", count=200)
    if driver_id is not None and driver_id not in {user.id for user in drivers(request.municipality_id)}:
        errors["driver_id"] = _("Choose a driver from the list.")
    if stop_order is not None and not 1 <= stop_order <= MAX_STOP:
        errors["stop_order"] = _("Give a whole number from 1 to %(most)d.", most=MAX_STOP)
    if errors:
        raise TransportError(errors)
    _move(request, TransportStatus.SCHEDULED, TransportStatus.REQUESTED, TransportStatus.SCHEDULED)
    request.scheduled_date, request.driver_name, request.driver_id = scheduled_date, driver_name, driver_id
    request.stop_order = stop_order
    _hold_until(request.reservation, scheduled_date)
    db.session.flush()
    _log(actor, request, "transport_scheduled", date=scheduled_date.isoformat())
    notices.tell_both_sides(request.reservation, "transport_scheduled", actor,
                            when=datetime.combine(scheduled_date, time(12), OSLO))
    return request


def pick_up(actor: User, request: TransportRequest, now: datetime | None = None) -> TransportRequest:
    _require_coordinator(actor, request)
    _move(request, TransportStatus.PICKED_UP, TransportStatus.REQUESTED, TransportStatus.SCHEDULED)
    request.picked_up_at = now or utcnow()
    request.reservation.expires_at = None  # on the van: it is delivered, not left to lapse
    db.session.flush()
    _log(actor, request, "transport_picked_up")
    notices.tell_both_sides(request.reservation, "transport_picked_up", actor)
    return request


def deliver(actor: User, request: TransportRequest, *, transport_km: Decimal | None = None,
            transport_mode: str | None = None, now: datetime | None = None) -> Delivery:
    """Record the delivery (from any open status: it happened): confirms the reservation's hand-over and writes
    its reuse event with the distance and vehicle. TransitionError if the reservation was handed over, or the
    request closed, meanwhile; ReservationError for distance and vehicle that break the ledger's rules."""
    now = now or utcnow()
    _require_coordinator(actor, request)
    _require_status(request, *OPEN_STATUSES)
    # The reservation first (see the module's invariants), then the request.
    event = handover.collect_for_transport(actor, request.reservation, now, transport_km=transport_km,
                                           transport_mode=transport_mode)
    _move(request, TransportStatus.DELIVERED, *OPEN_STATUSES)
    request.delivered_at = now
    request.picked_up_at = request.picked_up_at or now
    if event is not None:
        request.transport_km, request.transport_mode = event.transport_km, event.transport_mode
        request.reuse_event_id = event.id
    else:  # a lent item: the loan started, and the ledger records nothing
        request.transport_km, request.transport_mode = transport_km, transport_mode
    db.session.flush()
    _log(actor, request, "transport_delivered", reuse_event_id=request.reuse_event_id)
    notices.tell_both_sides(request.reservation, "transport_delivered", actor)
    return Delivery(request, event)


def cancel(actor: User, request: TransportRequest, reason: str = "", now: datetime | None = None) -> TransportRequest:
    """A coordinator cancels an open request, saying why; the requester's side may withdraw its request until
    the load is picked up. The reservation itself stays as it is."""
    coordinator = can_coordinate_transport(actor, request.reservation.item.municipality)
    if not coordinator and not can_cancel_as_requester(actor, request):
        raise Forbidden
    reason = (reason or "").strip()
    if coordinator and not reason:
        raise TransportError({"reason": _("Say why, so the requester understands.")})
    if len(reason) > MAX_NOTE:
        raise TransportError({"reason": _("At most %(count)d characters.", count=MAX_NOTE)})
    allowed = OPEN_STATUSES if coordinator else (TransportStatus.REQUESTED, TransportStatus.SCHEDULED)
    _close(request, TransportStatus.CANCELLED, reason, now or utcnow(), allowed)
    _log(actor, request, "transport_cancelled")
    notices.tell_both_sides(request.reservation, "transport_cancelled", actor)
    if not coordinator:
        _tell_coordinators(request, "transport_cancelled", actor)
    return request


# --- Helpers --------------------------------------------------------------------------------------------

def _checked_request(reservation: Reservation, now: datetime, *, window_from, window_to, to_unit_id, to_address,
                     volume_m3, weight_kg, floors, contact_name, contact_phone, notes) -> dict:
    errors: dict[str, str] = {}
    today = oslo_date(now)
    if window_from is None or window_to is None:
        errors["window_from"] = _("Give the first and the last day the transport may come.")
    elif window_from < today:
        errors["window_from"] = _("The first day cannot be in the past.")
    elif window_to < window_from:
        errors["window_to"] = _("The last day cannot be before the first.")
    elif window_to > today + timedelta(days=MAX_WINDOW_DAYS):
        errors["window_to"] = _("Choose a day within a year.")
    to_address = (to_address or "").strip()
    if (to_unit_id is None) == (not to_address):
        errors["to_unit_id"] = _("Choose one of your units, or write an address; not both.")
    elif to_unit_id is not None and to_unit_id not in {unit.id for unit in destination_units(reservation)}:
        errors["to_unit_id"] = _("Choose one of your units from the list.")
    for name, value, most in (("volume_m3", volume_m3, MAX_VOLUME_M3), ("weight_kg", weight_kg, MAX_WEIGHT_KG)):
        if value is not None and not (value.is_finite() and 0 < value <= most):
            errors[name] = _("Give a number above 0 and at most %(most)s.", most=most)
    if floors is not None and not 0 <= floors <= MAX_FLOORS:
        errors["floors"] = _("Give a whole number from 0 to %(most)d.", most=MAX_FLOORS)
    texts = {"to_address": (to_address, 300), "contact_name": (contact_name, 200),
             "contact_phone": (contact_phone, 40), "notes": (notes, MAX_NOTE)}
    for name, (value, most) in texts.items():
        if len((value or "").strip()) > most:
            errors[name] = _("At most %(count)d characters.", count=most)
    if errors:
        raise TransportError(errors)
    return {"window_from": window_from, "window_to": window_to, "to_unit_id": to_unit_id, "to_address": to_address,
            "volume_m3": volume_m3, "weight_kg": weight_kg, "floors": floors,
            "contact_name": (contact_name or "").strip(), "contact_phone": (contact_phone or "").strip(),
            "notes": (notes or "").strip()}


def _address_of(place) -> str:
    if place is None:
        return ""
    return ", ".join(part for part in (place.name, place.address or "") if part)


def _require_coordinator(actor: User, request: TransportRequest) -> None:
    if not can_coordinate_transport(actor, request.reservation.item.municipality):
        raise Forbidden


def _require_status(request: TransportRequest, *allowed: TransportStatus) -> None:
    if request.status not in allowed:
        raise TransitionError(_("This transport is %(status)s; that cannot be done now.",
                                status=STATUS_LABELS[request.status]))


def _move(request: TransportRequest, new: TransportStatus, *allowed: TransportStatus) -> None:
    """Change the status only if it is still one of ``allowed``, in one conditional UPDATE."""
    _require_status(request, *allowed)
    moved = db.session.execute(
        update(TransportRequest).where(TransportRequest.id == request.id, TransportRequest.status.in_(allowed))
        .values(status=new).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(request, ["status"])
    if moved != 1:
        _require_status(request, *allowed)
        raise TransitionError(_("Someone else changed this transport just now. Reload the page."))


def _close(request: TransportRequest, status: TransportStatus, reason: str, now: datetime,
           allowed: tuple[TransportStatus, ...] = OPEN_STATUSES) -> None:
    _move(request, status, *allowed)
    request.cancelled_at = now
    request.cancel_reason = reason[:MAX_NOTE]
    db.session.flush()


def _tell_coordinators(request: TransportRequest, kind: str, actor: User) -> None:
    """The giving municipality's transport coordinators (the admins are on the owner side, told already) learn
    of a new request, or one withdrawn, with a link to it."""
    data = {"title": request.reservation.item.title, "reservation_id": request.reservation_id}
    for user_id in db.session.scalars(select(Membership.user_id).join(User, User.id == Membership.user_id).where(
            Membership.organisation_id == request.municipality_id,
            Membership.role == Role.TRANSPORT_COORDINATOR, User.active.is_(True)).distinct()):
        if user_id != actor.id:
            notifications.notify(user_id, kind, data, f"/transport/{request.id}")


def _hold_until(reservation: Reservation, day: date) -> None:
    """An approved reservation waiting for its transport does not lapse before the transport's day: its pickup
    deadline moves to the end of ``day`` (Oslo) plus the giver's grace days, never earlier than it was. An
    unanswered hold keeps its own deadline: the owner side has not agreed yet."""
    if reservation.status != ReservationStatus.APPROVED or reservation.expires_at is None:
        return
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), OSLO)
    deadline = end_of_day + timedelta(days=reservation.item.municipality.pickup_grace_days)
    reservation.expires_at = max(reservation.expires_at, deadline)


def _log(actor: User | None, request: TransportRequest, action: str, **details) -> None:
    audit.record(action, actor=actor, municipality_id=request.municipality_id, transport_request_id=request.id,
                 reservation_id=request.reservation_id, **details)


@reservation_closed.connect
def _reservation_closed(reservation: Reservation, event: ReuseEvent | None, handed_over: bool,
                        by_transport: bool) -> None:
    """Close the open request of a reservation closed without it (see the module)."""
    request = open_request(reservation)
    if request is None or by_transport:
        return
    now = utcnow()
    if handed_over and request.status == TransportStatus.PICKED_UP:
        _move(request, TransportStatus.DELIVERED, TransportStatus.PICKED_UP)
        request.delivered_at, request.reuse_event_id = now, event.id if event is not None else None
        db.session.flush()
        audit.record("transport_delivered", municipality_id=request.municipality_id, transport_request_id=request.id,
                     reservation_id=reservation.id, reuse_event_id=request.reuse_event_id)
        return
    reason = (_("The items were handed over without transport.") if handed_over
              else _("The reservation was closed."))
    _close(request, TransportStatus.CANCELLED, reason, now)
    audit.record("transport_cancelled", municipality_id=request.municipality_id, transport_request_id=request.id,
                 reservation_id=reservation.id)


@account_signals.personal_data_collecting.connect
def _personal_transport(user: User) -> dict[str, list]:
    rows = db.session.scalars(select(TransportRequest).where(or_(
        TransportRequest.requested_by_id == user.id, TransportRequest.driver_id == user.id))
        .order_by(TransportRequest.id))
    return {"transport_requests": [
        {"id": row.id, "item": row.reservation.item.title, "status": row.status.value,
         "requested_by_you": row.requested_by_id == user.id, "driver_is_you": row.driver_id == user.id,
         "to": row.destination, "contact_name": row.contact_name, "contact_phone": row.contact_phone,
         "notes": row.notes, "requested_at": privacy.when(row.requested_at)} for row in rows]}


@account_signals.personal_data_erasing.connect
def _erase_transport_contacts(user: User) -> None:
    db.session.execute(update(TransportRequest).where(TransportRequest.requested_by_id == user.id)
                       .values(contact_name="", contact_phone="", notes=""))

