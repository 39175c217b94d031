"""A published report can be made again exactly (issue #17): its stamp names the last event it counts, and the
same scope and period with as_of=that event give the same figures on the page, in the files, through the API and
on the command line, whatever was recorded since. Corrections restate the period they correct, and a report
lists those made after its period ended."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from marketplace.admin import networks as network_admin
from marketplace.api import services as tokens
from marketplace.db import db
from marketplace.impact import document, exports, report
from marketplace.reservations import handover
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import login
from tests.factories import make_item
from tests.impact.test_report import T0, YEAR, hand_over, ledger  # noqa: F401  (fixture)

JANUARY = datetime(2027, 1, 12, 9, 0, tzinfo=timezone.utc)
SCOPES = ("municipality:kommune-a", "municipality:kommune-b", "network:vest", "site")


def build(scope_text: str, **options) -> report.Report:
    return report.build(report.resolve_scope(None, scope_text), *YEAR, **options)


@pytest.fixture
def published(ledger):  # noqa: F811
    """The 2026 reports as published on 31 December, then a year of changes: a correction of a 2026 hand-over
    made in January, a late hand-over of 2026 recorded after publication, and B leaving the network."""
    before = {scope: build(scope) for scope in SCOPES}
    ledger.stamps = {scope: data.stamp.last_event_id for scope, data in before.items()}
    ledger.before = before
    handover.reverse_hand_over(ledger.admin_a, ledger.e1, "Stolene gikk til feil skole", now=JANUARY)
    chairs = make_item(ledger.caretaker_a, "office_chair", quantity=Decimal(5), now=T0)
    hand_over(ledger.member_a, ledger.caretaker_a, chairs, 2, WouldBuyNew.YES, datetime(2026, 12, 30, 9, 0,
                                                                                         tzinfo=timezone.utc))
    network_admin.remove_from_network(ledger.site_admin, ledger.vest, ledger.b)
    db.session.commit()
    return ledger


def test_as_of_the_stamp_every_report_is_the_one_published(published):
    for scope in SCOPES:
        now = build(scope)
        assert now.totals != published.before[scope].totals, scope  # the ledger has moved on
        again = build(scope, as_of=published.stamps[scope])
        assert again.totals == published.before[scope].totals, scope
        assert again.by_category == published.before[scope].by_category and again.matrix == published.before[scope].matrix
        assert again.stamp.last_event_id == published.stamps[scope] and again.stamp.as_of == published.stamps[scope]
        assert again.late_corrections == []  # the correction came after the stamp


def test_the_stamp_names_the_factor_sets_and_the_last_event(published):
    vest = published.before["network:vest"]
    assert vest.stamp.factor_sets == ("2026.1",)
    assert vest.stamp.last_event_id == published.e3.id  # the newest of the three hand-overs
    empty = report.build(report.resolve_scope(None, "network:vest"), date(2025, 1, 1), date(2025, 12, 31))
    assert empty.stamp.last_event_id is None and empty.stamp.factor_sets == ()


def test_a_correction_restates_its_year_and_is_listed_as_late(published):
    a = build("municipality:kommune-a")
    # The chairs A gave B in March 2026, corrected in January 2027: gone from A's waste and B's CO2e in 2026.
    assert a.totals.waste_kg == published.before["municipality:kommune-a"].totals.waste_kg - Decimal("150.000")
    [correction] = a.late_corrections
    assert (correction.reverses_event_id, correction.occurred_on, correction.recorded_on) == \
        (published.e1.id, published.e1.occurred_on, date(2027, 1, 12))
    assert correction.quantity == Decimal(-10) and correction.note == "Stolene gikk til feil skole"
    next_year = report.build(report.resolve_scope(None, "municipality:kommune-a"), date(2027, 1, 1),
                             date(2027, 12, 31))
    assert next_year.totals == report.Totals()  # nothing lands in the year the correction was made
    text = exports.to_csv(document.build(a, JANUARY))
    assert "Corrections made after the period ended" in text or "Korrigeringer gjort etter" in text
    assert "Stolene gikk til feil skole" in text
    assert json.loads(exports.to_json(document.build(a, JANUARY)))["late_corrections"][0]["reverses"] == \
        published.e1.id


def test_the_network_report_keeps_a_member_that_left(published):
    """B left the network after 2026: the network still counts what B gave and received while a member."""
    vest = build("network:vest")
    assert vest.totals.events == published.before["network:vest"].totals.events  # −1 corrected, +1 late
    assert {giver for giver, _receiver, _totals in vest.matrix} == {"A kommune", "B kommune"}


def test_page_api_and_command_line_reproduce_with_as_of(published, client, runner):
    stamp = published.stamps["municipality:kommune-a"]
    net = published.before["municipality:kommune-a"].totals.co2e_net_kg
    secret = tokens.create_token(published.member_a, "tests").secret
    db.session.commit()
    answer = client.get(f"/api/v1/impact?scope=municipality:kommune-a&from={YEAR[0]}&to={YEAR[1]}&as_of={stamp}",
                        headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert Decimal(answer["co2e_kg"]) == net
    assert answer["stamp"]["last_event_id"] == stamp and answer["stamp"]["as_of"] == stamp
    latest = client.get(f"/api/v1/impact?scope=municipality:kommune-a&from={YEAR[0]}&to={YEAR[1]}",
                        headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert latest["stamp"]["last_event_id"] > stamp and latest["stamp"]["as_of"] is None
    bad = client.get("/api/v1/impact?as_of=zero", headers={"Authorization": f"Bearer {secret}"})
    assert bad.status_code == 400

    result = runner.invoke(args=["report", "--scope", "municipality:kommune-a", "--from", str(YEAR[0]),
                                 "--to", str(YEAR[1]), "--format", "json", "--as-of", str(stamp)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert Decimal(str(body["totals"]["co2e_net_kg"])) == net and body["stamp"]["as_of"] == stamp

    login(client, "member@a.example")
    args = f"scope=municipality:kommune-a&period=custom&from={YEAR[0]}&to={YEAR[1]}"
    page = client.get(f"/report?{args}&as_of={stamp}").get_data(as_text=True)
    assert f"as_of={stamp}" in page  # the note on making it again, and the export links
    rows = list(csv.reader(io.StringIO(client.get(f"/report/export.csv?{args}&as_of={stamp}")
                                       .get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert [str(stamp)] == [row[1] for row in rows if row and row[0] in ("Ledger up to event", "Hovedbok til og med hendelse")]
    assert client.get(f"/report?{args}&as_of=-4").status_code == 400
    late = client.get(f"/report?{args}").get_data(as_text=True)
    assert 'id="corrections-heading"' in late and "Stolene gikk til feil skole" in late
