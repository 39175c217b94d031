"""The "picked" mark: the owner side has fetched an approved reservation's items and set them aside for the
collector ("Plukket og satt av til hentingen"), so a store or depot shows what is ready and the requester reads
"Klar til henting". The mark is the owner side's to set and take back, on an approved reservation only; it
changes no quantity and no status, and stays on the reservation as history once it is closed.

Every function takes the acting user explicitly, flushes and never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from marketplace.accounts import privacy, signals as account_signals
from marketplace.accounts.models import User
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden
from marketplace.reservations import notices
from marketplace.reservations.models import Reservation, ReservationStatus
from marketplace.reservations.permissions import is_owner_side
# The reservation's own status guard and audit helper: one domain, split only to keep modules short.
from marketplace.reservations.services import _log, _require_status


def can_mark_picked(user: User, reservation: Reservation) -> bool:
    """Whether ``user`` is offered the mark now: the owner side, while the reservation is approved."""
    return reservation.status == ReservationStatus.APPROVED and is_owner_side(user, reservation)


def mark_picked(actor: User, reservation: Reservation, now: datetime | None = None) -> Reservation:
    """Mark the approved reservation picked (the owner side; Forbidden otherwise, TransitionError for another
    status). Marking it again (a second tap, a colleague) changes nothing and records nothing. The requester is
    told."""
    if _set(actor, reservation, picked=True, picked_at=now or utcnow(), picked_by_id=actor.id):
        _log(actor, reservation, "reservation_picked")
        notices.tell_requester(reservation, "reservation_picked")
    return reservation


def unmark_picked(actor: User, reservation: Reservation) -> Reservation:
    """Take the mark back (set aside by mistake, or put back on the shelf). Same rules as ``mark_picked``;
    taking back a mark that is not there changes nothing."""
    if _set(actor, reservation, picked=False, picked_at=None, picked_by_id=None):
        _log(actor, reservation, "reservation_unpicked")
    return reservation


def _set(actor: User, reservation: Reservation, **values) -> bool:
    """One conditional UPDATE, so of two simultaneous taps one changes the mark and the other nothing; whether
    this one did. Forbidden and TransitionError as ``mark_picked``."""
    _require_owner_side_approved(actor, reservation)
    changed = db.session.execute(
        update(Reservation).where(Reservation.id == reservation.id, Reservation.picked.is_(not values["picked"]),
                                  Reservation.status == ReservationStatus.APPROVED)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(reservation, ["status", "picked", "picked_at", "picked_by_id"])
    db.session.expire(reservation, ["picked_by"])
    _require_status(reservation, ReservationStatus.APPROVED)  # another answer won meanwhile
    return changed == 1


def _require_owner_side_approved(actor: User, reservation: Reservation) -> None:
    if not is_owner_side(actor, reservation):
        raise Forbidden
    _require_status(reservation, ReservationStatus.APPROVED)


@account_signals.personal_data_collecting.connect
def _personal_picks(user: User) -> dict[str, list]:
    picked = db.session.scalars(select(Reservation).where(Reservation.picked_by_id == user.id))
    return {"picked_reservations": [{"reservation": r.id, "item": r.item.title, "at": privacy.when(r.picked_at)}
                                    for r in picked]}


@account_signals.personal_data_erasing.connect
def _forget_picker(user: User) -> None:
    """The mark stays (the items are set aside); who set it is forgotten, as the audit forgets its actor."""
    db.session.execute(update(Reservation).where(Reservation.picked_by_id == user.id).values(picked_by_id=None))
