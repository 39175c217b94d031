"""The report tallies (decision 21): network and site reports read from them equal the same reports summed from
the events themselves, as events are appended, reversed, and organisations join and leave networks."""

import importlib.util
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text

from marketplace.admin import networks as network_admin
from marketplace.accounts.models import Role
from marketplace.db import db
from marketplace.impact import report, tallies
from marketplace.impact.ledger import reverse
from marketplace.impact.models import ReportTally
from marketplace.listings.models import Item
from marketplace.reservations.models import WouldBuyNew
from tests.factories import make_item, make_user
from tests.impact.test_report import hand_over

ROOT = Path(__file__).resolve().parents[2]
PERIODS = [
    (date(2026, 1, 1), date(2026, 12, 31)),  # whole months only
    (date(2026, 3, 5), date(2026, 5, 1)),  # a partial first and last month around a whole one
    (date(2026, 3, 8), date(2026, 3, 20)),  # inside one month
    (date(2026, 3, 1), date(2026, 3, 31)),  # exactly one month
    (date(2025, 12, 15), date(2027, 1, 10)),  # across year ends
    (date(2026, 1, 1), date.max),  # to the last day there is: the service takes any date
]
SCOPES = ("network:vest", "network:nord", "site")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@pytest.fixture
def ledger(region, catalogue):
    """Hand-overs in A, B and C over several months, across units and municipalities, one of them reversed."""
    region.caretaker_c = make_user("caretaker@c.example", Role.CARETAKER, region.c, region.school_c)
    start = at(date(2026, 2, 20))
    chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(40), would_be_discarded=True, now=start)
    desks = make_item(region.caretaker_b, "desk", quantity=Decimal(6), would_be_discarded=True, now=start)
    screens = make_item(region.caretaker_c, "monitor_24", quantity=Decimal(9), now=start)
    events = [
        hand_over(region.member_b, region.caretaker_a, chairs, 10, WouldBuyNew.YES, at(date(2026, 3, 2))),
        hand_over(region.member_a, region.caretaker_a, chairs, 3, WouldBuyNew.UNKNOWN, at(date(2026, 3, 10))),
        hand_over(region.member_a, region.caretaker_b, desks, 2, WouldBuyNew.NO, at(date(2026, 4, 30), 22)),
        hand_over(region.member_c, region.caretaker_c, screens, 4, WouldBuyNew.YES, at(date(2026, 3, 15))),
        hand_over(region.member_b, region.caretaker_b, desks, 1, WouldBuyNew.YES, at(date(2026, 5, 31), 23)),
        hand_over(region.member_c, region.caretaker_c, screens, 2, WouldBuyNew.UNKNOWN, at(date(2026, 12, 31), 23)),
    ]
    reverse(region.admin_a, events[1], "Feil antall", now=at(date(2026, 3, 20)))
    db.session.commit()
    return region


def tallied_and_counted(monkeypatch, scope_text: str, start: date, end: date):
    """The report as the marketplace builds it, and the same report summed from the events alone."""
    scope = report.resolve_scope(None, scope_text)
    tallied = report.build(scope, start, end)
    with monkeypatch.context() as patch:
        patch.setattr(report, "_subtotals", report.subtotals_from_events)
        counted = report.build(scope, start, end)
    return tallied, counted


def assert_every_report_agrees(monkeypatch):
    for scope_text in SCOPES:
        for start, end in PERIODS:
            tallied, counted = tallied_and_counted(monkeypatch, scope_text, start, end)
            assert tallied == counted, (scope_text, start, end)


def test_tallied_reports_equal_reports_from_the_events(ledger, monkeypatch):
    assert_every_report_agrees(monkeypatch)
    year = report.build(report.resolve_scope(None, "site"), *PERIODS[0])
    # 2026 in Oslo: five hand-overs (the sixth is 1 January 2027), one of them reversed.
    assert year.totals.events == 4 and len(year.matrix) == 5 and year.by_unit
    # The whole-month report reads the tallies: without them it comes out empty.
    db.session.execute(delete(ReportTally))
    assert report.build(report.resolve_scope(None, "site"), *PERIODS[0]).totals == report.Totals()


def test_the_tallies_kept_as_events_come_equal_a_rebuild_from_the_ledger(ledger):
    kept = all_tallies()
    assert kept and tallies.rebuild_all() > 0
    assert all_tallies() == kept


def test_a_closed_period_stays_when_membership_changes(ledger, monkeypatch):
    """A network counts the hand-overs recorded in it when they happened: members joining or leaving later leave
    its published figures as they were, and only hand-overs after a join count there."""
    site_admin = ledger.site_admin
    vest, nord = report.resolve_scope(None, "network:vest"), report.resolve_scope(None, "network:nord")
    published = {scope.key: report.build(scope, *PERIODS[0]) for scope in (vest, nord)}
    network_admin.add_to_network(site_admin, ledger.vest, ledger.c)
    assert report.build(vest, *PERIODS[0]) == published["network:vest"]  # C's earlier hand-overs stay out
    screens = db.session.scalars(select(Item).where(Item.municipality_id == ledger.c.id)).one()
    hand_over(ledger.member_a, ledger.caretaker_c, screens, 1, WouldBuyNew.YES, at(date(2027, 2, 1)))
    joined = report.build(vest, date(2027, 1, 1), date(2027, 12, 31))
    assert joined.totals.events == 1 and joined.totals.co2e_net_kg > 0
    network_admin.remove_from_network(site_admin, ledger.vest, ledger.c)
    network_admin.move_municipality(site_admin, ledger.c, ledger.vest)
    assert {scope.key: report.build(scope, *PERIODS[0]) for scope in (vest, nord)} == published
    assert report.build(vest, date(2027, 1, 1), date(2027, 12, 31)) == joined
    assert_every_report_agrees(monkeypatch)


