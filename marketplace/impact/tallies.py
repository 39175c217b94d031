"""Keeping the report tallies (decision 21): the reuse ledger summed per month for the site and each network.

Each appended event, and each reversal, is added to the month's subtotals of the site and of every network it
counts in, in the same transaction as the event; the networks are recorded on the event then (those its giver or
receiver belonged to), so a network's tallies never change when its membership does.
Both paths produce the same subtotals as the report's own queries over the events (``report.Subtotals``),
which is what the tests compare.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import delete, func, insert, select, update

from marketplace.db import db
from marketplace.impact.models import ReportTally, ReuseEvent, reuse_event_networks
from marketplace.impact.report import (MEASURES, SIDE_CREDITS, TOTALS_SCALES, FactorMonth, PairSubtotal, Scope,
                                       Subtotals, Totals, UnitSubtotal, subtotals_from_events)
from marketplace.organisations.models import Network, network_members

_FACTOR_KEY = ("category_id", "factor_set_version", "kgco2e_new", "mass_kg", "price_new_nok", "factor_sources",
               "overridden_by")
_AMOUNTS = (*TOTALS_SCALES, "events_received", "events_given")


def add_event(event: ReuseEvent) -> None:
    """Record the networks a just-appended event (or reversal) counts in, and add it to their tallies and the
    site's. An event counts in the networks its giver or receiver belongs to now; a reversal where the event
    it corrects counted, so that it cancels it there and nowhere else."""
    if event.reverses_event_id is not None:
        found = select(reuse_event_networks.c.network_id).where(
            reuse_event_networks.c.event_id == event.reverses_event_id)
    else:
        found = select(network_members.c.network_id).distinct().where(
            network_members.c.organisation_id.in_({event.giver_municipality_id, event.receiver_organisation_id}))
    # In one order always, so two hand-overs at once lock shared tally rows in the same order (no deadlock).
    networks = list(db.session.scalars(found.order_by(found.selected_columns[0])))
    if networks:
        db.session.execute(insert(reuse_event_networks),
                           [{"event_id": event.id, "network_id": network_id} for network_id in networks])
    subtotals = _event_subtotals(event)
    for network_id in (None, *networks):
        for row in _rows(network_id, subtotals):
            _add_row(row)


def rebuild(network_id: int | None) -> int:
    """Sum the tallies of one network (None: the site) again from the whole ledger; returns how many rows."""
    db.session.execute(delete(ReportTally).where(_of(network_id)))
    scope = Scope("network", network_id, "", "") if network_id is not None else Scope("site", None, "", "site")
    rows = _rows(network_id, subtotals_from_events(scope, None, None, by_month=True))
    if rows:
        db.session.execute(insert(ReportTally), rows)
    return len(rows)


def rebuild_all(progress: Callable[[str], object] = lambda _message: None) -> int:
    """Sum every tally again from the ledger: after a bulk load, or to check them (``marketplace tallies``)."""
    rows = rebuild(None)
    progress(f"Site: {rows} tally rows")
    for network in db.session.scalars(select(Network).order_by(Network.slug)):
        count = rebuild(network.id)
        progress(f"Network {network.slug}: {count} tally rows")
        rows += count
    return rows


def _of(network_id: int | None):
    return ReportTally.network_id.is_(None) if network_id is None else ReportTally.network_id == network_id


def _event_subtotals(event: ReuseEvent) -> Subtotals:
    """One event as the subtotals of a scope that counts it once (the site, a network)."""
    sign = 1 if event.quantity > 0 else -1
    totals = Totals(**{name: getattr(event, name) or 0 for name in MEASURES}, quantity_received=event.quantity,
                    quantity_given=event.quantity, events_received=sign, events_given=sign,
                    events_once=sign)
    month = event.occurred_on.replace(day=1)
    factors = tuple(getattr(event, name) for name in _FACTOR_KEY[1:])
    units = [UnitSubtotal(unit_id, side, month, _side(totals, side))
             for unit_id, side in ((event.receiver_unit_id, "received"), (event.giver_unit_id, "given"))
             if unit_id is not None]
    return Subtotals(factor_months=[FactorMonth(event.category_id, factors, month, 1, totals)], units=units,
                     pairs=[PairSubtotal(event.giver_municipality_id, event.receiver_organisation_id, month, totals)])


def _side(totals: Totals, side: str) -> Totals:
    """Only what one side of a hand-over is credited with (a unit's received or given line)."""
    return Totals(**{name: getattr(totals, name) for name in (*SIDE_CREDITS[side], f"events_{side}", "events_once")})


def _rows(network_id: int | None, subtotals: Subtotals) -> list[dict]:
    """Tally rows as column values: every key column present (None where its breakdown has none)."""
    empty = {"category_id": None, **dict.fromkeys(_FACTOR_KEY[1:]), "unit_id": None, "giver_id": None,
             "receiver_id": None, "event_rows": 0}

    def row(breakdown: str, month: date, totals: Totals, **key) -> dict:
        amounts = {name: getattr(totals, name) for name in _AMOUNTS}
        return {**empty, "network_id": network_id, "month": month, "breakdown": breakdown, **key, **amounts}

    rows = [row("factors", line.month, line.totals, event_rows=line.event_rows,
                **dict(zip(_FACTOR_KEY, (line.category_id, *line.factors))))
            for line in subtotals.factor_months]
    rows += [row(f"unit_{line.side}", line.month, line.totals, unit_id=line.unit_id) for line in subtotals.units]
    rows += [row("pair", line.month, line.totals, giver_id=line.giver_id, receiver_id=line.receiver_id)
             for line in subtotals.pairs]
    return rows


def _add_row(row: dict) -> None:
    """Add a row's amounts to the tally with its key, or insert it as a new tally. Each sum is rounded to its
    decimal places, so on SQLite, whose numbers are binary floats, no error builds up over many additions."""
    key = [getattr(ReportTally, name).is_(None) if row[name] is None else getattr(ReportTally, name) == row[name]
           for name in row if name not in _AMOUNTS and name != "event_rows"]
    amounts = {name: func.round(getattr(ReportTally, name) + row[name], TOTALS_SCALES[name])
               for name in TOTALS_SCALES}
    amounts |= {name: getattr(ReportTally, name) + row[name] for name in ("events_received", "events_given",
                                                                         "event_rows")}
    if db.session.execute(update(ReportTally).where(*key).values(amounts)
                          .execution_options(synchronize_session=False)).rowcount == 0:
        db.session.execute(insert(ReportTally).values(row))
