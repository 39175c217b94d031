"""A reservation from start to hand-over in a real browser, by keyboard and by touch: a school reserves, the
caretaker agrees the pickup time and approves, the school confirms the hand-over on its confirmation page.
axe on every reservation page."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.browser.conftest import assert_no_axe_violations, assert_no_horizontal_scroll, login


def _list_chairs(page) -> str:
    page.goto("/items/new")
    page.fill("input[name=title]", "Elevstoler, blå")
    page.select_option("select[name=category]", "pupil_chair")
    page.fill("input[name=quantity]", "24")
    page.click("button[name=publish]")
    page.wait_for_url(re.compile(r"/items/\d+$"))
    return page.url


def _press_button(page, selector: str) -> None:
    """Reach a button with the Tab key alone, then press Enter."""
    button = page.locator(selector)
    for _ in range(80):
        if button.evaluate("element => element === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"Tab never reached the button {selector!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_reserve_approve_and_hand_over_by_keyboard(new_page):
    caretaker = new_page("desktop")
    login(caretaker)  # the demo caretaker of Dulten
    item_url = _list_chairs(caretaker)

    school = new_page("phone")
    login(school, "skole@dulten.example")
    school.goto(item_url)
    assert_no_axe_violations(school)
    school.locator("input[name=quantity]").focus()
    school.keyboard.type("20")
    school.locator("input[name=would_buy_new][value=yes]").focus()
    school.keyboard.press("Space")
    school.locator("textarea[name=note]").focus()
    school.keyboard.type("Til 6. trinn")
    _press_button(school, "form[action$='/reserve'] button[type=submit]")
    assert re.search(r"/reservations/\d+$", school.url)
    assert_no_axe_violations(school)
    assert_no_horizontal_scroll(school)
    reservation_url = school.url

    caretaker.goto("/reservations?view=incoming")
    assert_no_axe_violations(caretaker)
    caretaker.goto(reservation_url)
    assert_no_axe_violations(caretaker)
    _press_button(caretaker, "form[action$='/approve'] button")
    assert caretaker.locator(".badge--approved").count() >= 1

    school.goto(reservation_url)
    _press_button(school, "form[action$='/hand-over'] button")
    assert school.url.startswith(reservation_url + "/hand-over")
    assert school.locator("h1").inner_text() == "Bekreft overleveringen"
    assert school.locator(".badge--collected").count() == 0  # nothing recorded yet
    assert_no_axe_violations(school)
    assert_no_horizontal_scroll(school)
    _press_button(school, "button[name=confirmed]")
    assert school.locator(".badge--collected").count() >= 1
    assert school.locator("#recorded a", has_text="Angre overleveringen").is_visible()
    assert_no_axe_violations(school)
    school.goto("/reservations")
    assert_no_axe_violations(school)
    assert school.problems == [] and caretaker.problems == []


def _tap(page, name: str) -> None:
    """Touch the button with this text, as a finger would, and wait for the next page."""
    with page.expect_navigation():
        page.get_by_role("button", name=name).tap()


def test_pickup_agreed_with_one_tap_and_hand_over_confirmed_on_a_phone(new_page):
    caretaker = new_page("phone")
    login(caretaker)
    item_url = _list_chairs(caretaker)

    school = new_page("phone")
    login(school, "skole@dulten.example")
    school.goto(item_url)
    school.fill("input[name=quantity]", "6")
    school.check("input[name=would_buy_new][value=no]")
    school.fill("input[name=wished_pickup_at]", "2030-05-02T10:00")
    _tap(school, "Reserver")
    reservation_url = school.url

    # The owner side takes the wished time with one tap; the school is told.
    caretaker.goto(reservation_url)
    assert_no_axe_violations(caretaker)
    assert_no_horizontal_scroll(caretaker)
    _tap(caretaker, "Godta ønsket tidspunkt")
    assert caretaker.get_by_text("Avtalt: 02.05.2030, 10:00.").is_visible()
    school.goto("/notifications")
    assert school.get_by_text("er avtalt: 02.05.2030, 10:00", exact=False).count() == 1

    # The school proposes another time: it waits for the caretaker, who alone is offered "Godta".
    school.goto(reservation_url)
    school.fill("input[name=pickup_at]", "2030-05-03T12:30")
    _tap(school, "Foreslå et annet tidspunkt")
    assert school.get_by_role("button", name="Godta hentetidspunktet").count() == 0
    assert school.get_by_text("Dere foreslo", exact=False).is_visible()
    assert_no_axe_violations(school)
    caretaker.goto(reservation_url)
    _tap(caretaker, "Godta hentetidspunktet")
    assert caretaker.get_by_text("Avtalt: 03.05.2030, 12:30.").is_visible()
    assert caretaker.get_by_text("Hentetidspunkt avtalt", exact=False).count() >= 1  # the history
    assert_no_axe_violations(caretaker)
    school.goto("/notifications")
    assert school.get_by_text("er avtalt: 03.05.2030, 12:30", exact=False).count() == 1

    # Before approving, the caretaker is offered only to record a hand-over that already happened.
    assert caretaker.get_by_role("button", name="Bekreft overlevering").count() == 0
    _tap(caretaker, "Godkjenn")
    _tap(caretaker, "Bekreft overlevering")
    assert caretaker.get_by_role("heading", level=1).inner_text() == "Bekreft overleveringen"
    assert caretaker.get_by_text("6 stk.").is_visible()
    assert_no_axe_violations(caretaker)
    assert_no_horizontal_scroll(caretaker)
    _tap(caretaker, "Ja, registrer overleveringen")
    assert caretaker.locator(".badge--collected").count() >= 1
    assert caretaker.get_by_role("link", name="Angre overleveringen").is_visible()
    assert_no_axe_violations(caretaker)
    assert_no_horizontal_scroll(caretaker)
    assert school.problems == [] and caretaker.problems == []


@pytest.fixture
def long_history(live_server, make_app):
    """Forty requests from Nordvik's school for Dulten's chairs; Dulten's caretaker rejected the 25 oldest: two
    pages, the open ones first."""
    from marketplace.accounts.services import find_user_by_email
    from marketplace.db import db, utcnow
    from marketplace.reservations import services as reservations
    from marketplace.reservations.models import WouldBuyNew
    from tests.factories import make_item

    app = make_app()
    with app.app_context():
        now = utcnow()
        caretaker = find_user_by_email("vaktmester@dulten.example")
        school = find_user_by_email("skole@nordvik.example")
        chairs = make_item(caretaker, "office_chair", title="Kontorstoler, grå", quantity=Decimal(100),
                           now=now - timedelta(days=20))  # long enough for the network to see them
        asked = [reservations.reserve(school, chairs.id, Decimal(1 + number % 3), would_buy_new=WouldBuyNew.YES,
                                      now=now - timedelta(hours=40 - number)) for number in range(40)]
        for reservation in asked[:25]:
            reservations.reject(caretaker, reservation, "Ikke nå", now=now - timedelta(hours=1))
        db.session.commit()
    return live_server


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_incoming_reservations_page_by_page(new_page, long_history, viewport):
    caretaker = new_page(viewport)
    login(caretaker)
    caretaker.goto("/reservations?view=incoming")
    assert caretaker.locator("#open-heading").inner_text() == "Åpne reservasjoner 15"
    assert caretaker.locator("#finished-heading").inner_text() == "Avsluttede reservasjoner 25"
    assert caretaker.locator("main table tbody tr").count() == 25
    assert caretaker.locator(".pagination").inner_text().split() == ["Side", "1", "av", "2", "Neste"]
    assert_no_axe_violations(caretaker)
    assert_no_horizontal_scroll(caretaker)
    with caretaker.expect_navigation():
        caretaker.get_by_role("link", name="Neste").click()
    assert caretaker.locator("#listing-range").inner_text() == "Viser 26–40 av 40"
    assert caretaker.locator("#open-heading").count() == 0
    assert caretaker.locator("main table tbody tr").count() == 15
    assert_no_axe_violations(caretaker)
    assert_no_horizontal_scroll(caretaker)
    for nonsense, seen in (("abc", "#page-ignored"), ("9", "#beyond-last")):
        caretaker.goto(f"/reservations?view=incoming&page={nonsense}")
        assert caretaker.locator(seen).is_visible()
        assert_no_axe_violations(caretaker)
    with caretaker.expect_navigation():
        caretaker.get_by_role("link", name="Gå til siste side").click()
    assert caretaker.locator("#listing-range").inner_text() == "Viser 26–40 av 40"
    assert caretaker.problems == []
