"""Search in a real browser: search, filter and open a result by keyboard alone, the same without JavaScript,
saving a search, and WCAG 2.1 A/AA (axe-core) on the search, saved-search, notification and import pages.

The demo region may come with listings of its own; these tests list their own items through the real form and
check only what follows from those, so they hold whatever the demo data is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import (
    TIMEOUT_MS,
    VIEWPORTS,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    login,
)

MEMBER = "skole@dulten.example"
ADMIN = "admin@dulten.example"

# (title, category, quantity, condition): two chairs in different conditions, and a desk that "stabl" misses.
GREY_CHAIRS = ("Stablestoler grå", "stackable_chair", "24", "good")
BLUE_CHAIRS = ("Stablestoler blå", "stackable_chair", "8", "needs_repair")
DESK = ("Skrivebord eik", "desk", "2", "worn")
NOTHING = "qqxyzzy"  # matches no item


def list_item(page, title: str, category: str, quantity: str, condition: str) -> str:
    """Publish an item through the listing form; return the item page's path."""
    page.goto("/items/new")
    page.fill("input[name=title]", title)
    page.select_option("select[name=category]", category)
    page.check(f"input[name=condition][value={condition}]")
    page.fill("input[name=quantity]", quantity)
    with page.expect_navigation():
        page.click("button[name=publish]")
    path = urlsplit(page.url).path
    assert re.fullmatch(r"/items/\d+", path), f"publishing {title!r} ended on {page.url}"
    return path


def focused(page) -> dict:
    """What has keyboard focus."""
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'),
                           value: e.getAttribute('value'), type: e.getAttribute('type'),
                           cls: String(e.className), href: e.getAttribute('href'), checked: !!e.checked}; }"""
    )


def tab_to(page, wanted: Callable[[dict], bool], what: str, limit: int = 60) -> dict:
    """Press Tab until ``wanted(focused element)``; fail with where focus went instead."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if wanted(now):
            return now
        seen.append(now["id"] or now["name"] or now["href"] or now["tag"])
    pytest.fail(f"{limit} presses of Tab never reached {what}; focus went through {seen}")


def titles(page) -> list[str]:
    return page.locator("#results .item-card__title").all_inner_texts()


def result_count(page) -> int:
    text = page.locator("#result-count").inner_text()
    match = re.search(r"\d+", text)
    assert match, f"no number in the result summary {text!r}"
    return int(match.group())


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def wait_for_query(page, **expected: str) -> None:
    """Wait until the address bar's query has these parameters (set by history.pushState, or a page load)."""
    checks = " && ".join(f"p.getAll({name!r}).includes({value!r})" for name, value in expected.items())
    page.wait_for_function(f"() => {{ const p = new URLSearchParams(location.search); return {checks}; }}")


