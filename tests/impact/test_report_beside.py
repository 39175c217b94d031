"""The report page answers first: the totals beside the same scope's period before (last year's same dates for a
year so far), the change of each in words and signs, then the two charts, then the details to open."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from marketplace.db import db
from marketplace.impact import charts, previous, report
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import login
from tests.factories import make_item
from tests.impact.test_report import T0, hand_over, ledger  # noqa: F401  (fixtures)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("start, end, today, expected", [
    # This year, still running: what has happened so far against the same dates last year.
    (date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 5),
     (date(2025, 1, 1), date(2025, 12, 5), date(2026, 12, 5))),
    # A whole year that is over: the year before, whole.
    (date(2025, 1, 1), date(2025, 12, 31), date(2026, 12, 5),
     (date(2024, 1, 1), date(2024, 12, 31), date(2025, 12, 31))),
    # A quarter: the quarter before; a month: the month before, to its last day.
    (date(2026, 4, 1), date(2026, 6, 30), date(2026, 12, 5), (date(2026, 1, 1), date(2026, 3, 31), date(2026, 6, 30))),
    (date(2026, 3, 1), date(2026, 3, 31), date(2026, 12, 5), (date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 31))),
    (date(2025, 2, 1), date(2025, 2, 28), date(2026, 12, 5), (date(2025, 1, 1), date(2025, 1, 31), date(2025, 2, 28))),
    # Any other period: as many days just before it.
    (date(2026, 3, 5), date(2026, 3, 10), date(2026, 12, 5), (date(2026, 2, 27), date(2026, 3, 4), date(2026, 3, 10))),
    # Two years so far: the two years before, to the same date.
    (date(2025, 1, 1), date(2026, 12, 31), date(2026, 2, 28),
     (date(2023, 1, 1), date(2024, 2, 28), date(2026, 2, 28))),
])
def test_the_comparison_period(start, end, today, expected):
    assert previous.comparison_period(start, end, today) == expected


@pytest.mark.parametrize("now, before, text, direction", [
    (Decimal("112"), Decimal("100"), "+12\u00a0%", "up"),
    (Decimal("95"), Decimal("100"), "−5\u00a0%", "down"),
    (Decimal("-50"), Decimal("-100"), "+50\u00a0%", "up"),  # a negative sum that shrank is a rise
    (Decimal("100.4"), Decimal("100"), "±0\u00a0%", "up"),
    (Decimal("0"), Decimal("80"), "−100\u00a0%", "down"),
    (Decimal("7"), Decimal("0"), "ingenting før", "up"),
    (0, 0, "ingen endring", "same"),
])
def test_the_change_is_written_with_a_sign_or_words(app, now, before, text, direction):
    change = previous.Change(now, before)
    with app.test_request_context(), force_locale("nb"):
        assert change.text == text and change.direction == direction


def test_a_year_so_far_is_compared_with_the_same_dates_last_year(ledger):  # noqa: F811
    """2027 up to 10 March beside 1 January – 10 March 2026: the March hand-overs count, the one of 1 May not."""
    scope = report.resolve_scope(None, "municipality:kommune-a")
    this_year = report.build(scope, date(2027, 1, 1), date(2027, 12, 31))
    beside = previous.beside(this_year, date(2027, 3, 10), "nb")
    march = report.build(scope, date(2026, 1, 1), date(2026, 3, 10)).totals
    whole = report.build(scope, date(2026, 1, 1), date(2026, 12, 31)).totals
    assert (beside.start, beside.end, beside.running, beside.last_year) == (date(2026, 1, 1), date(2026, 3, 10),
                                                                            True, True)
    assert beside.totals == march and march.events == 2 and whole.events == 3  # the desk of 1 May is left out
    assert beside.changes["co2e_net_kg"].before == march.co2e_net_kg > 0
    assert beside.changes["co2e_net_kg"].text == "−100\u00a0%"
    assert beside.name == "Samme datoer i fjor"


@pytest.fixture
def earlier(ledger):  # noqa: F811
    """One more hand-over on 3 March, the period before 5–10 March (which has the two of 7 March)."""
    chairs = make_item(ledger.caretaker_a, "office_chair", quantity=Decimal(4), would_be_discarded=True,
                       now=T0 - timedelta(days=1))
    hand_over(ledger.member_a, ledger.caretaker_a, chairs, 2, WouldBuyNew.YES, T0 + timedelta(days=1))
    db.session.commit()
    return ledger


PERIOD = "scope=municipality:kommune-a&period=custom&from=2026-03-05&to=2026-03-10"


def test_the_page_shows_the_period_before_and_the_change(client, earlier):
    scope = report.resolve_scope(None, "municipality:kommune-a")
    now = report.build(scope, date(2026, 3, 5), date(2026, 3, 10)).totals
    before = report.build(scope, date(2026, 2, 27), date(2026, 3, 4)).totals
    assert before.events == 1 and now.events == 2 and before.co2e_net_kg > 0
    login(client, "member@a.example")
    html = client.get(f"/report?{PERIOD}").get_data(as_text=True)
    text = text_of(html)
    with force_locale("nb"):
        change = previous.Change(now.co2e_net_kg, before.co2e_net_kg).text.replace("\u00a0", " ")
        shown_before = charts.co2e(before.co2e_net_kg).replace("\u00a0", " ").replace("\u202f", " ")
        money_before = charts.nok(before.money_nok).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Sammenlignet med 27. februar 2026 – 4. mars 2026, samme utvalg." in text
    assert f"Forrige periode: {shown_before}" in text and f"Forrige periode: {money_before}" in text
    assert f"Endring: {change}" in text and re.search(r"Endring: [+−]\d+ %", text)
    assert "Overleveringer, forrige periode 1 (Endring: +100 %)" in text  # dt, dd
    answer = html.split('id="totals-heading"', 1)[1].split("</section>", 1)[0]
    assert "Forrige periode" in answer  # beside this period's totals, before any chart


def test_the_answer_comes_first_and_the_details_open_on_demand(client, ledger):  # noqa: F811
    login(client, "admin@a.example")
    html = client.get("/report?scope=municipality:kommune-a&period=custom&from=2026-01-01&to=2026-12-31"
                      ).get_data(as_text=True)
    order = [html.index(f'id="{key}-heading"') for key in ("totals", "by_group", "over_time", "by_category",
                                                            "by_unit", "needs", "method")]
    assert order == sorted(order)  # totals, the two charts, then the details
    for key in ("by_category", "by_unit", "needs", "method"):  # each a closed disclosure with its heading inside
        assert re.search(rf'<details class="report-details">\s*<summary class="report-details__summary">'
                         rf'<h2 id="{key}-heading">', html), key
    for key in ("by_group", "over_time"):  # the chart shows, its table opens
        section = html.split(f'id="{key}-heading"', 1)[1].split("</section>", 1)[0]
        assert section.index('<svg') < section.index('<details class="report-details report-details--table">')
    assert '<details class="card report-controls">' in html  # the choices wait closed under a report
    assert "<details" in html and " open>" not in html.split('id="totals-heading"', 1)[1]  # nothing opened
    assert 'src="/static/js/report.' in html  # fingerprinted; opens every section for printing where CSS cannot
