"""Undoing and correcting a hand-over through the pages: the button on the reservation, the confirmation page
with its reason, and what the reservation shows afterwards."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.db import db, utcnow
from marketplace.impact.models import ReuseEvent
from marketplace.reservations import handover, services
from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew
from tests.conftest import fresh, login
from tests.factories import make_item, make_user


@pytest.fixture
def setup(region, catalogue):
    region.admin_b = make_user("admin@b.example", Role.MUNICIPAL_ADMIN, region.b)
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10),
                              now=utcnow() - timedelta(days=10))
    db.session.commit()
    return region


def handed_over(setup, ago: timedelta):
    when = utcnow() - ago
    reservation = services.reserve(setup.member_b, setup.chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                                   now=when - timedelta(hours=2))
    services.approve(setup.caretaker_a, reservation, now=when - timedelta(hours=1))
    event = handover.collect(setup.member_b, reservation, now=when)
    db.session.commit()
    return reservation.id, event.id


def events() -> int:
    return db.session.scalar(select(func.count(ReuseEvent.id)))


def test_the_owner_side_undoes_a_hand_over_from_the_reservation_page(client, setup):
    reservation_id, event_id = handed_over(setup, timedelta(hours=1))
    login(client, "caretaker@a.example")
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert f'href="/reuse-events/{event_id}/reverse"' in page and "Angre overleveringen" in page
    form = client.get(f"/reuse-events/{event_id}/reverse")
    assert form.status_code == 200 and 'name="reason"' in form.get_data(as_text=True)
    for data in ({}, {"reason": "   "}):
        refused = client.post(f"/reuse-events/{event_id}/reverse", data=data)
        assert refused.status_code == 400 and "field__error" in refused.get_data(as_text=True)
    fresh()
    assert events() == 1 and db.session.get(Reservation, reservation_id).status == ReservationStatus.COLLECTED
    done = client.post(f"/reuse-events/{event_id}/reverse", data={"reason": "Ikke hentet ennå"})
    assert done.status_code == 303 and done.headers["Location"] == f"/reservations/{reservation_id}"
    fresh()
    assert events() == 2 and db.session.get(Reservation, reservation_id).status == ReservationStatus.APPROVED
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Overleveringen er angret" in page and "Ikke hentet ennå" in page and "Overlevering angret" in page
    assert client.post(f"/reuse-events/{event_id}/reverse", data={"reason": "Igjen"}).status_code == 409


def test_an_admin_of_the_receiving_side_corrects_a_hand_over_after_a_day(client, setup, web_app):
    reservation_id, event_id = handed_over(setup, timedelta(days=2))
    caretaker = web_app.test_client()
    login(caretaker, "caretaker@a.example")
    assert "Angre overleveringen" not in caretaker.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert caretaker.get(f"/reuse-events/{event_id}/reverse").status_code == 403
    assert caretaker.post(f"/reuse-events/{event_id}/reverse", data={"reason": "Nei"}).status_code == 403
    outsider = web_app.test_client()
    login(outsider, "member@c.example")
    assert outsider.get(f"/reuse-events/{event_id}/reverse").status_code == 404
    login(client, "admin@b.example")
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Korriger overleveringen" in page
    assert client.post(f"/reuse-events/{event_id}/reverse", data={"reason": "Feil skole"}).status_code == 303
    fresh()
    assert db.session.get(Reservation, reservation_id).status == ReservationStatus.CORRECTED
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "korrigert" in page and "Feil skole" in page and "Korriger overleveringen" not in page
