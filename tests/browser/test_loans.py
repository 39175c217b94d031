"""A loan in a real browser at phone size: the caretaker lists chairs for loan, a school borrows them, the loan
starts at the hand-over, the school asks to renew, the caretaker approves and records a partial return with a
lost chair on the return form. axe on every loan page, nothing wider than the screen."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login


def _check(page) -> None:
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)


def test_lend_renew_and_return_at_phone_size(new_page):
    caretaker = new_page("phone")
    login(caretaker)  # the demo caretaker of Dulten
    caretaker.goto("/items/new")
    _check(caretaker)
    caretaker.fill("input[name=title]", "Stoler til eksamen")
    caretaker.select_option("select[name=category]", "stackable_chair")
    caretaker.fill("input[name=quantity]", "30")
    caretaker.check("input[name=offer][value=lend]")
    caretaker.fill("input[name=loan_days]", "7")
    caretaker.click("button[name=publish]")
    caretaker.wait_for_url(re.compile(r"/items/\d+$"))
    item_url = caretaker.url
    assert "Til utlån · 7 dager" in caretaker.locator("main").inner_text()

    school = new_page("phone")
    login(school, "skole@dulten.example")
    school.goto(item_url)
    school.fill("input[name=quantity]", "20")
    school.check("input[name=would_buy_new][value=no]")
    school.click("form[action$='/reserve'] button[type=submit]")
    school.wait_for_url(re.compile(r"/reservations/\d+$"))
    reservation_url = school.url

    caretaker.goto(reservation_url)
    with caretaker.expect_navigation():
        caretaker.click("form[action$='/approve'] button")
    school.goto(reservation_url)
    with school.expect_navigation():
        school.click("form[action$='/hand-over'] button")
    assert school.locator("h1").inner_text() == "Start utlånet"
    _check(school)
    with school.expect_navigation():
        school.click("button[name=confirmed]")
    assert school.locator(".badge--on_loan").count() >= 1
    school.fill("input[name=days]", "5")
    with school.expect_navigation():
        school.click("form[action$='/renew'] button")
    _check(school)

    caretaker.goto(reservation_url)
    _check(caretaker)
    with caretaker.expect_navigation():
        caretaker.click("form[action$='/renewal/approve'] button")
    caretaker.click("a[href$='/return']")
    caretaker.wait_for_url(re.compile(r"/return$"))
    _check(caretaker)
    caretaker.fill("input[name=quantity]", "25")  # more than is out: the form says so
    with caretaker.expect_navigation():
        caretaker.click("form[action$='/return'] button[type=submit]")
    assert "Bare 20 er fortsatt utlånt" in caretaker.locator("main").inner_text()
    _check(caretaker)
    caretaker.fill("input[name=quantity]", "18")
    caretaker.fill("input[name=lost]", "1")
    caretaker.check("input[name=condition][value=worn]")
    caretaker.fill("textarea[name=note]", "Én stol knakk, én kommer neste uke.")
    with caretaker.expect_navigation():
        caretaker.click("form[action$='/return'] button[type=submit]")
    assert "18 tilbake, 1 tapt eller ødelagt" in caretaker.locator("main").inner_text()
    caretaker.goto("/reservations?view=incoming&loans=on_loan")
    _check(caretaker)
    assert "Stoler til eksamen" in caretaker.locator("main").inner_text()
    assert school.problems == [] and caretaker.problems == []
