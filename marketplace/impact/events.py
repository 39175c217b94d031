"""The reuse ledger event by event: the hand-overs of a scope and period, each with the scope's side of it.

The report (``report``) sums the same events by the same credit rule (``report.credit``): a scope is credited
with the CO2e and money of the events it received and the waste of the events it gave. Here each event says
which: ``received``, ``given`` or ``both`` (a network or the site counts each event once, so always ``both``;
a municipality that handed over to itself, too). So the report's CO2e and money are the sum over the rows
received or both, its waste the sum over the rows given or both, and an accountant can check it in a pivot.

Events come ordered by Norwegian date, then id, a page at a time; names come in one query per page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from math import ceil

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select, tuple_

from marketplace.db import db
from marketplace.impact.models import ReuseEvent
from marketplace.impact.report import Scope, credit
from marketplace.impact.scope3 import scope3_category
from marketplace.organisations.models import Organisation, Unit

SIDES = ("received", "given", "both")
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000
MAX_PAGE = 1_000_000
CHUNK = 1000  # events per query when the whole period is read (the ledger CSV)


class LedgerInputError(ValueError):
    """A page or page size the ledger cannot give; the message is fit to show."""


@dataclass(frozen=True)
class Party:
    """The giving municipality or the receiving organisation of an event, and its unit where known."""

    organisation_id: int
    slug: str
    name: str
    kind: str  # "municipality" or "partner"
    unit_id: int | None
    unit_name: str | None

    @property
    def label(self) -> str:
        return f"{self.name}, {self.unit_name}" if self.unit_name else self.name


@dataclass(frozen=True)
class Entry:
    """One event of the ledger as a scope sees it."""

    event: ReuseEvent
    side: str | None  # "received", "given" or "both"; None when read outside any scope
    giver: Party
    receiver: Party
    reversed_by: int | None  # the event that reverses this one, if any
    scope3: int  # the GHG Protocol scope-3 category of the avoided purchase (``scope3``)


@dataclass
class LedgerPage:
    entries: list[Entry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def _selection(scope: Scope, start: date, end: date):
    """(where, side): the scope's events in the period, and the SQL that names the scope's side of each."""
    received, given = credit(scope)
    side = case((and_(received, given), literal("both")), (received, literal("received")), else_=literal("given"))
    where = and_(ReuseEvent.occurred_on >= start, ReuseEvent.occurred_on <= end, or_(received, given))
    return where, side.label("side")


def page_of(scope: Scope, start: date, end: date, page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> LedgerPage:
    """One page of the scope's events between two Norwegian dates (both included), oldest first."""
    if end < start:
        raise LedgerInputError(_("The period must end on or after its first day."))
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise LedgerInputError(_("Choose from 1 to %(most)d events per page.", most=MAX_PER_PAGE))
    if not 1 <= page <= MAX_PAGE:
        raise LedgerInputError(_("Choose a page number from 1."))
    where, side = _selection(scope, start, end)
    total = db.session.scalar(select(func.count()).select_from(ReuseEvent).where(where)) or 0
    rows = db.session.execute(select(ReuseEvent, side).where(where)
                              .order_by(ReuseEvent.occurred_on, ReuseEvent.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return LedgerPage(describe([(event, side) for event, side in rows]), total, page, per_page)


def chunks(scope: Scope, start: date, end: date, size: int = CHUNK) -> Iterator[list[Entry]]:
    """Every event of the scope and period, ``size`` at a time, oldest first: a year of a large network is
    never held in memory at once. Each chunk starts after the last one's (date, id), so no row is read twice
    and the database never skips over rows already read."""
    where, side = _selection(scope, start, end)
    after = None
    while True:
        query = select(ReuseEvent, side).where(where)
        if after is not None:
            query = query.where(tuple_(ReuseEvent.occurred_on, ReuseEvent.id) > tuple_(*after))
        rows = db.session.execute(query.order_by(ReuseEvent.occurred_on, ReuseEvent.id).limit(size)).all()
        if not rows:
            return
        yield describe([(event, side) for event, side in rows])
        if len(rows) < size:
            return
        last = rows[-1][0]
        after = (last.occurred_on, last.id)  # the session holds loaded events weakly: a written chunk goes


def describe(rows: list[tuple[ReuseEvent, str | None]]) -> list[Entry]:
    """Events with their sides as entries: organisations, units and reversals looked up in one query each.
    Also for a single event outside a scope (side None), as a reversal answers it."""
    if not rows:
        return []
    events = [event for event, _side in rows]
    organisation_ids = {event.giver_municipality_id for event in events} | \
        {event.receiver_organisation_id for event in events}
    unit_ids = {event.giver_unit_id for event in events} | {event.receiver_unit_id for event in events}
    unit_ids.discard(None)
    organisations = {row.id: row for row in db.session.execute(
        select(Organisation.id, Organisation.slug, Organisation.name, Organisation.kind)
        .where(Organisation.id.in_(organisation_ids)))}
    units = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()) \
        if unit_ids else {}
    reversals = dict(db.session.execute(
        select(ReuseEvent.reverses_event_id, func.min(ReuseEvent.id))
        .where(ReuseEvent.reverses_event_id.in_([event.id for event in events]))
        .group_by(ReuseEvent.reverses_event_id)).all())

    def party(organisation_id: int, unit_id: int | None) -> Party:
        organisation = organisations[organisation_id]
        return Party(organisation_id, organisation.slug, organisation.name, str(organisation.kind), unit_id,
                     units.get(unit_id) if unit_id is not None else None)

    return [Entry(event, side, party(event.giver_municipality_id, event.giver_unit_id),
                  party(event.receiver_organisation_id, event.receiver_unit_id), reversals.get(event.id),
                  scope3_category(event.category))
            for event, side in rows]