def test_search_filter_and_open_a_result_by_keyboard_alone(new_page):
    page = new_page("desktop")
    login(page)  # the demo caretaker: what they list is visible to their own municipality at once
    grey = list_item(page, *GREY_CHAIRS)
    list_item(page, *BLUE_CHAIRS)
    list_item(page, *DESK)

    page.goto("/items")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    fetched: list[str] = []  # what search.js asks the server for
    page.on("request", lambda req: fetched.append(req.url) if req.resource_type == "fetch" else None)
    page.keyboard.press("Tab")
    assert "skip-link" in focused(page)["cls"]
    page.keyboard.press("Enter")  # skip the header: focus moves to <main>
    assert focused(page)["id"] == "main"
    tab_to(page, lambda f: f["id"] == "q", "the search box", limit=5)
    page.keyboard.type("stabl")
    page.keyboard.press("Enter")
    wait_for_query(page, q="stabl")
    # One request: the skip link's jump to #main is no new search (reloading then could wipe the typing).
    assert [urlsplit(url).query for url in fetched] == ["q=stabl"], fetched
    assert "sort" not in query(page), "a new search sorts by best match, not by the browsing page's “newest”"

    found = titles(page)
    assert GREY_CHAIRS[0] in found and BLUE_CHAIRS[0] in found, found
    assert DESK[0] not in found, found
    before = result_count(page)
    assert before == len(found) or before > 24  # the count is of what the viewer may see, page by page
    assert focused(page)["id"] == "q", "searching must not move focus away from the search box"

    # Tick "Good" among the conditions with the space bar: the results follow at once, without a reload.
    tab_to(page, lambda f: f["name"] == "condition" and f["value"] == "good", "the condition “Good”")
    page.keyboard.press("Space")
    wait_for_query(page, q="stabl", condition="good")
    page.wait_for_function(
        f"() => document.querySelector('#result-count').innerText.match(/\\d+/)[0] != {before}")
    found = titles(page)
    assert GREY_CHAIRS[0] in found and BLUE_CHAIRS[0] not in found, found
    assert result_count(page) < before
    assert page.evaluate("window.sameDocument") is True, "the filter reloaded the page instead of updating it"
    assert page.locator("#results").get_attribute("aria-busy") is None
    now = focused(page)
    assert (now["name"], now["value"], now["checked"]) == ("condition", "good", True), (
        f"after the results update, focus must stay on the checkbox just ticked; it is on {now}")
    # A screen reader hears the new count, not the whole list.
    status = page.locator("#search-status")
    assert status.inner_text() == page.locator("#result-count").inner_text()

    # Back and forward (history.popstate) bring back each state of the page, without a reload.
    good_box = "#filters input[name=condition][value=good]"
    page.go_back()
    page.wait_for_function(f"() => !document.querySelector({good_box!r}).checked")
    assert "condition" not in query(page) and BLUE_CHAIRS[0] in titles(page)
    page.go_forward()
    page.wait_for_function(f"() => document.querySelector({good_box!r}).checked")
    assert query(page)["condition"] == ["good"] and BLUE_CHAIRS[0] not in titles(page)
    page.go_back()
    page.go_back()  # to the page before the search: the search box is empty again
    page.wait_for_function("() => document.querySelector('#q').value === ''")
    assert page.evaluate("window.sameDocument") is True
    page.go_forward()
    page.go_forward()
    page.wait_for_function(f"() => document.querySelector({good_box!r}).checked")
    assert page.locator("#q").input_value() == "stabl"

    # On to the grey chairs' card, and open it with Enter.
    tab_to(page, lambda f: f["href"] == grey, "the link to the grey chairs")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == grey
    assert page.locator("h1").inner_text() == GREY_CHAIRS[0]

    # Back: the filtered search, as it was.
    page.go_back()
    wait_for_query(page, q="stabl", condition="good")
    assert page.locator("#q").input_value() == "stabl"
    assert page.locator("#filters input[name=condition][value=good]").is_checked()
    assert BLUE_CHAIRS[0] not in titles(page)

    # Save the search: name it, Tab to "Save search" (typing the name must not set off a new search), Enter.
    tab_to(page, lambda f: f["id"] == "save-name", "the saved search's name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Grå stoler")
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "button", f"Tab from the name went to {focused(page)}, not to the button"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/searches"
    assert page.locator(".flash--success").is_visible()
    assert page.locator(".saved-search a").all_inner_texts() == ["Grå stoler"]
    assert page.problems == []  # type: ignore[attr-defined]


def test_search_filter_and_save_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nb-NO", java_script_enabled=False,
                                  **VIEWPORTS["desktop"])
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        login(page)
        list_item(page, *GREY_CHAIRS)
        list_item(page, *BLUE_CHAIRS)
        list_item(page, *DESK)

        page.goto("/items")
        filters_open = page.locator("details.filters").get_attribute("open") is not None
        assert filters_open, "without JavaScript the filters must be open"
        page.locator("#q").fill("stabl")
        with page.expect_navigation():
            page.locator("#q").press("Enter")
        assert query(page)["q"] == ["stabl"]
        found = titles(page)
        assert GREY_CHAIRS[0] in found and BLUE_CHAIRS[0] in found and DESK[0] not in found, found
        before = result_count(page)

        page.check("#filters input[name=condition][value=good]")
        assert "condition" not in query(page), "without JavaScript nothing happens until the form is sent"
        with page.expect_navigation():
            page.locator(".filters button[type=submit]").click()  # "Apply filters"
        assert query(page)["q"] == ["stabl"] and query(page)["condition"] == ["good"]
        found = titles(page)
        assert GREY_CHAIRS[0] in found and BLUE_CHAIRS[0] not in found, found
        assert result_count(page) < before
        assert page.locator("#filters input[name=condition][value=good]").is_checked()

        # Save it with the button, under a name of one's own.
        page.locator("#save-name").fill("Stoler i god stand")
        with page.expect_navigation():
            page.locator("button[form=save-search-form]").click()
        assert urlsplit(page.url).path == "/searches"
        assert page.locator(".flash--success").is_visible()
        saved = page.locator(".saved-search a", has_text="Stoler i god stand")
        assert saved.count() == 1
        with page.expect_navigation():
            saved.click()
        assert query(page)["q"] == ["stabl"] and query(page)["condition"] == ["good"]
        assert GREY_CHAIRS[0] in titles(page) and BLUE_CHAIRS[0] not in titles(page)
    finally:
        context.close()


