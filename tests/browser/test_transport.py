"""Transport in a real browser at phone size: a school orders transport from its reservation, the transport
coordinator plans it from the queue and opens the day's run sheet. axe on every transport page, nothing
scrolls sideways at 390 px, and the run sheet prints without the site's navigation."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login
from tests.browser.test_reservations import _list_chairs


def _today() -> str:
    return datetime.now(ZoneInfo("Europe/Oslo")).date().isoformat()


def _check(page) -> None:
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)


def test_order_plan_and_print_the_run_sheet_at_phone_size(new_page):
    caretaker = new_page("desktop")
    login(caretaker)
    item_url = _list_chairs(caretaker)

    school = new_page("phone")
    login(school, "skole@dulten.example")
    school.goto(item_url)
    school.fill("input[name=quantity]", "6")
    school.check("input[name=would_buy_new][value=yes]")
    with school.expect_navigation():
        school.click("form[action$='/reserve'] button[type=submit]")
    reservation_url = school.url
    school.click("#transport a.button")
    school.wait_for_url(re.compile(r"/transport$"))
    assert school.locator("h1").inner_text() == "Bestill transport"
    _check(school)
    today = _today()
    school.select_option("select[name=to_unit_id]", label="Dulten skole")
    school.fill("input[name=window_from]", today)
    school.fill("input[name=window_to]", today)
    school.fill("input[name=contact_name]", "Ola Berg")
    school.fill("input[name=contact_phone]", "900 00 000")
    school.fill("input[name=floors]", "2")
    with school.expect_navigation():
        school.click("main form.form button[type=submit]")
    assert re.search(r"/transport/\d+$", school.url)
    transport_url = school.url
    _check(school)
    school.goto(reservation_url)
    assert "Transport er bestilt" in school.locator("#transport").inner_text()

    coordinator = new_page("phone")
    login(coordinator, "transport@dulten.example")
    coordinator.goto("/transport")
    path = re.search(r"/transport/\d+$", transport_url).group(0)
    assert coordinator.locator(f".transport-queue a[href='{path}']").count() == 1
    _check(coordinator)
    coordinator.goto(transport_url)
    _check(coordinator)
    coordinator.fill("input[name=scheduled_date]", today)
    coordinator.fill("input[name=stop_order]", "1")
    coordinator.select_option("select[name=driver_id]", label="Hanne Vik")
    with coordinator.expect_navigation():
        coordinator.click("form[action$='/schedule'] button")
    assert coordinator.locator(".badge--scheduled").count() >= 1

    coordinator.goto(f"/transport/run-sheet?date={today}")
    _check(coordinator)
    stop = coordinator.locator(".run-sheet__stop")
    assert stop.count() == 1
    assert "Elevstoler, blå" in stop.inner_text() and "Ola Berg" in stop.inner_text()
    assert re.search(r"/i/\d+", stop.locator(".label").inner_text())
    assert stop.locator(".label__qr svg").count() == 1  # the QR code of the item's short URL
    coordinator.emulate_media(media="print")
    assert not coordinator.locator(".site-header").is_visible()
    assert not coordinator.locator("form.filter-row").is_visible()
    assert stop.is_visible()
    assert school.problems == [] and coordinator.problems == [] and caretaker.problems == []
