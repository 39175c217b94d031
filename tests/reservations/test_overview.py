"""The reservations page opens where something waits and counts both tabs (issue 18, item 7)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.db import db, utcnow
from marketplace.reservations import overview, services
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import fresh, login
from tests.factories import make_item


@pytest.fixture
def setup(region, catalogue):
    week_ago = utcnow() - timedelta(days=7)  # shared with the whole network by now
    region.chairs_a = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10), now=week_ago)
    region.chairs_b = make_item(region.caretaker_b, "office_chair", quantity=Decimal(10), now=week_ago)
    db.session.commit()
    return region


def _reserve(user, item, quantity="2"):
    reservation = services.reserve(user, item.id, Decimal(quantity), would_buy_new=WouldBuyNew.YES)
    db.session.commit()
    return reservation


def _tab_labels(page: str) -> dict[str, str]:
    """The text of each tab link, keyed by its view, and which one is current."""
    tabs = page[page.index('<nav class="tabs"'):page.index("</nav>", page.index('<nav class="tabs"'))]
    found = {}
    for match in re.finditer(r'<a href="/reservations\?view=(\w+)"( aria-current="page")?>(.*?)</a>', tabs):
        text = re.sub(r"<[^>]+>", " ", match.group(3))
        found[match.group(1)] = " ".join(text.split()) + (" [current]" if match.group(2) else "")
    return found


def test_choose_tab_prefers_requests_waiting_then_mine(setup):
    caretaker = setup.caretaker_a
    assert overview.choose_tab(caretaker, None) == overview.Tabs("mine", mine=0, incoming=0, waiting=0)
    _reserve(caretaker, setup.chairs_b)
    assert overview.choose_tab(caretaker, None) == overview.Tabs("mine", mine=1, incoming=0, waiting=0)
    request = _reserve(setup.member_b, setup.chairs_a)
    assert overview.choose_tab(caretaker, None) == overview.Tabs("incoming", mine=1, incoming=1, waiting=1)
    assert overview.choose_tab(caretaker, "mine").chosen == "mine"  # the link decides when it names a tab
    services.approve(caretaker, request)
    db.session.commit()
    assert overview.choose_tab(caretaker, None) == overview.Tabs("mine", mine=1, incoming=1, waiting=0)
    assert overview.choose_tab(caretaker, "nonsense").chosen == "mine"


def test_incoming_without_own_reservations_opens_incoming(setup):
    request = _reserve(setup.member_b, setup.chairs_a)
    services.approve(setup.caretaker_a, request)
    db.session.commit()
    # Nothing waits, but an empty "mine" tab is no place to open on.
    assert overview.choose_tab(setup.caretaker_a, None).chosen == "incoming"


def test_a_member_has_no_incoming_tab_even_when_asking_for_it(setup):
    _reserve(setup.member_b, setup.chairs_a)
    assert overview.choose_tab(setup.member_a, "incoming") == overview.Tabs("mine", mine=0, incoming=None, waiting=0)
    # ... and the caretaker of another municipality sees none of a's requests.
    assert overview.choose_tab(setup.caretaker_b, None).incoming == 0


def test_the_page_opens_on_incoming_when_a_request_waits(client, setup):
    _reserve(setup.caretaker_a, setup.chairs_b)
    request = _reserve(setup.member_b, setup.chairs_a)
    login(client, "caretaker@a.example")
    page = client.get("/reservations").get_data(as_text=True)
    assert _tab_labels(page) == {"mine": "Mine reservasjoner 1", "incoming": "Innkommende 1 1 venter [current]"}
    assert f'href="/reservations/{request.id}"' in page
    assert 'name="view" value="incoming"' in page  # the status filter keeps the tab

    mine = client.get("/reservations?view=mine").get_data(as_text=True)
    assert _tab_labels(mine)["mine"] == "Mine reservasjoner 1 [current]"
    assert f'href="/reservations/{request.id}"' not in mine

    assert client.post(f"/reservations/{request.id}/approve").status_code == 303
    fresh()
    after = client.get("/reservations").get_data(as_text=True)
    assert _tab_labels(after) == {"mine": "Mine reservasjoner 1 [current]", "incoming": "Innkommende 1"}


def test_the_page_for_a_member_shows_one_counted_tab(client, setup):
    _reserve(setup.member_b, setup.chairs_a)
    login(client, "member@b.example")
    for url in ("/reservations", "/reservations?view=incoming", "/reservations?view=x%27%22"):
        response = client.get(url)
        assert response.status_code == 200
        assert _tab_labels(response.get_data(as_text=True)) == {"mine": "Mine reservasjoner 1 [current]"}


def test_the_rows_carry_their_column_names_for_the_phone_cards(client, setup):
    _reserve(setup.member_b, setup.chairs_a)
    login(client, "member@b.example")
    page = client.get("/reservations").get_data(as_text=True)
    for label in ("Fra", "Antall", "Status", "Henting"):
        assert f'data-label="{label}"' in page
