"""The ICT fleet in a real browser: the caretaker registers a laptop in the inventory on a phone, gives it a
purchase date and user group and records a repair from its page, finds it in the fleet's table and asks "do we
have enough?"; the same table fits a desktop without sideways scrolling. axe on every page."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login


def _checked(page) -> None:
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)


def test_a_laptop_in_the_fleet_from_a_phone_and_a_desktop(new_page):
    page = new_page("phone")
    login(page)  # the demo caretaker of Dulten
    page.goto("/inventory/new")
    page.fill("input[name=title]", "Elev-PC")
    page.select_option("select[name=category]", "laptop")
    page.fill("input[name=quantity]", "20")
    page.fill("input[name=building]", "Dulten skole")
    page.locator("summary", has_text="Merke, modell og nummer").click()
    page.fill("input[name=brand]", "Lenovo")
    page.fill("input[name=model]", "300e")
    page.fill("input[name=asset_tag]", "DK-PC-0101")
    with page.expect_navigation():
        page.locator("input[name=asset_tag]").press("Enter")

    page.goto("/inventory")
    page.get_by_role("link", name=re.compile("IKT-flåten")).click()
    page.wait_for_url("**/inventory/ict")
    assert page.locator("#fleet-count").inner_text() == "1 enhet funnet"
    _checked(page)
    with page.expect_navigation():
        page.get_by_role("link", name="DK-PC-0101").click()
    _checked(page)

    page.locator("summary", has_text="Endre innkjøpsdato og brukergruppe").click()
    page.fill("input[name=purchased_on]", "2022-08-10")
    page.select_option("#fleet-device select[name=user_group]", "pupils")
    with page.expect_navigation():
        page.click("#fleet-device button[type=submit]")
    assert page.locator(".flash--success", has_text="Opplysningene om enheten er lagret.").is_visible()
    page.locator("summary", has_text="Registrer en reparasjon").click()
    page.fill("textarea[name=description]", "Nytt batteri")
    page.fill("input[name=cost_nok]", "890")
    with page.expect_navigation():
        page.click("#fleet-repair button[type=submit]")  # the date is today's unless changed
    assert page.locator(".fleet-repairs li", has_text="Nytt batteri · 890 kr").is_visible()
    _checked(page)

    page.goto("/inventory/ict")
    row = page.locator(".fleet-table tbody tr").first
    assert "Elever" in row.inner_text() and "Lenovo 300e" in row.inner_text()
    page.select_option("select[name=need-category]", "laptop")
    page.fill("input[name=need-quantity]", "30")
    page.select_option("select[name=need-user_group]", "pupils")
    with page.expect_navigation():
        page.locator("input[name=need-quantity]").press("Enter")
    assert page.locator(".fleet-answer__verdict", has_text="Dere mangler 30").is_visible()
    _checked(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Registrer et behov").click()
    assert page.input_value("input[name=quantity]") == "30"
    assert page.input_value("select[name=category]") == "laptop"

    desktop = new_page("desktop")
    login(desktop)
    desktop.goto("/inventory/ict")
    _checked(desktop)
    region = desktop.evaluate("(() => { const r = document.querySelector('.table-scroll');"
                              " return [r.scrollWidth, r.clientWidth]; })()")
    assert region[0] <= region[1], f"the fleet's table scrolls sideways on a desktop: {region}"
