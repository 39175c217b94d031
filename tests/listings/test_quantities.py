"""Every quantity a user sees is what they can act on (issue 18, item 4): cards say how many of how many are
free, and a waitlist offer and the item page say the same about what is held for whom."""

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.db import db, utcnow
from marketplace.notifications.models import Notification
from marketplace.notifications.services import describe
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from marketplace.wanted.models import Need
from tests.conftest import fresh, login
from tests.factories import make_item

LONG_AGO = utcnow() - timedelta(days=30)


@pytest.fixture
def chairs(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "stackable_chair", title="Stablestoler grå",
                              quantity=Decimal(30), now=LONG_AGO)
    db.session.commit()
    reservations.reserve(region.member_a, region.chairs.id, Decimal(28), would_buy_new=WouldBuyNew.YES)
    db.session.commit()
    return region


def _card(html: str) -> str:
    return html.split('class="item-card"', 1)[1].split("</li>", 1)[0]


def test_cards_on_home_search_and_need_matches_say_how_many_are_free(client, chairs):
    login(client, "member@b.example")
    home = _card(client.get("/").get_data(as_text=True))
    search = _card(client.get("/items?q=stablestoler").get_data(as_text=True))
    assert "2 av 30 stk. ledige" in home and "2 av 30 stk. ledige" in search
    assert "30 stk. ·" not in home
    response = client.post("/needs/new", data={"title": "24 elevstoler", "category": "stackable_chair",
                                               "quantity": "24", "needed_by": "2099-08-01", "description": ""})
    assert response.status_code == 303
    need = db.session.scalar(select(Need).order_by(Need.id.desc()))
    matches = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "Stablestoler grå" in matches and "2 av 30 stk. ledige" in _card(matches)


def test_a_card_of_a_whole_and_of_a_taken_listing(client, chairs):
    make_item(chairs.caretaker_b, "desk", title="Skrivebord", quantity=Decimal(3), now=LONG_AGO)
    db.session.commit()
    reservations.reserve(chairs.member_b, chairs.chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES)
    db.session.commit()
    login(client, "member@b.example")
    page = client.get("/items").get_data(as_text=True)
    assert "3 stk. ledige" in page and "ingen av 30 stk. ledige" in page


def test_the_waitlist_offer_and_the_item_page_agree(client, chairs):
    first = db.session.scalar(select(reservations.Reservation))
    reservations.reserve(chairs.member_a, chairs.chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES)
    reservations.join_waitlist(chairs.member_b, chairs.chairs.id, Decimal(4))
    db.session.commit()
    reservations.cancel(chairs.member_a, first)  # 28 released: 4 held for B, 24 free for anyone
    db.session.commit()
    assert db.session.scalar(select(Notification).where(Notification.kind == "waitlist_offer")) is not None
    login(client, "member@b.example")
    page = client.get(f"/items/{chairs.chairs.id}").get_data(as_text=True)
    assert "4 stk. holdes av til deg fra ventelisten" in page
    assert "I tillegg tilgjengelig for alle nå: 24" in page
    assert "24 av 30 stk. ledige" in page
    inbox = client.get("/notifications").get_data(as_text=True)
    assert "4 stk. av «Stablestoler grå» holdes av til deg fra ventelisten til" in inbox
    # Anyone else sees only what they can reserve.
    client.post("/logout")
    fresh()
    login(client, "caretaker@b.example")
    other = client.get(f"/items/{chairs.chairs.id}").get_data(as_text=True)
    assert "holdes av til deg" not in other and "Tilgjengelig nå: 24" in other


def test_a_waitlist_offer_says_its_unit_of_measure(client, region, catalogue):
    """"85,5 kg", not "85.5": the offer says what is held in the category's unit, in the reader's language."""
    furniture = make_item(region.caretaker_a, "other_furniture", title="Diverse møbler",
                          quantity=Decimal(100), now=LONG_AGO)
    db.session.commit()
    first = reservations.reserve(region.member_a, furniture.id, Decimal(100), would_buy_new=WouldBuyNew.YES)
    reservations.join_waitlist(region.member_b, furniture.id, Decimal("85.5"))
    reservations.cancel(region.member_a, first)
    db.session.commit()
    offer = db.session.scalar(select(Notification).where(Notification.kind == "waitlist_offer"))
    assert offer.data["quantity"] == "85.5" and offer.data["unit"] == "kg"  # stored as a number and a code
    login(client, "member@b.example")
    assert "85,5 kg av «Diverse møbler» holdes av til deg" in client.get("/notifications").get_data(as_text=True)
    with force_locale("en"):
        assert describe(offer).startswith("85.5 kg of “Diverse møbler” is held for you")
        offer.data = {**offer.data, "quantity": "1", "unit": "piece"}
        assert describe(offer).startswith("1 piece of")
        offer.data = {**offer.data, "unit": "furlong"}  # a unit this version does not know: the bare amount
        assert describe(offer).startswith("1 of")
