"""The event ledger: each event with the scope's side, summing to the report by the credit rule; its page, its
long-format CSV and `marketplace report --format ledger-csv`, on both engines."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.db import db
from marketplace.impact import events, ledger_export, report
from marketplace.impact.ledger import reverse
from marketplace.impact.scope3 import scope3_category
from marketplace.listings.models import Category, CategoryGroup, MeasureUnit
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import counting_queries, login
from tests.factories import make_item
from tests.impact.test_report import T0, YEAR, hand_over, ledger  # noqa: F401  (fixture)

A_YEAR = "scope=municipality:kommune-a&period=custom&from=2026-01-01&to=2026-12-31"
RECEIVED = ("co2e_net_kg", "co2e_gross_kg", "co2e_low_kg", "co2e_high_kg", "money_nok")
SCOPES = ["municipality:kommune-a", "municipality:kommune-b", "unit:{school_a}", "unit:{depot_a}",
          "unit:{school_b}", "network:vest", "network:nord", "site"]


@pytest.fixture
def corrected(ledger):  # noqa: F811
    """The hand-built ledger with the chairs A gave B reversed in June."""
    ledger.e4 = reverse(ledger.admin_a, ledger.e1, "Registrert ved en feil",
                        now=datetime(2026, 6, 1, 9, tzinfo=timezone.utc))
    db.session.commit()
    return ledger


def scope_of(region, text: str) -> report.Scope:
    return report.resolve_scope(None, text.format(school_a=region.school_a.id, depot_a=region.depot_a.id,
                                                  school_b=region.school_b.id))


def every_entry(scope, start, end, size=2) -> list[events.Entry]:
    return [entry for chunk in events.chunks(scope, start, end, size=size) for entry in chunk]


# --- The service --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scope_text", SCOPES)
def test_the_report_is_the_sum_of_its_ledger_rows(corrected, scope_text):
    """The issue's test: CO2e and money are the sum over the rows received or both, waste over given or both."""
    scope = scope_of(corrected, scope_text)
    for start, end in (YEAR, (date(2026, 3, 7), date(2026, 6, 1))):  # whole months (tallies) and partial ones
        totals = report.build(scope, start, end).totals
        entries = every_entry(scope, start, end)
        for name in RECEIVED:
            assert sum((getattr(entry.event, name) for entry in entries if entry.side in ("received", "both")),
                       Decimal(0)) == getattr(totals, name), name
        assert sum((entry.event.waste_kg for entry in entries if entry.side in ("given", "both")),
                   Decimal(0)) == totals.waste_kg


def test_each_event_says_the_scopes_side(corrected):
    e1, e2, e3, e4 = corrected.e1.id, corrected.e2.id, corrected.e3.id, corrected.e4.id

    def sides(text):
        return {entry.event.id: entry.side for entry in every_entry(scope_of(corrected, text), *YEAR)}

    # A gave the chairs to B (and its reversal), the keyboards to itself; B gave the desk to A.
    assert sides("municipality:kommune-a") == {e1: "given", e2: "both", e3: "received", e4: "given"}
    assert sides("municipality:kommune-b") == {e1: "received", e3: "given", e4: "received"}
    assert sides("unit:{school_a}") == {e2: "received", e3: "received"}
    assert sides("unit:{depot_a}") == {e1: "given", e2: "given", e4: "given"}
    assert sides("network:vest") == sides("site") == {e1: "both", e2: "both", e3: "both", e4: "both"}
    assert sides("network:nord") == {}


def test_events_are_ordered_paged_and_know_their_reversals(corrected):
    scope = scope_of(corrected, "network:vest")
    first = events.page_of(scope, *YEAR, page=1, per_page=3)
    second = events.page_of(scope, *YEAR, page=2, per_page=3)
    assert (first.total, first.pages, len(first.entries), len(second.entries)) == (4, 2, 3, 1)
    ordered = [entry.event for entry in first.entries + second.entries]
    assert [(event.occurred_on, event.id) for event in ordered] == sorted((e.occurred_on, e.id) for e in ordered)
    by_id = {entry.event.id: entry for entry in first.entries + second.entries}
    assert by_id[corrected.e1.id].reversed_by == corrected.e4.id
    assert by_id[corrected.e4.id].event.reverses_event_id == corrected.e1.id
    assert by_id[corrected.e4.id].event.quantity == -by_id[corrected.e1.id].event.quantity
    assert by_id[corrected.e1.id].giver.label == "A kommune, A depot"
    assert by_id[corrected.e1.id].receiver.label == "B kommune, B skole"
    assert events.page_of(scope, *YEAR, page=3, per_page=3).entries == []
    assert [entry.event.id for entry in every_entry(scope, *YEAR, size=1)] == [event.id for event in ordered]
    for page, per_page in ((0, 10), (1, 0), (1, events.MAX_PER_PAGE + 1)):
        with pytest.raises(events.LedgerInputError):
            events.page_of(scope, *YEAR, page=page, per_page=per_page)
    with pytest.raises(events.LedgerInputError):
        events.page_of(scope, date(2026, 2, 1), date(2026, 1, 1))


