"""The phone menu at 390×844 for every role of the demo region (issue 18, item 1): each destination of the main
menu reached by touch and by keyboard, no page wider than the screen, axe on the open menu; the user menu's
destinations by touch; the desktop bar and the no-JavaScript fallback unchanged.

One live server and one browser for all roles (a context per role), to keep the run short."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    VIEWPORTS,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
    login,
    this_run_s_roles,
)

ROLES = {
    "member": "skole@dulten.example",
    "caretaker": "vaktmester@dulten.example",
    "store keeper": "lager@dulten.example",
    "transport coordinator": "transport@dulten.example",
    "municipal admin": "admin@dulten.example",
    "network admin": "nettverk@dulten-regionen.example",
    "site admin": "drift@ombruksmarkedet.example",
    "partner member": "frivillig@dulten-frivilligsentral.example",
}
BUTTON = ".site-nav .menu-button"
LINKS = "#site-nav-links a"


def _hrefs(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "links => links.map(link => link.getAttribute('href'))")


def _expanded(page) -> str:
    return page.get_attribute(BUTTON, "aria-expanded")


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has focus, and check that the focus is visible."""
    target = page.locator(selector)
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"Tab never reached {selector!r} on {page.url}")
    assert target.evaluate("element => element.matches(':focus-visible')"), f"focus not visible on {selector}"


def _follow(page, act, role: str, href: str, *, redirects: bool = False) -> None:
    with page.expect_navigation() as navigation:
        act()
    response = navigation.value
    assert response is not None and response.status == 200, f"{role}: {href} answered {response and response.status}"
    if not redirects:
        assert page.url.split("?")[0].endswith(href.split("?")[0]), f"{role}: expected {href}, got {page.url}"


def _by_touch(page, role: str) -> list[str]:
    page.goto("/")
    assert page.locator(BUTTON).is_visible(), f"{role}: no menu button at 390 px"
    assert not page.locator(LINKS).first.is_visible(), f"{role}: the phone menu starts open"
    hrefs = _hrefs(page, LINKS)
    assert hrefs, f"{role}: an empty menu"
    page.tap(BUTTON)
    assert _expanded(page) == "true"
    assert page.locator(LINKS).first.is_visible()
    assert_no_axe_violations(page)  # with the menu open
    for index, href in enumerate(hrefs):
        if _expanded(page) != "true":
            page.tap(BUTTON)
        link = page.locator(LINKS).nth(index)
        _follow(page, lambda: link.tap(), role, href)
        assert_no_horizontal_scroll(page)
        assert _expanded(page) == "false", f"{role}: the menu is open on arrival at {href}"
    return hrefs


def _by_keyboard(page, role: str, hrefs: list[str]) -> None:
    page.goto("/")
    _tab_to(page, BUTTON)
    page.keyboard.press("Enter")
    assert _expanded(page) == "true", f"{role}: Enter did not open the menu"
    for index in range(len(hrefs)):
        page.keyboard.press("Tab")
        assert page.locator(LINKS).nth(index).evaluate("element => element === document.activeElement"), \
            f"{role}: Tab did not go through the menu's links in order"
    page.keyboard.press("Escape")
    assert _expanded(page) == "false", f"{role}: Escape did not close the menu"
    assert page.locator(BUTTON).evaluate("element => element === document.activeElement"), \
        f"{role}: Escape did not give focus back to the menu button"
    page.keyboard.press("Space")
    assert _expanded(page) == "true", f"{role}: Space did not open the menu"
    page.keyboard.press("Space")
    assert _expanded(page) == "false", f"{role}: Space did not close the menu"
    for index, href in enumerate(hrefs):  # each from the page the one before led to: focus starts at the top
        _tab_to(page, BUTTON)
        page.keyboard.press("Enter")
        for _ in range(index + 1):
            page.keyboard.press("Tab")
        _follow(page, lambda: page.keyboard.press("Enter"), role, href)


def _user_menu_by_touch(page, role: str, seen: set[str]) -> None:
    """Every link of the user menu answers; the first time a page comes up it is tapped to and checked for
    sideways scrolling (the same page for the next role only has its answer checked, to save time)."""
    page.goto("/")
    for href in _hrefs(page, ".user-menu__panel a"):
        if href in seen or href.endswith("/export"):  # the export is a file to download, not a page
            response = page.request.get(href)
            assert response.status == 200, f"{role}: {href} answered {response.status}"
            continue
        seen.add(href)
        if not page.locator("details.user-menu").evaluate("menu => menu.open"):
            page.tap(".user-menu summary")
        link = page.locator(f".user-menu__panel a[href='{href}']")
        _follow(page, lambda: link.tap(), role, href, redirects=True)
        assert_no_horizontal_scroll(page)


