"""Listing an item in a real browser, as a caretaker on a phone: photo, form errors, item page, label."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login
from tests.factories import jpeg_bytes


def _photo_file(tmp_path, name="stol.jpg", colour=(150, 90, 40)):
    path = tmp_path / name
    path.write_bytes(jpeg_bytes(1600, 1200, colour=colour, gps=True))
    return str(path)


def test_caretaker_lists_an_item_with_a_photo_on_a_phone(new_page, tmp_path):
    page = new_page("phone")
    login(page)
    page.goto("/items/new")
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)

    # First try forgets the title: the errors are shown, and the photo is kept.
    page.set_input_files("input[name=photos]", _photo_file(tmp_path))
    page.fill("input[name=quantity]", "24")
    page.select_option("select[name=category]", "stackable_chair")
    with page.expect_navigation():  # the answer page and its kept photo loaded, before looking at them
        page.click("button[name=publish]")
    assert page.locator("#title-error").is_visible()
    assert page.locator(".error-summary").is_visible()
    kept = page.locator(".photo-list img")
    assert kept.count() == 1 and kept.evaluate("img => img.naturalWidth") > 0
    assert_no_axe_violations(page)

    page.fill("input[name=title]", "Stablestoler, grå")
    page.fill(".photo-list input[type=text]", "Tjuefire grå stablestoler i en stabel")
    page.click("button[name=publish]")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    assert page.locator("h1").inner_text() == "Stablestoler, grå"
    photo = page.locator(".gallery__photo img").first
    assert photo.get_attribute("alt") == "Tjuefire grå stablestoler i en stabel"
    assert photo.evaluate("img => img.naturalWidth") > 0
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    assert page.problems == []

    item_url = page.url
    page.goto(item_url + "/label")
    assert page.locator(".label__qr svg").count() == 1
    assert_no_axe_violations(page)


def test_listing_form_works_by_keyboard_alone(new_page):
    page = new_page("desktop")
    login(page)
    page.goto("/items/new")
    page.locator("input[name=title]").focus()
    page.keyboard.type("Kontorstoler")
    page.keyboard.press("Tab")  # the category list
    page.keyboard.press("ArrowDown")  # the first real category
    page.locator("input[name=quantity]").focus()
    page.keyboard.type("6")
    page.locator("button[name=publish]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    assert page.locator("h1").inner_text() == "Kontorstoler"


def test_item_pages_pass_axe_on_desktop(new_page, tmp_path):
    page = new_page("desktop")
    login(page)
    page.goto("/items/new")
    page.set_input_files("input[name=photos]", [_photo_file(tmp_path, "a.jpg"),
                                                _photo_file(tmp_path, "b.jpg", (20, 60, 160))])
    page.fill("input[name=title]", "Bærbare PC-er")
    page.select_option("select[name=category]", "laptop")
    page.fill("input[name=quantity]", "12")
    page.click("button[name=draft]")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    assert_no_axe_violations(page)
    item_url = page.url
    for path in ("/edit", "/erasure"):
        page.goto(item_url + path)
        assert_no_axe_violations(page)
    for path in ("/items", "/items/ours", "/how-we-calculate"):
        page.goto(path)
        assert_no_axe_violations(page)


def test_admin_pages_pass_axe(new_page):
    page = new_page("phone")
    login(page, "admin@dulten.example")
    for path in ("/admin/factors", "/admin/sharing", "/how-we-calculate"):
        response = page.goto(path)
        assert response.status == 200, path
        assert_no_axe_violations(page)
        assert_no_horizontal_scroll(page)
