from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.db import db, utcnow
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Item
from marketplace.reservations.models import Reservation, ReservationStatus, WaitlistEntry
from tests.conftest import fresh, login
from tests.factories import make_item


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10),
                              now=utcnow() - timedelta(days=5))
    db.session.commit()
    return region


def test_reserve_approve_collect_through_the_pages(client, setup, web_app):
    login(client, "member@b.example")
    page = client.get(f"/items/{setup.chairs.id}").get_data(as_text=True)
    assert f'action="/items/{setup.chairs.id}/reserve"' in page
    response = client.post(f"/items/{setup.chairs.id}/reserve", data={"quantity": "4", "would_buy_new": "yes",
                                                                      "note": "Til 5A"})
    assert response.status_code == 303
    fresh()
    reservation = db.session.scalar(select(Reservation))
    assert response.headers["Location"] == f"/reservations/{reservation.id}"
    assert db.session.get(Item, setup.chairs.id).quantity_available == 6
    caretaker = web_app.test_client()
    login(caretaker, "caretaker@a.example")
    incoming = caretaker.get("/reservations?view=incoming").get_data(as_text=True)
    assert f"/reservations/{reservation.id}" in incoming
    assert caretaker.post(f"/reservations/{reservation.id}/pickup",
                          data={"pickup_at": "2030-05-01T10:00"}).status_code == 303
    assert client.post(f"/reservations/{reservation.id}/confirm-pickup").status_code == 303
    assert caretaker.post(f"/reservations/{reservation.id}/approve").status_code == 303
    assert client.post(f"/reservations/{reservation.id}/messages", data={"body": "Vi kommer med varebil"}) \
        .status_code == 303
    going = client.post(f"/reservations/{reservation.id}/collect")  # without the final confirmation
    assert going.status_code == 303 and going.headers["Location"] == f"/reservations/{reservation.id}/hand-over"
    fresh()
    assert db.session.get(Reservation, reservation.id).status == ReservationStatus.APPROVED
    assert "Ja, registrer overleveringen" in client.get(going.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/reservations/{reservation.id}/collect", data={"confirmed": "yes"}).status_code == 303
    fresh()
    assert db.session.get(Reservation, reservation.id).status == ReservationStatus.COLLECTED
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 1
    detail = caretaker.get(f"/reservations/{reservation.id}").get_data(as_text=True)
    assert "Vi kommer med varebil" in detail
    assert client.post(f"/reservations/{reservation.id}/cancel").status_code == 409


def test_bad_reservation_input_changes_nothing(client, setup):
    login(client, "member@a.example")
    for data in ({"quantity": "0", "would_buy_new": "yes"}, {"quantity": "mange", "would_buy_new": "yes"},
                 {"quantity": "2"}, {"quantity": "2", "would_buy_new": "maybe"}, {"quantity": "11", "would_buy_new": "no"},
                 {"quantity": "1,5", "would_buy_new": "no"}):
        response = client.post(f"/items/{setup.chairs.id}/reserve", data=data)
        assert response.status_code == 303 and response.headers["Location"].endswith("#reserve")
    fresh()
    assert db.session.scalar(select(func.count(Reservation.id))) == 0
    assert db.session.get(Item, setup.chairs.id).quantity_available == 10


HOSTILE_QUANTITIES = ["1e25", "1E+30", "1e999999999", "١٢", "１", "99999999999999999999", "-2", "NaN", "Infinity"]


@pytest.mark.parametrize("form", ["reserve", "waitlist"])
def test_hostile_quantities_are_form_errors_and_change_nothing(client, setup, form):
    login(client, "member@a.example")
    for quantity in HOSTILE_QUANTITIES:
        response = client.post(f"/items/{setup.chairs.id}/{form}", data={"quantity": quantity, "would_buy_new": "no"})
        assert response.status_code == 303 and response.headers["Location"].endswith("#reserve"), quantity
    fresh()
    assert db.session.scalar(select(func.count(Reservation.id))) == 0
    assert db.session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0
    assert db.session.get(Item, setup.chairs.id).quantity_available == 10


def test_outsiders_cannot_see_or_answer(client, setup, web_app):
    login(client, "member@a.example")
    client.post(f"/items/{setup.chairs.id}/reserve", data={"quantity": "2", "would_buy_new": "no"})
    fresh()
    reservation = db.session.scalar(select(Reservation))
    outsider = web_app.test_client()
    login(outsider, "member@c.example")
    assert outsider.get(f"/reservations/{reservation.id}").status_code == 404
    assert outsider.post(f"/reservations/{reservation.id}/approve").status_code == 404
    other_side = web_app.test_client()
    login(other_side, "caretaker@b.example")
    assert other_side.post(f"/reservations/{reservation.id}/approve").status_code == 404
    assert client.post(f"/reservations/{reservation.id}/approve").status_code == 403  # the requester
    assert client.post(f"/reservations/{reservation.id}/reject", data={"reason": "x"}).status_code == 403
    fresh()
    assert db.session.get(Reservation, reservation.id).status == ReservationStatus.REQUESTED


def test_waitlist_through_the_page(client, setup, web_app):
    login(client, "member@a.example")
    client.post(f"/items/{setup.chairs.id}/reserve", data={"quantity": "10", "would_buy_new": "yes"})
    other = web_app.test_client()
    login(other, "member@b.example")
    page = other.get(f"/items/{setup.chairs.id}").get_data(as_text=True)
    assert f'action="/items/{setup.chairs.id}/waitlist"' in page
    assert other.post(f"/items/{setup.chairs.id}/waitlist", data={"quantity": "3"}).status_code == 303
    overview = other.get("/reservations").get_data(as_text=True)
    assert 'id="waitlist-heading"' in overview and f'href="/items/{setup.chairs.id}"' in overview


def test_the_forms_pickup_wish_is_norwegian_time(client, setup):
    """The page's time has no zone, so it is read as Oslo time (the API's carries its offset); stored in UTC."""
    login(client, "member@b.example")
    client.post(f"/items/{setup.chairs.id}/reserve", data={"quantity": "1", "would_buy_new": "no",
                                                           "wished_pickup_at": "2026-12-01T09:00"})
    fresh()
    assert db.session.scalar(select(Reservation.wished_pickup_at)) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _approved(setup, quantity="2"):
    """A reservation of municipality A's chairs by its own school, approved; committed."""
    from marketplace.reservations import services
    from marketplace.reservations.models import WouldBuyNew

    reservation = services.reserve(setup.member_a, setup.chairs.id, Decimal(quantity), would_buy_new=WouldBuyNew.YES)
    services.approve(setup.caretaker_a, reservation)
    db.session.commit()
    return reservation.id


def test_the_hand_over_form_records_the_costs(client, setup):
    reservation_id = _approved(setup)
    login(client, "caretaker@a.example")
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Kostnad og transport (valgfritt)" in page and 'name="transport_km"' in page
    costs = {"price_paid_nok": "1 200,50", "transport_km": "12,5", "transport_mode": "diesel_van",
             "transport_kgco2e": "", "refurbishment_nok": "", "refurbishment_kgco2e": "0,75"}
    confirmation = client.get(f"/reservations/{reservation_id}/hand-over", query_string=costs)
    shown = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200 and "136 kg CO2e" in shown and "12,5 km med dieselvarebil" in shown
    assert 'name="price_paid_nok" value="1 200,50"' in shown and 'name="transport_kgco2e"' not in shown
    fresh()
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 0
    response = client.post(f"/reservations/{reservation_id}/collect", data={**costs, "confirmed": "yes"})
    assert response.status_code == 303
    fresh()
    event = db.session.scalar(select(ReuseEvent))
    assert (event.price_paid_nok, event.transport_km, event.transport_mode) == (
        Decimal("1200.50"), Decimal("12.5"), "diesel_van")
    assert event.transport_kgco2e == Decimal("3.200") and event.refurbishment_kgco2e == Decimal("0.750")
    assert event.refurbishment_nok is None
    assert event.co2e_gross_kg == Decimal("136.050")  # 2 × 70 − 12.5 × 0.256 − 0.75
    assert event.money_nok == Decimal("8799.50")  # 2 × 5000 − 1200.50


@pytest.mark.parametrize("data, message", [
    ({"price_paid_nok": "-5"}, "Skriv et tall fra 0 til"),
    ({"price_paid_nok": "mye"}, "Skriv et tall"),
    ({"transport_km": "1e3", "transport_mode": "diesel_van"}, "Skriv et tall"),
    ({"transport_km": "١٢", "transport_mode": "diesel_van"}, "Skriv et tall"),
    ({"refurbishment_nok": "100000000000"}, "Skriv et tall fra 0 til"),
    ({"transport_km": "10"}, "både strekning og kjøretøy"),
    ({"transport_km": "10", "transport_mode": "lastebil"}, "Ikke et gyldig valg"),
    ({"transport_km": "10", "transport_mode": "electric_van", "transport_kgco2e": "3"}, "ikke begge"),
])
def test_the_hand_over_form_refuses_bad_numbers_and_changes_nothing(client, setup, data, message):
    reservation_id = _approved(setup)
    login(client, "caretaker@a.example")
    for response in (client.get(f"/reservations/{reservation_id}/hand-over", query_string=data),
                     client.post(f"/reservations/{reservation_id}/collect", data={**data, "confirmed": "yes"})):
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page
        assert "field__error" in page and "<details open>" in page
    fresh()
    assert db.session.get(Reservation, reservation_id).status == ReservationStatus.APPROVED
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 0
    assert db.session.get(Item, setup.chairs.id).quantity_available == 8