def test_every_role_reaches_every_destination_on_a_phone(new_page):
    seen: set[str] = set()
    for role, email in this_run_s_roles(ROLES).items():
        page = new_page("phone", device_scale_factor=1)  # as the crawl: the same layout, a ninth of the pixels
        login(page, email)
        hrefs = _by_touch(page, role)
        _by_keyboard(page, role, hrefs)
        _user_menu_by_touch(page, role, seen)
        assert page.problems == [], f"{role}: {page.problems}"
        page.context.close()


def test_the_desktop_keeps_its_bar(new_page):
    page = new_page("desktop")
    login(page, ROLES["caretaker"])
    page.goto("/")
    assert not page.locator(BUTTON).is_visible()
    assert all(page.locator(LINKS).nth(index).is_visible() for index in range(page.locator(LINKS).count()))


@pytest.mark.parametrize("role", ["site admin"])  # the longest menu
def test_without_javascript_the_phone_menu_wraps(browser, live_server, role):
    context = browser.new_context(base_url=live_server, locale="nb-NO", java_script_enabled=False,
                                  **VIEWPORTS["phone"])
    try:
        page = context.new_page()
        login(page, ROLES[role])
        page.goto("/")
        assert not page.locator(BUTTON).is_visible()
        links = page.locator(LINKS)
        assert links.count() >= 5
        assert all(links.nth(index).is_visible() for index in range(links.count()))
        assert_no_horizontal_scroll(page)
    finally:
        context.close()


def _tap_outside_the_menus(page) -> None:
    """Tap somewhere plain outside the open menus: no link, button or field, nor the menus themselves."""
    point = page.evaluate("""() => {
        const open = [document.querySelector('.menu-button[aria-expanded="true"] + ul'),
                      document.querySelector('details.user-menu[open] .user-menu__panel')].filter(Boolean);
        if (!open.length) { return null; }
        for (let y = 5; y < innerHeight; y += 10) {
            for (const x of [5, innerWidth / 2, innerWidth - 5]) {
                const element = document.elementFromPoint(x, y);
                if (element && !open.some(menu => menu.contains(element)) && !element.closest(
                        '.site-nav, details.user-menu, a, button, input, select, textarea, label, summary, [tabindex]')) {
                    return [x, y];
                }
            }
        }
        return null;
    }""")
    assert point, "no open menu, or no plain place below it to tap"
    page.touchscreen.tap(*point)


def test_the_phone_menu_closes_on_escape_and_on_a_tap_outside(new_page):
    """Escape closes the open menu wherever the focus is and gives the focus back to the button; a tap outside
    the menu closes it and leaves the page as it was (issue 18)."""
    page = new_page("phone")
    login(page, ROLES["caretaker"])
    page.goto("/")
    page.tap(BUTTON)
    assert _expanded(page) == "true"
    page.evaluate("document.activeElement.blur()")  # as after a tap on a phone, where buttons keep no focus
    page.keyboard.press("Escape")
    assert _expanded(page) == "false", "Escape did not close the menu"
    assert page.locator(BUTTON).evaluate("element => element === document.activeElement"), \
        "Escape did not give focus back to the menu button"
    page.locator(LINKS).first.wait_for(state="hidden", timeout=5_000)  # raises if it stays shown (slow machines)

    page.tap(BUTTON)
    assert _expanded(page) == "true" and page.locator(LINKS).first.is_visible()
    url = page.url
    _tap_outside_the_menus(page)
    assert _expanded(page) == "false", "a tap outside did not close the menu"
    page.locator(LINKS).first.wait_for(state="hidden", timeout=5_000)
    assert page.url == url
    page.tap(BUTTON)  # and it opens again
    assert _expanded(page) == "true"
    page.tap(".site-nav .menu-button")  # the button itself still toggles
    assert _expanded(page) == "false"

    page.tap(".user-menu summary")  # the user menu likewise
    assert page.locator("details.user-menu").evaluate("menu => menu.open")
    _tap_outside_the_menus(page)
    assert not page.locator("details.user-menu").evaluate("menu => menu.open")
    assert page.problems == []
