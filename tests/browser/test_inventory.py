"""The inventory on a phone, by keyboard where it matters: the caretaker registers a chair with a photo, presses
"same as the last one" and registers the next chair with the room remembered, sees both in the inventory and
moves one to repair from its page. axe and no sideways scroll at 390 px on every page (the form with errors
too)."""

from __future__ import annotations

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login
from tests.factories import jpeg_bytes


def _checked(page) -> None:
    assert_no_axe_violations(page)
    assert_no_horizontal_scroll(page)


def test_a_caretaker_registers_two_chairs_on_a_phone(new_page, tmp_path):
    photo = tmp_path / "stol.jpg"
    photo.write_bytes(jpeg_bytes(1200, 900, colour=(30, 80, 160)))
    page = new_page("phone")
    login(page)
    page.goto("/inventory")
    assert page.locator("#inventory-count").inner_text() == "0 gjenstander funnet"
    _checked(page)
    page.get_by_role("link", name="Registrer en gjenstand").click()
    page.wait_for_url("**/inventory/new")
    _checked(page)

    page.set_input_files("input[name=photos]", str(photo))
    page.fill("input[name=title]", "Elevstol, blå")
    page.select_option("select[name=category]", "pupil_chair")
    page.fill("input[name=quantity]", "mange")
    page.fill("input[name=building]", "Dulten skole")
    page.fill("input[name=floor]", "2")
    page.locator("input[name=room]").fill("204")
    with page.expect_navigation():
        page.locator("input[name=room]").press("Enter")  # the keyboard submits the form
    assert page.locator(".error-summary").is_visible() and page.locator("#quantity-error").is_visible()
    assert page.locator("input[name=photo_ids]").count() == 1  # the photo waits for the next try
    _checked(page)
    page.fill("input[name=quantity]", "12")
    with page.expect_navigation():
        page.locator("input[name=quantity]").press("Enter")
    assert page.locator(".flash--success", has_text="«Elevstol, blå» er registrert").is_visible()
    assert page.input_value("input[name=room]") == "204" and page.input_value("input[name=title]") == ""

    page.locator("#same-as-last").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.input_value("input[name=title]") == "Elevstol, blå"
    assert page.input_value("input[name=quantity]") == "12" and page.input_value("input[name=floor]") == "2"
    _checked(page)
    page.fill("input[name=title]", "Elevstol, rød")
    page.locator("summary", has_text="Merke, modell og nummer").focus()
    page.keyboard.press("Enter")  # opens the tags
    page.fill("input[name=asset_tag]", "DK-0002")
    with page.expect_navigation():
        page.locator("input[name=asset_tag]").press("Enter")
    assert page.locator(".flash--success", has_text="«Elevstol, rød» er registrert").is_visible()

    page.goto("/inventory")
    assert page.locator("#inventory-count").inner_text() == "2 gjenstander funnet"
    assert page.locator(".inventory-place__heading").all_inner_texts() == ["Dulten skole · etasje 2 · rom 204"]
    assert page.locator(".inventory-row img").count() == 1  # the first chair's photo
    _checked(page)
    page.get_by_role("link", name="Skriv ut etiketter for disse gjenstandene").click()
    page.wait_for_url("**/items/labels?**")
    assert page.locator(".label").count() == 2  # the room's labels in one go (the crawl leaves sheets out)
    _checked(page)
    page.go_back()
    page.get_by_role("link", name="Elevstol, blå").click()
    page.wait_for_url("**/items/*")
    assert page.locator("#inventory-heading").is_visible() and page.locator("#reserve").count() == 0
    _checked(page)
    page.check("#inventory-status input[value=for_repair]")
    page.fill("#inventory-status textarea[name=reason]", "Løs rygg")
    with page.expect_navigation():
        page.click("#inventory-status button[type=submit]")
    assert page.locator(".flash--success").is_visible()
    assert page.locator("#inventory-heading + .facts .badge").inner_text() == "Til reparasjon"
    assert page.problems == []
