"""The climate report in a real browser: axe-core on desktop, phone and print, and charts that people who cannot
see them still get (an accessible name and description, and a table with the same numbers)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login

DEMO_ADMIN = "admin@dulten.example"
DEMO_NETWORK_ADMIN = "nettverk@dulten-regionen.example"


@pytest.fixture
def hand_overs(live_server, make_app):
    """A few hand-overs this year in the live server's database (the demo region may have no history yet):
    Dulten gives chairs to its own school and to Nordvik; Nordvik gives desks to Dulten."""
    from marketplace.accounts.services import find_user_by_email
    from marketplace.db import db, utcnow
    from marketplace.reservations import handover
    from marketplace.reservations import services as reservations
    from marketplace.reservations.models import WouldBuyNew
    from tests.factories import make_item

    app = make_app()
    with app.app_context():
        now = utcnow()
        listed = now - timedelta(days=20)  # long enough for the network to see the items
        people = {email: find_user_by_email(email) for email in (
            "vaktmester@dulten.example", "skole@dulten.example", "vaktmester@nordvik.example",
            "skole@nordvik.example")}
        chairs = make_item(people["vaktmester@dulten.example"], "office_chair", title="Kontorstoler til rapport",
                           quantity=Decimal(12), would_be_discarded=True, now=listed)
        desks = make_item(people["vaktmester@nordvik.example"], "desk", title="Skrivebord til rapport",
                          quantity=Decimal(3), would_be_discarded=True, now=listed)
        for receiver, giver, item, quantity, answer, days in (
            ("skole@dulten.example", "vaktmester@dulten.example", chairs, 5, WouldBuyNew.YES, 3),
            ("skole@nordvik.example", "vaktmester@dulten.example", chairs, 4, WouldBuyNew.UNKNOWN, 2),
            ("skole@dulten.example", "vaktmester@nordvik.example", desks, 2, WouldBuyNew.YES, 1),
        ):
            when = max(now - timedelta(days=days), now.replace(month=1, day=1, hour=12, minute=0))
            reservation = reservations.reserve(people[receiver], item.id, Decimal(quantity), would_buy_new=answer,
                                               now=when)
            handover.collect(people[giver], reservation, now=when + timedelta(minutes=30))
        db.session.commit()
    return live_server


def _check_charts(page) -> int:
    """Every chart is an <svg role="img"> named by its title and description, and the table in its section has
    each value the description lists. Returns the number of charts."""
    charts = page.locator("main svg.chart")
    count = charts.count()
    for index in range(count):
        chart = charts.nth(index)
        assert chart.get_attribute("role") == "img"
        title_id, desc_id = chart.get_attribute("aria-labelledby").split()
        title = page.locator(f"#{title_id}").text_content().strip()
        description = page.locator(f"#{desc_id}").text_content().strip()
        assert title and description
        assert page.locator(f"#{title_id}").evaluate("e => e.tagName.toLowerCase()") == "title"
        assert page.locator(f"#{desc_id}").evaluate("e => e.tagName.toLowerCase()") == "desc"
        # The accessible name the browser computes for the chart.
        name = chart.evaluate("e => e.getAttribute('aria-labelledby').split(' ')"
                              ".map(id => document.getElementById(id).textContent).join(' ')")
        assert title in name
        section = chart.locator("xpath=ancestor::section[1]")
        table = section.locator("table")
        assert table.count() == 1
        rows = table.locator("tbody tr").all_text_contents()  # also in a section not opened yet
        values = description.split(". ", 1)[1].rstrip(".").split("; ")
        assert values, description
        for pair in values:
            label, value = pair.rsplit(": ", 1)
            assert any(label in row and value in row for row in rows), (pair, rows)
    return count


def test_report_page_passes_axe_on_desktop_and_phone_and_its_charts_have_text(browser, new_page, hand_overs):
    for viewport in ("desktop", "phone"):
        page = new_page(viewport)
        login(page, DEMO_ADMIN)
        response = page.goto("/report")
        assert response.status == 200
        assert page.locator("h1").inner_text() == "Dulten kommune"
        assert _check_charts(page) == 4  # by group, by category, by unit, over time
        assert page.locator("main svg.chart rect").count() > 0  # the charts are not empty
        # The answer first: the totals beside last year's, the change written out, the two charts in view.
        assert page.locator(".report-total__before").first.is_visible()
        assert page.locator(".report-change").first.inner_text().startswith("Endring: ")
        assert page.locator("#chart-by-group").is_visible() and page.locator("#chart-over-time").is_visible()
        assert not page.locator("#chart-by-category").is_visible()  # in a section the reader opens
        assert_no_axe_violations(page)
        assert_no_horizontal_scroll(page)
        # A section opens by keyboard (Enter on its summary), and every section open passes axe too.
        summary = page.locator("#by_category summary")
        summary.focus()
        page.keyboard.press("Enter")
        assert page.locator("#chart-by-category").is_visible()
        assert page.locator("#by_category table").is_visible()
        page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
        assert_no_axe_violations(page)
        assert_no_horizontal_scroll(page)
        assert page.problems == []


def test_print_view_is_clean_and_passes_axe(new_page, hand_overs):
    page = new_page("desktop")
    login(page, DEMO_ADMIN)
    page.goto("/report?bucket=quarter")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".report-controls").is_visible()
    assert not page.locator(".report-actions").is_visible()
    assert page.locator("h1").is_visible() and page.locator(".report__period").is_visible()
    assert page.locator(".report__generated").is_visible()
    assert page.locator("#method-heading").is_visible()
    # Every section prints, opened or not: the closed disclosures' tables and charts are on paper.
    assert page.locator("main details:not([open])").count() >= 4
    for selector in ("#by_category table", "#chart-by-category", "#by_unit table", "#method .report-factors",
                     "#over_time table", "#reuse-first table"):
        assert page.locator(selector).is_visible(), selector
    assert not page.locator(".report-details--table > summary").first.is_visible()
    assert_no_axe_violations(page)
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF")


def test_network_report_shows_who_gave_to_whom(new_page, hand_overs):
    page = new_page("desktop")
    login(page, DEMO_NETWORK_ADMIN)
    page.goto("/report")
    assert page.locator("#matrix-heading").is_visible()
    page.click("#matrix summary")  # who gave to whom is one of the details
    matrix = page.locator("section:has(#matrix-heading) tbody tr").all_inner_texts()
    assert any("Dulten kommune" in row and "Nordvik kommune" in row for row in matrix), matrix
    _check_charts(page)
    assert_no_axe_violations(page)
    # A member municipality from the choices, then the custom period, by keyboard-friendly form controls.
    page.click(".report-controls > summary")  # the choices wait closed under a report
    page.select_option("#report-scope", "municipality:nordvik")
    page.check("#report-period-custom")
    page.fill("#report-from", "2026-01-01")
    page.fill("#report-to", "2026-12-31")
    with page.expect_navigation():
        page.click(".report-controls button[type=submit]")
    assert page.locator("h1").inner_text() == "Nordvik kommune"
    assert page.locator("#matrix-heading").count() == 0
    assert_no_axe_violations(page)


def test_bad_period_shows_a_message_that_passes_axe(new_page, hand_overs):
    page = new_page("phone")
    login(page, DEMO_ADMIN)
    response = page.goto("/report?period=custom&from=2026-05-01&to=2026-04-01")
    assert response.status == 400
    assert page.locator(".error-summary").is_visible()
    assert_no_axe_violations(page)


def test_ledger_page_passes_axe_on_desktop_and_phone(new_page, hand_overs):
    """The report links to its ledger; the ledger's table scrolls sideways inside its labelled region on a phone,
    so the page itself never does."""
    for viewport in ("desktop", "phone"):
        page = new_page(viewport)
        login(page, DEMO_ADMIN)
        page.goto("/report")
        with page.expect_navigation():
            page.click("a[href^='/report/ledger?']")
        assert page.locator("h1").inner_text() == "Dulten kommune"
        rows = page.locator("table.ledger-table tbody tr").all_inner_texts()
        assert len(rows) == 3 and any("Kontorstol" in row and "Begge" in row for row in rows), rows
        assert page.locator(".table-scroll[role=region]").get_attribute("aria-labelledby") == "ledger-caption"
        assert page.locator("a[href^='/report/ledger.csv?']").is_visible()
        assert_no_axe_violations(page)
        assert_no_horizontal_scroll(page)
        assert page.problems == []
