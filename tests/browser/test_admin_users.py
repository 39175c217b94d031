"""User and unit administration in a real browser: an admin invites a person, the person accepts from the
e-mail's link; axe on every admin page, on a desktop and a phone."""

import re
from email import message_from_bytes, policy

import pytest

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login

ADMIN = "admin@dulten.example"
NEW_PASSWORD = "en lang og god frase"


def invitation_link(outbox_dir) -> str:
    messages = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(outbox_dir.glob("*.eml"))]
    assert len(messages) == 1 and "ny.ansatt@dulten.example" in messages[0]["To"]
    body = messages[0].get_body(("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/invitation/\S+)", body).group(1)


def test_an_admin_invites_and_the_person_accepts(new_page, tmp_path):
    admin = new_page("desktop")
    login(admin, ADMIN)
    admin.locator("details.user-menu summary").click()
    admin.click("a[href='/admin/users']")
    admin.click("#invite-link")
    admin.fill("input[name=name]", "Ny Ansatt")
    admin.fill("input[name=email]", "ny.ansatt@dulten.example")
    admin.check("input[name=role][value=caretaker]")
    admin.select_option("select[name=unit]", label="Dulten skole")
    with admin.expect_navigation():
        admin.click("button[type=submit].button--primary")
    assert admin.locator("#invitations").inner_text().count("ny.ansatt@dulten.example") == 1

    invitee = new_page("phone")
    invitee.goto(invitation_link(tmp_path / "outbox"))
    assert invitee.locator("input[name=name]").input_value() == "Ny Ansatt"
    assert_no_axe_violations(invitee)
    assert_no_horizontal_scroll(invitee)
    invitee.fill("input[name=new_password]", NEW_PASSWORD)
    invitee.fill("input[name=confirm_password]", NEW_PASSWORD)
    with invitee.expect_navigation():
        invitee.click("button[type=submit].button--primary")
    assert invitee.url.endswith("/")
    invitee.locator("details.user-menu summary").click()
    assert "Ny Ansatt" in invitee.locator("details.user-menu").inner_text()
    assert invitee.problems == []

    admin.reload()
    assert "ny.ansatt@dulten.example" in admin.locator("#users").inner_text()
    assert admin.locator("#invitations").count() == 0


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_admin_pages_meet_wcag(new_page, viewport):
    page = new_page(viewport)
    login(page, ADMIN)
    page.goto("/admin/users")
    page.goto(page.url + "/invite")
    page.fill("input[name=email]", "admin@dulten.example")  # a form error: the page with errors must pass too
    page.fill("input[name=name]", "X")
    page.check("input[name=role][value=member]")
    with page.expect_navigation():
        page.click("button[type=submit].button--primary")
    assert page.locator(".error-summary").count() == 1
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)
    pages = ["/admin/users"]
    page.goto("/admin/users")
    pages.append(page.locator("#users a").first.get_attribute("href"))
    page.goto("/admin/units")
    pages.append(page.url)
    pages.append(page.locator("#units a").first.get_attribute("href"))
    for path in pages:
        page.goto(path)
        assert_no_axe_violations(page)
        assert_no_horizontal_scroll(page)
    page.goto(pages[1] + "/erase")
    assert_no_axe_violations(page)
    page.goto("/invitation/no-such-token")
    assert_no_axe_violations(page)
    assert page.problems == []
