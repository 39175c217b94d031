"""The forgotten-password pages in a real browser: axe on each state, on a phone."""

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll


def test_forgotten_password_pages_meet_wcag(new_page):
    page = new_page("phone")
    page.goto("/login")
    page.click("a[href='/password/forgot']")
    assert_no_axe_violations(page)
    page.fill("input[name=email]", "vaktmester@dulten.example")
    page.press("input[name=email]", "Enter")
    page.wait_for_selector("[role=status]")
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    page.goto("/password/reset/not-a-real-token")
    assert page.locator(".flash--error").count() == 1
    assert_no_axe_violations(page)
    assert page.problems == []