def _check(page, phone: bool) -> None:
    assert_no_axe_violations(page)
    if phone:
        assert_no_horizontal_scroll(page)


def test_search_pages_meet_wcag_21_aa(new_page, app, tmp_path):
    """axe on the search page (results, nothing found, filtered), saved searches, the inbox and the import
    page, on a desktop and a phone screen; a saved search becomes a notification when a match is listed."""
    from marketplace.db import db
    from marketplace.search.services import announce_saved_search_matches

    # On a phone, a member of Dulten saves a search for chairs (with the button) before any are listed.
    phone = new_page("phone")
    login(phone, MEMBER)
    phone.goto("/items?q=stabl")
    assert phone.locator("details.filters").get_attribute("open") is None, "results come first on a phone"
    _check(phone, True)
    phone.locator("#save-name").fill("Stablestoler")
    with phone.expect_navigation():
        phone.locator("button[form=save-search-form]").click()
    assert urlsplit(phone.url).path == "/searches"
    assert phone.locator(".flash--success").is_visible()
    assert phone.locator(".saved-search a").filter(has_text="Stablestoler").count() == 1
    _check(phone, True)

    # On a desktop, the municipal admin lists two lots of chairs, then checks every state of the search page.
    desktop = new_page("desktop")
    login(desktop, ADMIN)
    list_item(desktop, *GREY_CHAIRS)
    list_item(desktop, *BLUE_CHAIRS)
    with app.app_context():  # what `marketplace tick` does
        assert announce_saved_search_matches() >= 1
        db.session.commit()

    searches = [  # (query, a title it must show, or None for "Nothing found")
        ("q=stabl", GREY_CHAIRS[0]),
        (f"q={NOTHING}", None),
        ("q=stabl&condition=good&available=1&min_quantity=10&sort=quantity", GREY_CHAIRS[0]),
    ]
    for page, is_phone in ((desktop, False), (phone, True)):
        for search, expected in searches:
            page.goto(f"/items?{search}")
            if expected:
                assert expected in titles(page), (search, titles(page))
            else:
                assert result_count(page) == 0 and page.locator(".empty-state h2").is_visible()
            if is_phone:  # the filters start closed on a phone (checked closed above): check them open
                page.locator("details.filters > summary").click()
                assert page.locator("#sort").is_visible()
            _check(page, is_phone)

    phone.goto("/notifications")
    unread = phone.locator(".notification--unread")
    assert unread.count() >= 1
    assert "Stablestoler" in unread.first.inner_text()
    _check(phone, True)
    desktop.goto("/notifications")  # the admin's inbox: most likely empty
    _check(desktop, False)
    desktop.goto("/searches")  # no saved searches yet
    _check(desktop, False)

    # The import page, as the municipal admin, with a report of bad rows (the categories shown too), then a
    # report of a good file; the bad one again on a phone-sized screen (same browser, narrowed).
    bad = tmp_path / "bad.csv"
    bad.write_text("tittel;kategori;tilstand;antall\nStablestoler;Stablestol;god;mange\n;ukjent;knust;3\n",
                   encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("tittel;kategori;tilstand;antall\nStablestoler;Stablestol;god;24\n", encoding="utf-8")
    for path, shown, narrow in ((bad, ".error-summary", False), (good, "#report-heading", False),
                                (bad, ".error-summary", True)):
        if narrow:
            desktop.set_viewport_size(VIEWPORTS["phone"]["viewport"])
        response = desktop.goto("/items/import")
        assert response is not None and response.status == 200
        desktop.set_input_files("input[name=file]", str(path))
        with desktop.expect_navigation():
            desktop.locator("form[enctype] button[type=submit]").click()
        assert desktop.locator(shown).is_visible()
        desktop.locator("details:has(table) > summary").click()  # the categories table
        _check(desktop, narrow)

    for page in (desktop, phone):
        assert page.problems == [], page.problems  # type: ignore[attr-defined]

