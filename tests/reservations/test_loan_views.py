"""Loans through the pages: the listing form's choice, the hand-over that starts a loan, renewing, the return
form, the loan lists and the item's loan history; who may open what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.db import db, utcnow
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Item, ItemOffer
from marketplace.reservations import handover, loans, services
from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew
from tests.conftest import fresh, login
from tests.factories import make_item


@pytest.fixture
def loan(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "stackable_chair", title="Stoler til eksamen",
                              quantity=Decimal(30), offer=ItemOffer.LEND, loan_days=7,
                              now=utcnow() - timedelta(days=10))
    reservation = services.reserve(region.member_b, region.chairs.id, Decimal(20), would_buy_new=WouldBuyNew.NO)
    services.approve(region.caretaker_a, reservation)
    region.reservation = reservation
    db.session.commit()
    return region


def start(region):
    handover.collect(region.member_b, region.reservation)
    db.session.commit()


def test_the_listing_form_offers_give_or_lend(client, region, catalogue):
    login(client, "caretaker@a.example")
    page = client.get("/items/new").get_data(as_text=True)
    assert "Gis bort" in page and "Lånes ut" in page and 'name="loan_days"' in page
    data = {"title": "Klassesett stoler", "category": "stackable_chair", "condition": "good", "quantity": "30",
            "offer": "lend", "loan_days": "", "publish": "1"}
    refused = client.post("/items/new", data=data)
    assert refused.status_code == 400 and "Skriv låneperioden i hele dager" in refused.get_data(as_text=True)
    assert client.post("/items/new", data={**data, "loan_days": "14"}).status_code == 303
    fresh()
    item = db.session.scalar(select(Item))
    assert (item.offer, item.loan_days) == (ItemOffer.LEND, 14)
    assert "Til utlån · 14 dager" in client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "Til utlån · 14 dager" in client.get("/items?q=stoler").get_data(as_text=True)


def test_the_confirmation_page_says_it_starts_a_loan_with_the_due_date(client, loan):
    login(client, "member@b.example")
    detail = client.get(f"/reservations/{loan.reservation.id}").get_data(as_text=True)
    assert "Start utlånet" in detail and 'name="price_paid_nok"' not in detail
    page = client.get(f"/reservations/{loan.reservation.id}/hand-over").get_data(as_text=True)
    assert "Ja, start utlånet" in page and "Skal leveres tilbake" in page
    assert "CO2e" not in page
    assert client.post(f"/reservations/{loan.reservation.id}/collect", data={"confirmed": "yes"}).status_code == 303
    fresh()
    assert db.session.get(Reservation, loan.reservation.id).status == ReservationStatus.ON_LOAN
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 0
    page = client.get(f"/reservations/{loan.reservation.id}").get_data(as_text=True)
    assert "Be om å få beholde det lenger" in page and "Registrer tilbakelevering" not in page


def test_renew_through_the_pages(client, web_app, loan):
    start(loan)
    login(client, "member@b.example")
    assert client.post(f"/reservations/{loan.reservation.id}/renew", data={"days": "400"}).status_code == 303
    fresh()
    assert db.session.get(Reservation, loan.reservation.id).renewal_days is None
    assert client.post(f"/reservations/{loan.reservation.id}/renew", data={"days": "5"}).status_code == 303
    assert client.post(f"/reservations/{loan.reservation.id}/renewal/approve").status_code == 403
    caretaker = web_app.test_client()
    login(caretaker, "caretaker@a.example")
    assert caretaker.post(f"/reservations/{loan.reservation.id}/renew", data={"days": "5"}).status_code == 403
    page = caretaker.get(f"/reservations/{loan.reservation.id}").get_data(as_text=True)
    assert "Godkjenn forlengelsen" in page
    assert caretaker.post(f"/reservations/{loan.reservation.id}/renewal/approve").status_code == 303
    fresh()
    reservation = db.session.get(Reservation, loan.reservation.id)
    assert reservation.renewal_days is None and reservation.due_at > utcnow() + timedelta(days=11)


def test_the_return_form_records_parts_and_refuses_bad_amounts(client, loan):
    start(loan)
    login(client, "caretaker@a.example")
    url = f"/reservations/{loan.reservation.id}/return"
    page = client.get(url)
    assert page.status_code == 200 and "Hvor mange kom tilbake" in page.get_data(as_text=True)
    too_many = client.post(url, data={"quantity": "25"})
    assert too_many.status_code == 400 and "Bare 20 er fortsatt utlånt" in too_many.get_data(as_text=True)
    assert client.post(url, data={"quantity": "15", "lost": "1", "condition": "worn",
                                  "note": "En stol knakk"}).status_code == 303
    fresh()
    reservation = db.session.get(Reservation, loan.reservation.id)
    assert reservation.status == ReservationStatus.ON_LOAN and reservation.on_loan_quantity == 4
    assert client.post(url, data={"quantity": "", "condition": ""}).status_code == 303  # the rest
    fresh()
    assert db.session.get(Reservation, loan.reservation.id).status == ReservationStatus.RETURNED
    assert db.session.get(Item, loan.chairs.id).quantity_available == 29
    assert client.get(url).status_code == 409  # nothing on loan any more
    item_page = client.get(f"/items/{loan.chairs.id}").get_data(as_text=True)
    assert "Utlånshistorikk" in item_page and "15 tilbake, 1 tapt eller ødelagt" in item_page


@pytest.mark.parametrize("email, status", [("member@b.example", 403), ("caretaker@b.example", 403),
                                           ("member@c.example", 404), ("member@a.example", 404)])
def test_only_the_owner_side_opens_the_return_form(client, loan, email, status):
    start(loan)
    login(client, email)
    url = f"/reservations/{loan.reservation.id}/return"
    assert client.get(url).status_code == status
    assert client.post(url, data={"quantity": "20"}).status_code == status
    fresh()
    assert db.session.get(Reservation, loan.reservation.id).status == ReservationStatus.ON_LOAN


@pytest.mark.parametrize("email", ["member@c.example", "caretaker@b.example"])
def test_others_cannot_renew_or_answer(client, loan, email):
    start(loan)
    loans.ask_renewal(loan.member_b, loan.reservation, 3)
    db.session.commit()
    login(client, email)
    for url in (f"/reservations/{loan.reservation.id}/renew", f"/reservations/{loan.reservation.id}/renewal/approve",
                f"/reservations/{loan.reservation.id}/renewal/decline"):
        assert client.post(url, data={"days": "3"}).status_code in (403, 404)
    fresh()
    assert db.session.get(Reservation, loan.reservation.id).renewal_days == 3


def test_loan_lists_show_overdue(client, web_app, loan):
    handover.collect(loan.member_b, loan.reservation, now=utcnow() - timedelta(days=10))
    db.session.commit()
    login(client, "member@b.example")
    page = client.get("/reservations?view=mine&loans=overdue").get_data(as_text=True)
    assert "Stoler til eksamen" in page and "Forfalt" in page and "Skal leveres tilbake" in page
    assert "Stoler til eksamen" not in client.get("/reservations?view=mine&loans=returned").get_data(as_text=True)
    caretaker = web_app.test_client()
    login(caretaker, "caretaker@a.example")
    assert "Stoler til eksamen" in caretaker.get("/reservations?view=incoming&loans=on_loan").get_data(as_text=True)
    other = web_app.test_client()
    login(other, "caretaker@b.example")
    assert "Stoler til eksamen" not in other.get("/reservations?view=incoming&loans=all").get_data(as_text=True)


def test_search_can_show_only_items_for_loan(client, loan):
    make_item(loan.caretaker_a, "stackable_chair", title="Stoler å gi bort", quantity=Decimal(4),
              now=utcnow() - timedelta(days=10))
    db.session.commit()
    login(client, "member@b.example")
    everything = client.get("/items?q=stoler").get_data(as_text=True)
    assert "Stoler til eksamen" in everything and "Stoler å gi bort" in everything
    lent = client.get("/items?q=stoler&offer=lend").get_data(as_text=True)
    assert "Stoler til eksamen" in lent and "Stoler å gi bort" not in lent
    assert 'id="f-loans" name="offer" value="lend" checked' in lent
