"""Typo-tolerant search in a real browser, at 390 px and 1280 px: a misspelt word offers "Mente du «…»?" and
the close matches under their own heading, axe-core finds nothing, and the suggestion leads to the search."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login
from tests.browser.test_search import list_item

CARETAKER = "vaktmester@dulten.example"
MEMBER = "skole@dulten.example"  # the same municipality: sees the caretaker's item at once


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_misspelt_search_suggests_the_word_and_shows_its_matches(new_page, viewport):
    owner = new_page(viewport)
    login(owner, CARETAKER)
    title = f"Xylofonbenk i bjørk {viewport}"
    list_item(owner, title, "desk", "2", "good")

    searcher = new_page(viewport)
    login(searcher, MEMBER)
    searcher.goto("/items?q=xylofonbnk")
    assert searcher.locator(".search__suggestion").inner_text() == "Mente du «xylofonbenk»?"
    assert searcher.get_by_role("heading", name="Treff på lignende ord").is_visible()
    similar = searcher.locator("#similar")
    assert similar.get_by_role("link", name=title).is_visible()
    assert searcher.get_by_role("heading", name="Fant ingenting").count() == 0
    assert_no_horizontal_scroll(searcher)
    assert_no_axe_violations(searcher)

    with searcher.expect_navigation():
        searcher.get_by_role("link", name="xylofonbenk", exact=True).click()
    assert searcher.locator("#q").input_value() == "xylofonbenk"
    assert searcher.locator(".search__suggestion").count() == 0
    assert searcher.locator("#results").get_by_role("link", name=title).is_visible()
    assert searcher.problems == []