def test_a_page_costs_the_same_few_queries_however_many_events(app, corrected):
    scope = scope_of(corrected, "network:vest")

    def queries() -> int:
        db.session.commit()  # each count starts a transaction (SQLite's BEGIN is a statement too)
        db.session.expunge_all()
        with counting_queries(app) as statements:
            events.page_of(scope, *YEAR, per_page=100)
        return len(statements)

    before = queries()
    for slug in ("desk", "bookshelf", "whiteboard", "table", "sofa"):
        item = make_item(corrected.caretaker_b, slug, quantity=Decimal(1), now=T0)
        hand_over(corrected.member_a, corrected.caretaker_b, item, 1, WouldBuyNew.YES, T0 + timedelta(days=5))
    db.session.commit()
    assert queries() == before <= 6  # count, events, organisations, units, reversals (and BEGIN)


def test_scope3_follows_the_group_unless_the_category_says_otherwise(catalogue):
    by_slug = {category.slug: category for category in db.session.scalars(select(Category))}
    assert scope3_category(by_slug["office_chair"]) == 1 and scope3_category(by_slug["laptop"]) == 1
    assert scope3_category(by_slug["grit_sand"]) == 1  # consumed: its own line
    # A building material the mapping has never seen takes its group's category.
    plasterboard = Category(slug="plasterboard_test", name_nb="Gipsplate", name_en="Plasterboard",
                            group=CategoryGroup.MATERIAL, unit=MeasureUnit.KG)
    assert scope3_category(plasterboard) == 2


# --- The CSV, the command line and the page ---------------------------------------------------------------

