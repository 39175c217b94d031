"""Agreeing a pickup time: one side proposes, the other side accepts; the owner side may also accept the time
the requester wished for when reserving, in one step. Every change is told to both sides (everyone involved but
the person who made it), in the inbox and so by e-mail.

Who proposed is kept (``Reservation.pickup_proposed_by``): a side never accepts its own proposal. A time proposed
before that was recorded has no proposer, and either side may accept it.
Every function takes the acting user explicitly, flushes and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden
from marketplace.reservations import notices
from marketplace.reservations.models import PickupSide, Reservation, ReservationStatus
from marketplace.reservations.permissions import is_owner_side, is_requester

# The reservation's own status helpers: one domain, split only to keep modules short.
from marketplace.reservations.services import (
    ReservationError,
    TransitionError,
    _log,
    _pickup_deadline,
    _require_status,
)

PAST_GRACE = timedelta(hours=1)  # a time this little in the past may still be proposed or accepted
OPEN = (ReservationStatus.REQUESTED, ReservationStatus.APPROVED)


@dataclass(frozen=True)
class Choices:
    """What the reservation page offers the user about the pickup time."""

    accept_proposal: bool  # "Godta hentetidspunktet": a time the other side proposed
    accept_wish: bool  # "Godta ønsket tidspunkt": the owner side, the requester's wished time
    waiting_for_other_side: bool  # the user's side proposed the time; the other side has not answered


def side_of(user: User, reservation: Reservation) -> PickupSide | None:
    """The user's side of the reservation (the owner side first, for someone on both), or None."""
    if is_owner_side(user, reservation):
        return PickupSide.OWNER
    if is_requester(user, reservation):
        return PickupSide.REQUESTER
    return None


def choices(user: User, reservation: Reservation, now: datetime | None = None) -> Choices:
    now = now or utcnow()
    side = side_of(user, reservation)
    if side is None or reservation.status not in OPEN:
        return Choices(False, False, False)
    proposed = reservation.pickup_at is not None and not reservation.pickup_confirmed
    wish = reservation.wished_pickup_at
    # The wish is offered while nothing is agreed and the requester has not proposed another time since.
    return Choices(
        accept_proposal=proposed and reservation.pickup_proposed_by != side,
        accept_wish=(side == PickupSide.OWNER and wish is not None and wish >= now - PAST_GRACE
                     and not reservation.pickup_confirmed
                     and not (proposed and reservation.pickup_proposed_by == PickupSide.REQUESTER)),
        waiting_for_other_side=proposed and reservation.pickup_proposed_by == side,
    )


def propose_pickup(actor: User, reservation: Reservation, pickup_at: datetime,
                   now: datetime | None = None) -> Reservation:
    """Either side proposes a pickup time (replacing any time proposed or agreed before); the other side's
    acceptance makes it agreed."""
    now = now or utcnow()
    side = _require_side(actor, reservation)
    if pickup_at < now - PAST_GRACE:
        raise ReservationError({"pickup_at": _("Choose a time in the future.")})
    replaces_agreed = reservation.pickup_confirmed and reservation.pickup_at is not None
    reservation.pickup_at = pickup_at
    reservation.pickup_confirmed = False
    reservation.pickup_proposed_by = side
    if reservation.status == ReservationStatus.APPROVED:
        reservation.expires_at = _pickup_deadline(reservation, now)
    db.session.flush()
    action = "pickup_changed" if replaces_agreed else "pickup_proposed"
    _log(actor, reservation, action, pickup_at=pickup_at.isoformat())
    notices.tell_both_sides(reservation, action, actor, when=pickup_at)
    return reservation


def confirm_pickup(actor: User, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """Accept the time the other side proposed: it becomes the agreed time. A ReservationError for the side that
    proposed it (it waits for the other side), nothing done."""
    now = now or utcnow()
    side = _require_side(actor, reservation)
    if reservation.pickup_at is None:
        raise TransitionError(_("No pickup time has been proposed yet."))
    if reservation.pickup_confirmed:
        raise ReservationError({"pickup_at": _("The pickup time is already agreed.")})
    if reservation.pickup_proposed_by == side:
        raise ReservationError({"pickup_at": _(
            "You proposed this pickup time yourselves, so the other side accepts it. You can propose another "
            "time instead.")})
    _agree(reservation, now)
    _log(actor, reservation, "pickup_confirmed", pickup_at=reservation.pickup_at.isoformat())
    notices.tell_both_sides(reservation, "pickup_confirmed", actor, when=reservation.pickup_at)
    return reservation


def accept_wished_time(actor: User, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """The owner side accepts the time the requester wished for: it becomes the agreed time at once."""
    now = now or utcnow()
    if _require_side(actor, reservation) != PickupSide.OWNER:
        raise Forbidden
    wish = reservation.wished_pickup_at
    if wish is None:
        raise TransitionError(_("The requester did not wish for a pickup time."))
    if wish < now - PAST_GRACE:
        raise ReservationError({"pickup_at": _("The wished time has passed: propose another time.")})
    if reservation.pickup_confirmed and reservation.pickup_at == wish:
        raise ReservationError({"pickup_at": _("The pickup time is already agreed.")})
    reservation.pickup_at = wish
    reservation.pickup_proposed_by = PickupSide.REQUESTER
    _agree(reservation, now)
    _log(actor, reservation, "pickup_wish_accepted", pickup_at=wish.isoformat())
    notices.tell_both_sides(reservation, "pickup_confirmed", actor, when=wish)
    return reservation


def _require_side(actor: User, reservation: Reservation) -> PickupSide:
    side = side_of(actor, reservation)
    if side is None:
        raise Forbidden
    _require_status(reservation, *OPEN)
    return side


def _agree(reservation: Reservation, now: datetime) -> None:
    reservation.pickup_confirmed = True
    if reservation.status == ReservationStatus.APPROVED:
        reservation.expires_at = _pickup_deadline(reservation, now)
    db.session.flush()
