"""The reuse store on a phone: the administrator's page of pickup locations and stores (with a form message),
and a store keeper taking an item into the store, seeing the stock and writing it off. axe and no sideways
scroll at 390 px on each page."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login


def test_an_admin_manages_pickup_locations_and_stores_on_a_phone(new_page):
    page = new_page("phone")
    login(page, "admin@dulten.example")
    page.goto("/admin/locations")
    assert page.locator("#locations", has_text="Ombrukslageret Dulten").is_visible()
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    page.fill("#new-location input[name=name]", "ombrukslageret dulten")  # taken, whatever the case
    page.select_option("#new-location select[name=kind]", "pickup")
    with page.expect_navigation():
        page.click("#new-location button[type=submit]")
    assert page.locator(".error-summary").is_visible() and page.locator("#name-error").is_visible()
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    page.fill("#new-location input[name=name]", "Hentestedet på biblioteket")
    page.fill("#new-location input[name=address]", "Torget 2, 9990 Dulten")
    with page.expect_navigation():
        page.click("#new-location button[type=submit]")
    page.locator("#locations a", has_text="Hentestedet på biblioteket").click()
    assert page.input_value("input[name=address]") == "Torget 2, 9990 Dulten"
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    assert page.problems == []


def test_a_store_keeper_takes_in_sees_the_stock_and_writes_off_on_a_phone(new_page):
    caretaker = new_page("desktop")
    login(caretaker)  # the demo caretaker of Dulten lists an item
    caretaker.goto("/items/new")
    caretaker.fill("input[name=title]", "Skrivebord med hev/senk")
    caretaker.select_option("select[name=category]", "desk")
    caretaker.fill("input[name=quantity]", "3")
    caretaker.click("button[name=publish]")
    caretaker.wait_for_url(re.compile(r"/items/\d+$"))
    item_path = re.sub(r"^https?://[^/]+", "", caretaker.url)

    page = new_page("phone")
    login(page, "lager@dulten.example")
    page.goto(item_path)
    page.select_option("#store-intake select[name=location]", label="Ombrukslageret Dulten")
    with page.expect_navigation():
        page.click("#store-intake button[type=submit]")
    assert page.locator(".flash--success").is_visible()
    assert page.locator(".facts", has_text="Industriveien 9, 9991 Dulten").is_visible()
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)

    page.goto("/store")
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    page.locator("#stores a", has_text="Ombrukslageret Dulten").click()
    assert page.locator(".stock-item", has_text="Skrivebord med hev/senk").is_visible()
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)

    page.goto(item_path)
    page.check("#store-write-off input[value=recycled]")
    page.fill("#store-write-off textarea[name=note]", "Understellet var knekt.")
    with page.expect_navigation():
        page.click("#store-write-off button[type=submit]")
    assert page.locator(".flash--success").is_visible()
    page.goto("/store")
    page.locator("#stores a", has_text="Ombrukslageret Dulten").click()
    assert not page.locator(".stock-item", has_text="Skrivebord med hev/senk").count()
    assert page.problems == []
