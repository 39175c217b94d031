"""Which tab the reservations page opens on, the counts both tabs show, and the page of reservations a tab
lists; which reservations a list of hand-overs may link to.

The page opens where something waits: requests the user must answer first, then the user's own reservations.
A tab named in the link (``?view=mine`` or ``?view=incoming``) always wins, so a tab can be bookmarked.

A tab lists its open reservations first (those waiting for an answer, then the approved ones to hand over, then
loans still out: what people act on), then the finished ones, newest first within each (a loan list: those due
back first); ``PAGE_SIZE`` at a time. A municipality's years of history are counted in SQL and never loaded: a
page reads at most ``PAGE_SIZE`` rows. The JSON API pages the same lists newest first (``newest_first``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_list_items
from marketplace.db import ListPage, db, utcnow
from marketplace.listings.models import Item
from marketplace.organisations.models import Organisation, Unit
from marketplace.reservations import loans, services
from marketplace.reservations.forms import OverviewQuery
from marketplace.reservations.models import OPEN_FIRST, OPEN_STATUSES, Reservation, ReservationStatus
from marketplace.reservations.permissions import can_see_reservation

MINE = "mine"
INCOMING = "incoming"


@dataclass(frozen=True)
class Tabs:
    chosen: str
    mine: int
    incoming: int | None  # None: the user handles no incoming reservations, so there is no such tab
    waiting: int  # incoming requests that need an answer


# The tabs' figures, built once (every view of the page counts them).
_MINE = select(func.count(Reservation.id)).where(Reservation.requester_id == bindparam("user_id"))
# Both incoming figures in one statement: the page's statements stay as few however many tabs it counts.
_WAITING = case((Reservation.status == ReservationStatus.REQUESTED, 1))
_INCOMING = (select(func.count(Reservation.id), func.count(_WAITING))
             .where(Reservation.municipality_id == bindparam("municipality_id")))


def choose_tab(user: User, requested: str | None) -> Tabs:
    mine = db.read(_MINE, {"user_id": user.id}).scalar() or 0
    municipality = user.municipality
    if municipality is None or not can_list_items(user):
        return Tabs(chosen=MINE, mine=mine, incoming=None, waiting=0)
    incoming, waiting = db.read(_INCOMING, {"municipality_id": municipality.id}).one()
    if requested in (MINE, INCOMING):
        chosen = requested
    else:
        chosen = INCOMING if waiting or (incoming and not mine) else MINE
    return Tabs(chosen=chosen, mine=mine, incoming=incoming, waiting=waiting)


PAGE_SIZE = 25


@dataclass(frozen=True)
class ReservationPage(ListPage):
    """One page of a tab's list (``rows``: its reservations), and how many of the whole list are open."""

    open: int = 0

    @property
    def open_rows(self) -> list[Reservation]:
        return [reservation for reservation in self.rows if reservation.status in OPEN_STATUSES]

    @property
    def finished_rows(self) -> list[Reservation]:
        return [reservation for reservation in self.rows if reservation.status not in OPEN_STATUSES]


def reservations_page(user: User, tab: str, query: OverviewQuery, now: datetime | None = None) -> ReservationPage:
    """Page ``query.page`` of the tab ``tab`` (``choose_tab``'s choice) as ``user`` may see it: their own
    reservations, or those of their municipality's items if they handle them (none otherwise)."""
    listed = _listed(user, tab)
    if listed is None:
        return ReservationPage([], 0, query.page, PAGE_SIZE)
    if query.loans:
        listed = loans.filtered(listed, "" if query.loans == "all" else query.loans, now or utcnow())
    elif query.status is not None:
        listed = listed.where(Reservation.status == query.status)
    counted = listed.with_only_columns(func.count(Reservation.id),
                                       func.count(case((Reservation.status.in_(OPEN_STATUSES), 1))))
    total, open_ = db.session.execute(counted).one()
    found = ReservationPage([], total, query.page, PAGE_SIZE, open=open_)
    if not total or found.beyond_last:
        return found  # nothing to read: no OFFSET into rows that are not there
    # Loans are listed as they always were: those due back first.
    within = (Reservation.due_at, Reservation.id) if query.loans else (Reservation.created_at.desc(),
                                                                       Reservation.id.desc())
    rows = db.session.scalars(listed.order_by(OPEN_FIRST, *within).limit(PAGE_SIZE)
                              .offset((query.page - 1) * PAGE_SIZE).options(*_ROW_OPTIONS))
    return replace(found, rows=list(rows))


# What a row of the page shows (``reservations/overview.html``), and nothing more: the reservation's own columns,
# the item's title, unit and municipality, the requesting unit or organisation. Loaded whole, a row read 175
# columns; the items' photos and the requesters with their memberships would take two more statements.
_NAMED = (Organisation.id, Organisation.name)
_ROW_OPTIONS = (
    load_only(Reservation.quantity, Reservation.status, Reservation.picked, Reservation.due_at,
              Reservation.returned_at, Reservation.pickup_at, Reservation.item_id, Reservation.requester_unit_id,
              Reservation.requester_organisation_id, Reservation.created_at),
    lazyload(Reservation.requester),
    joinedload(Reservation.requester_unit).load_only(Unit.name),
    joinedload(Reservation.requester_organisation).load_only(*_NAMED),
    joinedload(Reservation.item).options(
        load_only(Item.title, Item.unit_id, Item.municipality_id), lazyload(Item.photos), lazyload(Item.location),
        lazyload(Item.category), joinedload(Item.unit).load_only(Unit.name),
        joinedload(Item.municipality).load_only(*_NAMED)),
)


def newest_first(user: User, tab: str, statuses: list[ReservationStatus] | None, page: int,
                 per_page: int) -> ListPage:
    """Page ``page`` of a tab's reservations in ``statuses`` (all: None), newest first, and how many there are:
    the JSON API's list, in its order since version 1, counted and paged in SQL."""
    listed = _listed(user, tab)
    if listed is None:
        return ListPage([], 0, page, per_page)
    if statuses:
        listed = listed.where(Reservation.status.in_(statuses))
    return db.page(listed.order_by(Reservation.created_at.desc(), Reservation.id.desc()), page, per_page)


def _listed(user: User, tab: str):
    """The reservations of the tab as ``user`` may see them: their own, or those of their municipality's items
    if they handle them; None when the user has no such tab (deny by default)."""
    return services.incoming_reservations(user) if tab == INCOMING else services.own_reservations(user)


def openable(user: User, reservation_ids: list[int]) -> set[int]:
    """Those of ``reservation_ids`` whose page ``user`` may open, in one query: the ledger links a hand-over's
    date to its reservation only for them (a network coordinator reads the ledger but not the reservations'
    messages, and a link must not lead to a 404)."""
    if not reservation_ids:
        return set()
    found = db.session.scalars(select(Reservation).where(Reservation.id.in_(set(reservation_ids)))
                               .options(selectinload(Reservation.item)))
    return {reservation.id for reservation in found if can_see_reservation(user, reservation)}
