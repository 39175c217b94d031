"""Which tab the reservations page opens on, and the counts both tabs show; which reservations a list of
hand-overs may link to.

The page opens where something waits: requests the user must answer first, then the user's own reservations.
A tab named in the link (``?view=mine`` or ``?view=incoming``) always wins, so a tab can be bookmarked.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_list_items
from marketplace.db import db
from marketplace.reservations.models import Reservation, ReservationStatus
from marketplace.reservations.permissions import can_see_reservation

MINE = "mine"
INCOMING = "incoming"


@dataclass(frozen=True)
class Tabs:
    chosen: str
    mine: int
    incoming: int | None  # None: the user handles no incoming reservations, so there is no such tab
    waiting: int  # incoming requests that need an answer


def choose_tab(user: User, requested: str | None) -> Tabs:
    mine = _count(Reservation.requester_id == user.id)
    municipality = user.municipality
    if municipality is None or not can_list_items(user):
        return Tabs(chosen=MINE, mine=mine, incoming=None, waiting=0)
    of_ours = Reservation.municipality_id == municipality.id
    incoming = _count(of_ours)
    waiting = _count(of_ours, Reservation.status == ReservationStatus.REQUESTED)
    if requested in (MINE, INCOMING):
        chosen = requested
    else:
        chosen = INCOMING if waiting or (incoming and not mine) else MINE
    return Tabs(chosen=chosen, mine=mine, incoming=incoming, waiting=waiting)


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count(Reservation.id)).where(*conditions)) or 0


def openable(user: User, reservation_ids: list[int]) -> set[int]:
    """Those of ``reservation_ids`` whose page ``user`` may open, in one query: the ledger links a hand-over's
    date to its reservation only for them (a network coordinator reads the ledger but not the reservations'
    messages, and a link must not lead to a 404)."""
    if not reservation_ids:
        return set()
    found = db.session.scalars(select(Reservation).where(Reservation.id.in_(set(reservation_ids)))
                               .options(selectinload(Reservation.item)))
    return {reservation.id for reservation in found if can_see_reservation(user, reservation)}
