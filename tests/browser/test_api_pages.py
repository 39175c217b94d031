"""The API token page and the API reference in a real browser: by keyboard, WCAG 2.1 AA, phone reflow."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login, this_run_s_roles


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_create_and_revoke_a_token_by_keyboard(new_page, viewport):
    page = new_page(viewport)
    login(page)
    response = page.goto("/account/tokens")
    assert response is not None and response.status == 200
    assert_no_axe_violations(page)
    name = page.locator("input[name=name]")
    name.focus()
    name.type("Lagersystem")
    with page.expect_navigation():
        name.press("Enter")
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("omb_") and len(secret) == 47
    assert page.locator("tbody tr").count() == 1 and "Lagersystem" in page.locator("tbody").inner_text()
    assert_no_axe_violations(page)
    if viewport == "phone":
        assert_no_horizontal_scroll(page)
    me = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 200 and me.json()["email"] == "vaktmester@dulten.example"
    revoke = page.get_by_role("button", name="Lagersystem")
    revoke.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status == 401
    assert secret not in page.content()
    assert_no_axe_violations(page)
    assert not page.problems, page.problems  # type: ignore[attr-defined]


# The reference is one static page (the OpenAPI document): with both engines side by side, each checks one size.
@pytest.mark.parametrize("viewport", list(this_run_s_roles({"desktop": None, "phone": None})))
def test_the_api_reference_meets_wcag_21_aa(new_page, viewport):
    page = new_page(viewport)
    response = page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    assert "POST /api/v1/items/{item_id}/reservations" in page.locator("main").inner_text()
    assert_no_axe_violations(page)
    if viewport == "phone":
        assert_no_horizontal_scroll(page)
    assert not page.problems, page.problems  # type: ignore[attr-defined]
