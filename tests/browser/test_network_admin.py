"""Network and site administration in a real browser: axe-core (WCAG 2.1 A/AA) with zero violations and no
sideways scrolling on a desktop and a phone screen, on every new page, and with a form's errors showing."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login

NETWORK_ADMIN = "nettverk@dulten-regionen.example"
SITE_ADMIN = "drift@ombruksmarkedet.example"
NETWORK = "/admin/networks/dulten-regionen"
NETWORK_PAGES = [NETWORK, f"{NETWORK}/add/municipality", f"{NETWORK}/add/partner", f"{NETWORK}/policy",
                 f"{NETWORK}/partners/dulten-frivilligsentral", f"{NETWORK}/members/sorli/remove"]
SITE_PAGES = ["/admin/networks", "/admin/municipalities", "/admin/status", "/admin/accessibility", "/accessibility"]


def check(page, path: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    assert not page.problems  # type: ignore[attr-defined]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_network_admin_pages(new_page, viewport):
    page = new_page(viewport)
    login(page, NETWORK_ADMIN)
    for path in NETWORK_PAGES:
        check(page, path)
    # A form with errors is accessible too: the error summary and the fields it points at.
    page.goto(f"{NETWORK}/policy")
    page.locator("input[name=hold_days]").fill("0")
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_site_admin_pages(new_page, viewport):
    page = new_page(viewport)
    login(page, SITE_ADMIN)
    for path in SITE_PAGES + [NETWORK]:
        check(page, path)


def test_create_a_municipality_in_the_network_by_keyboard_and_edit_the_statement(new_page):
    page = new_page("desktop")
    login(page, NETWORK_ADMIN)
    page.goto(f"{NETWORK}/add/municipality")
    page.locator("#new-name").fill("Vestby kommune")
    page.locator("#new-slug").fill("vestby")
    with page.expect_navigation():
        page.locator("#new-org_number").press("Enter")
    assert page.url.endswith(NETWORK)
    assert "Vestby kommune" in page.locator("#municipalities").inner_text()

    admin = new_page("phone")
    login(admin, SITE_ADMIN)
    admin.goto("/admin/accessibility")
    admin.locator("textarea[name=text]").fill("Vi følger WCAG 2.1 AA.\n\n## Meld fra\n<b>Skriv</b> til oss.")
    with admin.expect_navigation():
        admin.locator("main button[type=submit]").click()
    assert admin.locator("#statement h2").inner_text() == "Meld fra"
    assert "<b>Skriv</b> til oss." in admin.locator("#statement").inner_text()
    assert_no_axe_violations(admin)
    assert_no_horizontal_scroll(admin)


def test_site_admin_creates_a_network_and_moves_a_municipality_into_it(new_page):
    page = new_page("desktop")
    login(page, SITE_ADMIN)
    page.goto("/admin/networks")
    page.locator("#new-name").fill("Sør-nettverket")
    page.locator("#new-slug").fill("sor")
    with page.expect_navigation():
        page.locator("#new-slug").press("Enter")
    assert page.url.endswith("/admin/networks/sor")
    page.goto("/admin/municipalities")
    page.locator("#move-sorli-network").select_option("sor")
    with page.expect_navigation():
        page.locator("form[action='/admin/municipalities/sorli/move'] button").click()
    row = page.locator("#municipalities tr", has_text="Sørli kommune")
    assert "Sør-nettverket" in row.inner_text()
    assert_no_axe_violations(page)
