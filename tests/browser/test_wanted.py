"""The reuse-first check in a real browser, by keyboard where it is natural: a school registers a need, sees
what is available, reserves some, records the outcome and opens the certificate. axe on every wanted page,
on a desktop and on a phone."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login


def _list_chairs(page) -> None:
    page.goto("/items/new")
    page.fill("input[name=title]", "Elevstoler til etterlysning")
    page.select_option("select[name=category]", "pupil_chair")
    page.fill("input[name=quantity]", "6")
    page.click("button[name=publish]")
    page.wait_for_url(re.compile(r"/items/\d+$"))


def test_register_a_need_see_matches_record_the_outcome_and_open_the_certificate(new_page):
    caretaker = new_page("desktop")
    login(caretaker)  # the demo caretaker of Dulten
    _list_chairs(caretaker)

    school = new_page("phone")
    login(school, "skole@dulten.example")
    school.goto("/needs/new")
    assert_no_axe_violations(school)
    assert_no_horizontal_scroll(school)
    school.locator("input[name=title]").focus()
    school.keyboard.type("Elevstoler til 5. trinn")
    school.select_option("select[name=category]", "pupil_chair")
    school.locator("input[name=quantity]").focus()
    school.keyboard.type("10")
    with school.expect_navigation():
        school.keyboard.press("Enter")  # submits the form
    assert re.search(r"/needs/\d+$", school.url)
    need_url = school.url
    assert school.locator("#matches .item-card").count() >= 1
    assert_no_axe_violations(school)
    assert_no_horizontal_scroll(school)

    # Reserve the listed chairs from the matches, then come back and record the outcome.
    school.locator("#matches a", has_text="Elevstoler til etterlysning").first.click()
    school.wait_for_url(re.compile(r"/items/\d+$"))
    school.fill("input[name=quantity]", "6")
    school.check("input[name=would_buy_new][value=yes]")
    school.locator("form[action$='/reserve'] button[type=submit]").click()
    school.wait_for_url(re.compile(r"/reservations/\d+$"))

    school.goto(need_url)
    school.locator("input[name=reservation_ids]").first.check()
    school.locator("input[name=reason][value=quantity]").focus()
    school.keyboard.press("Space")
    button = school.locator("#outcome-form button[type=submit]")
    button.focus()
    with school.expect_navigation():
        school.keyboard.press("Enter")
    assert school.url.endswith(need_url.rsplit("/", 1)[1]) or "/needs/" in school.url
    assert school.locator(".badge--completed").count() >= 1  # closed
    assert_no_axe_violations(school)

    school.locator("#certificate-link").focus()
    with school.expect_navigation():
        school.keyboard.press("Enter")
    assert school.url.endswith("/certificate")
    assert "Elevstoler til etterlysning" in school.locator("#certificate").inner_text()
    assert_no_axe_violations(school)
    assert_no_horizontal_scroll(school)
    assert school.problems == [] and caretaker.problems == []


def test_wanted_pages_pass_axe_on_desktop_and_phone(new_page):
    for viewport in ("desktop", "phone"):
        page = new_page(viewport)
        login(page, "skole@dulten.example")
        page.goto("/wanted/new")
        page.fill("input[name=title]", "Kateter")
        page.select_option("select[name=category]", "desk")
        page.fill("input[name=quantity]", "1")
        page.locator("form[action$='/wanted/new'] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/wanted/\d+$"))
        notice_url = page.url
        for path in ("/wanted", "/wanted/ours", "/wanted/new", "/needs", notice_url):
            page.goto(path)
            assert_no_axe_violations(page)
            assert_no_horizontal_scroll(page)
        page.goto("/wanted/new")
        page.locator("form[action$='/wanted/new'] button[type=submit]").click()  # empty: errors shown
        assert page.locator(".error-summary").count() == 1
        assert_no_axe_violations(page)
        assert page.problems == []