def test_a_reversal_counts_where_the_event_it_corrects_counted(ledger):
    """C leaves nord after a hand-over to A: the reversal made afterwards still cancels it in nord."""
    nord = report.resolve_scope(None, "network:nord")
    screens = db.session.scalars(select(Item).where(Item.municipality_id == ledger.c.id)).one()
    before = report.build(nord, date(2027, 3, 1), date(2027, 3, 31))
    event = hand_over(ledger.member_c, ledger.caretaker_c, screens, 1, WouldBuyNew.YES, at(date(2027, 3, 2)))
    assert report.build(nord, date(2027, 3, 1), date(2027, 3, 31)).totals.events == before.totals.events + 1
    network_admin.move_municipality(ledger.site_admin, ledger.c, ledger.vest)
    reverse(ledger.site_admin, event, "Feil registrert", now=at(date(2027, 3, 5)))
    assert report.build(nord, date(2027, 3, 1), date(2027, 3, 31)).totals == before.totals
    assert report.build(report.resolve_scope(None, "network:vest"), date(2027, 3, 1), date(2027, 3, 31)).totals \
        == report.Totals()


def test_a_second_row_for_the_same_key_adds_up(ledger):
    """Two first hand-overs of a month at the same moment may both insert a row for one key: the report adds
    rows up, so it still counts each once."""
    site = report.resolve_scope(None, "site")
    before = report.build(site, *PERIODS[0])
    first = db.session.scalars(select(ReportTally).where(ReportTally.network_id.is_(None))).all()
    copies = [{column.key: getattr(row, column.key) for column in ReportTally.__table__.columns if column.key != "id"}
              for row in first]
    for values in copies:
        values.update({name: 0 for name in ("event_rows", "events_received", "events_given")},
                      **{name: Decimal(0) for name in report.TOTALS_SCALES})
    db.session.add_all(ReportTally(**values) for values in copies)
    db.session.flush()
    assert report.build(site, *PERIODS[0]) == before


def test_the_migration_sums_the_ledger_as_the_marketplace_does(ledger, monkeypatch):
    """Migration 0012 fills the tallies of a ledger that existed before it with its own SQL (the amounts it knew:
    0015 added the band, the price paid and the refurbishment cost later)."""
    path = next((ROOT / "migrations" / "versions").glob("*_0012_report_tallies.py"))
    spec = importlib.util.spec_from_file_location("migration_0012", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    class Operations:
        @staticmethod
        def get_bind():
            return db.session.connection()

        @staticmethod
        def execute(statement):
            db.session.execute(text(statement))

    monkeypatch.setattr(migration, "op", Operations)
    kept = all_tallies(migration.SCALES)
    db.session.execute(delete(ReportTally))
    migration._sum_the_ledger()
    assert all_tallies(migration.SCALES) == kept


def test_the_command_rebuilds_the_tallies(ledger, runner):
    kept = all_tallies()
    db.session.execute(delete(ReportTally))
    db.session.commit()
    result = runner.invoke(args=["report-tallies"])
    assert result.exit_code == 0, result.output
    assert "Network vest" in result.output and "tally rows" in result.output
    assert all_tallies() == kept


def all_tallies(amounts: dict[str, int] = report.TOTALS_SCALES) -> dict:
    """Every tally key with its exact amounts (all, or those of ``amounts``: name → decimal places), rows of
    one key added up (how the report reads them)."""
    keys = [column for column in ReportTally.__table__.columns
            if column.key not in ("id", "event_rows", "events_received", "events_given", *report.TOTALS_SCALES)]
    sums = [report.exact_sum(getattr(ReportTally, name), scale) for name, scale in amounts.items()]
    counts = [func.sum(getattr(ReportTally, name)) for name in ("event_rows", "events_received", "events_given")]
    rows = db.session.execute(select(*keys, *sums, *counts).group_by(*keys)).all()
    scales = list(amounts.values())
    return {tuple(row[:len(keys)]): (tuple(report.to_decimal(value, scale)
                                           for value, scale in zip(row[len(keys):len(keys) + len(sums)], scales)),
                                     tuple(row[len(keys) + len(sums):]))
            for row in rows}


def test_hand_over_dates_fall_in_their_norwegian_month(ledger):
    """The hand-over at 22:00 UTC on 30 April is 1 May in Oslo, and its tally is May's."""
    months = set(db.session.scalars(select(ReportTally.month).where(ReportTally.breakdown == "factors").distinct()))
    assert date(2026, 5, 1) in months and date(2026, 6, 1) in months and date(2027, 1, 1) in months
    assert all(month.day == 1 for month in months)
