"""A reservation from start to hand-over in a real browser, by keyboard: a school reserves, the caretaker
approves, the school confirms the hand-over. axe on every reservation page."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login


def _list_chairs(page) -> str:
    page.goto("/items/new")
    page.fill("input[name=title]", "Elevstoler, blå")
    page.select_option("select[name=category]", "pupil_chair")
    page.fill("input[name=quantity]", "24")
    page.click("button[name=publish]")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    return page.url


def _press_button(page, selector: str) -> None:
    """Reach a button with the Tab key alone, then press Enter."""
    button = page.locator(selector)
    for _ in range(80):
        if button.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"Tab never reached the button {selector!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_reserve_approve_and_hand_over_by_keyboard(new_page):
    caretaker = new_page("desktop")
    login(caretaker)  # the demo caretaker of Dulten
    item_url = _list_chairs(caretaker)

    school = new_page("phone")
    login(school, "skole@dulten.example")
    school.goto(item_url)
    assert_no_axe_violations(school)
    school.locator("input[name=quantity]").focus()
    school.keyboard.type("20")
    school.locator("input[name=would_buy_new][value=yes]").focus()
    school.keyboard.press("Space")
    school.locator("textarea[name=note]").focus()
    school.keyboard.type("Til 6. trinn")
    _press_button(school, "form[action$='/reserve'] button[type=submit]")
    assert re.search(r"/reservations/\d+$", school.url)
    assert_no_axe_violations(school)
    assert_no_horizontal_scroll(school)
    reservation_url = school.url

    caretaker.goto("/reservations?view=incoming")
    assert_no_axe_violations(caretaker)
    caretaker.goto(reservation_url)
    assert_no_axe_violations(caretaker)
    _press_button(caretaker, "form[action$='/approve'] button")
    assert caretaker.locator(".badge--approved").count() >= 1

    school.goto(reservation_url)
    _press_button(school, "form[action$='/collect'] button")
    assert school.locator(".badge--collected").count() >= 1
    assert_no_axe_violations(school)
    school.goto("/reservations")
    assert_no_axe_violations(school)
    assert school.problems == [] and caretaker.problems == []
