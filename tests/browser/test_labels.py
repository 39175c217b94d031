"""A label printed, scanned and confirmed, in a real browser at phone size: the caretaker prints the label (its
QR code, read from the screen, is the item's short URL), marks the reservation picked; the school scans the
label while signed out, signs in, lands on the hand-over and confirms it with one tap; a second tap is told it
is done. axe on every page."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login


def _list_chairs(page) -> int:
    page.goto("/items/new")
    page.fill("input[name=title]", "Elevstoler, blå")
    page.select_option("select[name=category]", "pupil_chair")
    page.fill("input[name=quantity]", "24")
    page.click("button[name=publish]")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def _tap(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).tap()


def test_print_scan_and_confirm_a_pickup_at_phone_size(new_page):
    caretaker = new_page("phone")
    login(caretaker)
    item_id = _list_chairs(caretaker)
    caretaker.goto(f"/items/{item_id}/label")
    assert caretaker.locator(".label").count() == 1
    assert_no_axe_violations(caretaker)
    assert_no_horizontal_scroll(caretaker)
    code = Image.open(io.BytesIO(caretaker.locator(".label__qr").screenshot()))
    short_url = caretaker.locator(".label__link").inner_text()
    assert short_url.endswith(f"/i/{item_id}")
    assert [found.text for found in zxingcpp.read_barcodes(code)] == [short_url]
    caretaker.emulate_media(media="print")
    assert caretaker.locator(".site-header").is_hidden() and caretaker.locator(".no-print").is_hidden()
    caretaker.emulate_media(media="screen")

    school = new_page("phone")
    login(school, "skole@dulten.example")
    school.goto(f"/items/{item_id}")
    school.fill("input[name=quantity]", "4")
    school.check("input[name=would_buy_new][value=yes]")
    _tap(school, "Reserver")
    reservation_url = school.url
    assert re.search(r"/reservations/\d+$", reservation_url)

    caretaker.goto(reservation_url)
    _tap(caretaker, "Godkjenn")
    _tap(caretaker, "Plukket og satt av til hentingen")
    assert caretaker.locator(".badge--picked").count() == 1
    assert_no_axe_violations(caretaker)
    assert_no_horizontal_scroll(caretaker)

    school.context.clear_cookies()  # the phone that scans is signed out
    school.goto(f"/i/{item_id}")
    assert "/login" in school.url
    school.locator("input[name=email]").fill("skole@dulten.example")
    school.locator("input[name=password]").fill("ombruk-demo")
    with school.expect_navigation():
        school.locator("input[name=password]").press("Enter")
    assert school.url.endswith(reservation_url.removeprefix(school.url.split("/reservations")[0]) + "/hand-over")
    assert school.locator("h1").inner_text() == "Bekreft overleveringen"
    assert_no_axe_violations(school)
    assert_no_horizontal_scroll(school)
    caretaker.goto(f"/i/{item_id}")  # the caretaker scans the same label: the same, only, approved reservation
    assert caretaker.locator("h1").inner_text() == "Bekreft overleveringen"
    _tap(school, "Ja, registrer overleveringen")
    assert school.locator(".badge--collected").count() >= 1

    _tap(caretaker, "Ja, registrer overleveringen")  # a second tap, on the other phone
    assert "Denne overleveringen var allerede registrert" in caretaker.locator(".flashes").inner_text()
    assert_no_axe_violations(caretaker)
    assert school.problems == [] and caretaker.problems == []
