"""The foundation in a real browser: signing in with the form and the keyboard, switching language, and
WCAG 2.1 A/AA (axe-core) plus reflow on a desktop and a phone screen."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import (
    DEMO_CARETAKER,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    html_lang,
    login,
)

EMAIL, NAME = DEMO_CARETAKER


def focused(page) -> dict:
    """What has keyboard focus: tag, id, name, class and href."""
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name'),
                           cls: e.className, href: e.getAttribute('href')}; }"""
    )


def tab_to(page, name: str, limit: int = 15) -> None:
    """Press Tab until the form field called ``name`` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["name"] == name:
            return
    pytest.fail(f"{limit} presses of Tab never reached the field {name!r}; focus is on {focused(page)}")


def test_sign_in_with_the_form_and_switch_language(new_page):
    page = new_page("desktop")
    page.goto("/login")
    assert html_lang(page) == "nb"  # bokmål by default, whatever the browser asks for
    page.get_by_label(re.compile("e-?post|e-mail", re.I)).fill(EMAIL)
    page.locator("input[name=password]").fill("ombruk-demo")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()

    assert urlsplit(page.url).path == "/"
    assert NAME in page.locator("h1").inner_text()
    assert html_lang(page) == "nb"

    with page.expect_navigation():
        page.locator(".language-switch button[value=en]").click()
    assert html_lang(page) == "en"
    assert page.locator("h1").inner_text() == f"Hello, {NAME}"
    page.reload()
    assert html_lang(page) == "en", "the chosen language must stick"

    with page.expect_navigation():
        page.locator(".language-switch button[value=nb]").click()
    assert html_lang(page) == "nb"
    assert NAME in page.locator("h1").inner_text()
    assert not page.problems  # type: ignore[attr-defined]


def test_sign_in_with_the_keyboard_alone(new_page):
    page = new_page("desktop")
    page.goto("/login")
    tab_to(page, "email")
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "password"
    page.keyboard.type("ombruk-demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert NAME in page.locator("h1").inner_text()
    assert page.locator(".user-menu summary").is_visible()


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_skip_link_is_first_and_moves_focus_to_main(new_page, signed_in):
    page = new_page("desktop")
    if signed_in:
        login(page)
    else:
        page.goto("/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert "skip-link" in first["cls"] and first["href"] == "#main", f"first focusable element is {first}"
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0, "the skip link must be on screen when it has focus"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"


# (name, path, signed in, expected status)
PAGES = [
    ("welcome", "/", False, 200),
    ("login", "/login", False, 200),
    ("home", "/", True, 200),
    ("accessibility", "/accessibility", False, 200),
    ("privacy", "/privacy", False, 200),
    ("not-found", "/finnes-ikke", False, 404),
]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize(("path", "signed_in", "status"), [p[1:] for p in PAGES], ids=[p[0] for p in PAGES])
def test_page_meets_wcag_21_aa(new_page, viewport, path, signed_in, status):
    page = new_page(viewport)
    if signed_in:
        login(page)
    response = page.goto(path)
    assert response is not None and response.status == status
    if signed_in:
        assert NAME in page.locator("h1").inner_text()
    assert_no_axe_violations(page)
    if viewport == "phone":
        assert_no_horizontal_scroll(page)
    if signed_in:
        # The user menu's panel is only rendered when open: check it open too.
        page.locator(".user-menu summary").click()
        assert page.locator(".user-menu__panel").is_visible()
        assert_no_axe_violations(page)
        if viewport == "phone":
            assert_no_horizontal_scroll(page)
    assert not page.problems, page.problems  # type: ignore[attr-defined]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_failed_sign_in_meets_wcag_21_aa(new_page, viewport):
    page = new_page(viewport)
    login(page, password="not the password")
    assert page.locator(".flash--error").is_visible()
    assert_no_axe_violations(page)
    if viewport == "phone":
        assert_no_horizontal_scroll(page)


def test_english_pages_meet_wcag_21_aa_on_a_phone(new_page):
    """English labels differ in length ("Norsk bokmål" in the header): check the signed-in page in English too."""
    page = new_page("phone")
    login(page)
    with page.expect_navigation():
        page.locator(".language-switch button[value=en]").click()
    assert html_lang(page) == "en"
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    page.locator(".user-menu summary").click()
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    assert not page.problems, page.problems  # type: ignore[attr-defined]
