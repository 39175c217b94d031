"""An administrator edits a unit's address, opening hours and pickup contact on a phone (issue 18, item 10):
a form message for bad input, the keyboard, axe and no sideways scroll on the form and on its errors."""

from __future__ import annotations

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login

ADMIN = "admin@dulten.example"


def _save(page) -> None:
    with page.expect_navigation():
        page.click("#rename-unit button[type=submit]")


def test_an_admin_edits_a_units_address_on_a_phone(new_page):
    page = new_page("phone")
    login(page, ADMIN)
    page.goto("/admin/units")
    page.locator("#units a", has_text="Dulten skole").click()
    unit_page = page.url
    assert page.locator("input[name=address]").is_visible()
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)

    assert page.get_attribute("input[name=opening_hours]", "maxlength") == "300"  # the browser stops at 300
    page.fill("input[name=name]", "")  # no name: a form message, nothing saved, what was typed kept
    page.fill("input[name=address]", "Skolevegen 12, 9990 Dulten")
    _save(page)
    assert page.locator(".error-summary").is_visible() and page.locator("#name-error").is_visible()
    assert page.get_attribute("input[name=name]", "aria-invalid") == "true"
    assert page.input_value("input[name=address]") == "Skolevegen 12, 9990 Dulten"
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)

    page.fill("input[name=name]", "Dulten skole")
    page.fill("input[name=opening_hours]", "Man–fre 7.30–15, stengt i juli")
    page.locator("input[name=contact]").focus()  # by keyboard: type, then Enter submits the form
    page.keyboard.type("Vaktmester Ola, 900 00 000")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/units" in page.url and page.locator(".flash--success").is_visible()
    page.goto(unit_page)
    assert page.input_value("input[name=address]") == "Skolevegen 12, 9990 Dulten"
    assert page.input_value("input[name=contact]") == "Vaktmester Ola, 900 00 000"
    assert page.problems == []
