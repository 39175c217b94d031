"""Staged sharing in a real browser, at 390 px and 1280 px: the empty search and the item "not found" page
explain it to a member of another municipality, the caretaker shares the item with the network now after a
confirmation, and then the other municipality finds it. axe-core on every page on the way."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login
from tests.browser.test_search import list_item

CARETAKER = "vaktmester@dulten.example"
OTHER_MUNICIPALITY = "skole@nordvik.example"


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_staged_sharing_explained_and_shared_now(new_page, viewport):
    owner = new_page(viewport)
    login(owner, CARETAKER)
    title = f"Garderobeskap qqstage {viewport}"
    path = list_item(owner, title, "stackable_chair", "6", "good")

    searcher = new_page(viewport)
    login(searcher, OTHER_MUNICIPALITY)
    response = searcher.goto(path)
    assert response.status == 404
    assert searcher.locator("h1").inner_text() == "Fant ikke gjenstanden"
    assert title not in searcher.content()
    assert_no_horizontal_scroll(searcher)
    assert_no_axe_violations(searcher)
    searcher.goto(f"/items?q=qqstage+{viewport}")
    assert searcher.locator("#staged-sharing").is_visible()
    assert title not in searcher.content()
    assert_no_horizontal_scroll(searcher)
    assert_no_axe_violations(searcher)

    owner.goto(path)
    share = owner.get_by_role("link", name="Del med nettverket nå")
    assert share.is_visible()
    assert_no_axe_violations(owner)
    with owner.expect_navigation():
        share.click()
    assert_no_horizontal_scroll(owner)
    assert_no_axe_violations(owner)
    with owner.expect_navigation():
        owner.get_by_role("button", name="Ja, del med nettverket nå").click()
    assert "Gjenstanden er nå delt med nettverket." in owner.content()
    assert owner.get_by_role("link", name="Del med nettverket nå").count() == 0

    assert searcher.goto(path).status == 200
    searcher.goto(f"/items?q=qqstage+{viewport}")
    assert searcher.get_by_role("link", name=title).is_visible()
    assert "6 stk. ledige" in searcher.locator(".item-card").first.inner_text()
    assert searcher.problems == []