def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_ledger_csv_has_one_row_per_event_with_every_column(client, corrected):
    login(client, "member@a.example")
    response = client.get(f"/report/ledger.csv?{A_YEAR}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "-municipality-kommune-a-2026-01-01-2026-12-31.csv" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # Excel reads UTF-8 with the mark, as the report's CSV
    rows = read_csv(text.removeprefix("\ufeff"))
    with force_locale("nb"):
        assert rows[0] == ledger_export.headings()
        assert "Dato" in rows[0] and any("Scope 3" in heading or "scope 3" in heading for heading in rows[0])
    keys = [column.key for column in ledger_export.COLUMNS]
    body = [dict(zip(keys, row)) for row in rows[1:]]
    entries = every_entry(scope_of(corrected, "municipality:kommune-a"), *YEAR)
    assert [int(row["id"]) for row in body] == [entry.event.id for entry in entries]
    keyboards = next(row for row in body if int(row["id"]) == corrected.e2.id)
    assert (keyboards["side"], keyboards["category"], keyboards["unit"], keyboards["quantity"]) == (
        "both", "keyboard", "piece", "4.000")
    assert keyboards["co2e_kg"] == "28.000" and keyboards["money_nok"] == "1400.00"
    assert keyboards["scope3_category"] == "1" and keyboards["category_name"] == "Tastatur"
    reversal = next(row for row in body if int(row["id"]) == corrected.e4.id)
    assert reversal["reverses"] == str(corrected.e1.id) and reversal["quantity"] == "-10.000"
    assert reversal["note"] == "Registrert ved en feil"
    # The report's waste is the sum of the file's given and both rows.
    waste = sum((Decimal(row["waste_kg"]) for row in body if row["side"] in ("given", "both")), Decimal(0))
    assert waste == report.build(scope_of(corrected, "municipality:kommune-a"), *YEAR).totals.waste_kg


def test_the_ledger_csv_is_written_a_chunk_at_a_time(corrected):
    scope = scope_of(corrected, "network:vest")
    pieces = list(ledger_export.lines(scope, *YEAR, chunk=1))
    assert len(pieces) == 1 + 4  # headings, then one chunk per event
    assert len(read_csv("".join(pieces))) == 5


def test_cli_ledger_csv_is_the_download(runner, client, corrected, tmp_path):
    result = runner.invoke(args=["report", "--scope", "municipality:kommune-a", "--from", "2026-01-01",
                                 "--to", "2026-12-31", "--format", "ledger-csv"])
    assert result.exit_code == 0, result.output
    login(client, "member@a.example")
    download = client.get(f"/report/ledger.csv?{A_YEAR}").get_data().decode("utf-8-sig")
    assert result.output.replace("\r\n", "\n") == download.replace("\r\n", "\n")
    target = tmp_path / "ledger.csv"
    result = runner.invoke(args=["report", "--scope", "network:vest", "--from", "2026-01-01", "--to", "2026-12-31",
                                 "--format", "ledger-csv", "--locale", "en", "--output", str(target)])
    assert result.exit_code == 0, result.output
    rows = read_csv(target.read_text(encoding="utf-8"))
    assert rows[0][:2] == ["Event", "Date"] and len(rows) == 1 + 4


def test_the_ledger_page_lists_the_events_with_links_and_corrections(client, corrected):
    login(client, "member@a.example")
    response = client.get(f"/report/ledger?{A_YEAR}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tastatur" in html and "Skrivebord" in html and "Kontorstol" in html
    assert "<caption" in html and 'scope="col"' in html and 'role="region"' in html
    assert f"Korrigerer #{corrected.e1.id}" in html and "Reversert" in html
    assert f'href="/reservations/{corrected.e2.reservation_id}"' in html
    assert 'href="/report/ledger.csv?' in html
    report_page = client.get(f"/report?{A_YEAR}").get_data(as_text=True)
    assert 'href="/report/ledger?' in report_page and 'href="/report/ledger.csv?' in report_page
    assert "/reverse" not in html  # a member corrects nothing


def test_an_admin_corrects_from_the_ledger(client, corrected):
    """The ledger offers a correction of each hand-over not yet reversed to an admin of either side."""
    login(client, "admin@a.example")
    html = client.get(f"/report/ledger?{A_YEAR}").get_data(as_text=True)
    links = set(re.findall(r'href="/reuse-events/(\d+)/reverse"', html))
    assert links == {str(corrected.e2.id), str(corrected.e3.id)}  # not e1 (reversed) nor its reversal e4
    assert client.get(f"/reuse-events/{corrected.e3.id}/reverse").status_code == 200


def test_the_ledger_page_is_paged_by_fifty(client, corrected):
    chairs = make_item(corrected.caretaker_a, "stackable_chair", quantity=Decimal(60), now=T0)
    for day in range(52):
        hand_over(corrected.member_a, corrected.caretaker_a, chairs, 1, WouldBuyNew.YES,
                  T0 + timedelta(days=10, minutes=day))
    db.session.commit()
    login(client, "member@a.example")
    first = client.get(f"/report/ledger?{A_YEAR}").get_data(as_text=True)
    assert first.count("<tr>") == 1 + 50 and 'rel="next"' in first
    second = client.get(f"/report/ledger?{A_YEAR}&page=2").get_data(as_text=True)
    assert second.count("<tr>") == 1 + 6 and 'rel="prev"' in second


@pytest.mark.parametrize("path", ["/report/ledger", "/report/ledger.csv"])
@pytest.mark.parametrize("scope", ["municipality:kommune-b", "network:vest", "site", "unit:{school_b}"])
def test_a_member_cannot_read_another_municipalitys_ledger(client, corrected, path, scope):
    login(client, "member@a.example")
    scope = scope.format(school_b=corrected.school_b.id)
    assert client.get(f"{path}?scope={scope}&period=custom&from=2026-01-01&to=2026-12-31").status_code == 403


def test_the_ledger_answers_bad_input_with_400(client, corrected):
    assert client.get("/report/ledger").status_code in (302, 401)  # signed out
    assert client.get("/report/ledger.csv").status_code in (302, 401)
    login(client, "member@a.example")
    for page in ("0", "-1", "x", "99999999999999", "١"):
        assert client.get(f"/report/ledger?{A_YEAR}&page={page}").status_code == 400, page
    assert client.get("/report/ledger?period=custom&from=2026-05-01&to=2026-01-01").status_code == 400
    assert client.get("/report/ledger.csv?scope=galaxy:far").status_code == 400
    assert client.get("/report/ledger?scope=municipality:nowhere").status_code == 404


def test_the_ledger_links_a_reservation_only_for_those_who_may_open_it(client, corrected):
    """A network coordinator reads the ledger but not the reservations: the dates are not links for them (a link
    must never lead to a 404). The giver's caretaker gets the links, and they open."""
    network = "scope=network:vest&period=custom&from=2026-01-01&to=2026-12-31"
    login(client, "coordinator@vest.example")
    html = client.get(f"/report/ledger?{network}").get_data(as_text=True)
    assert "Kontorstol" in html and 'href="/reservations/' not in html
    assert client.get(f"/reservations/{corrected.e2.reservation_id}").status_code == 404
    client.post("/logout")
    login(client, "caretaker@a.example")
    html = client.get(f"/report/ledger?{A_YEAR}").get_data(as_text=True)
    linked = set(re.findall(r'href="/reservations/(\d+)"', html))
    assert str(corrected.e2.reservation_id) in linked
    for reservation_id in linked:
        assert client.get(f"/reservations/{reservation_id}").status_code == 200
