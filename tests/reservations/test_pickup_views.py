"""Agreeing a pickup time through the reservation page: "Godta" only for the other side's proposal, the
wished time in one step for the owner side, and the history naming what happened."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.db import db, utcnow
from marketplace.notifications.models import Notification
from marketplace.reservations import services
from marketplace.reservations.models import PickupSide, Reservation, WouldBuyNew
from tests.conftest import fresh, login
from tests.factories import make_item

WISH = datetime(2030, 5, 2, 8, 0, tzinfo=UTC)  # 10:00 in Oslo


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10),
                              now=utcnow() - timedelta(days=10))
    db.session.commit()
    return region


def reserve(setup, wish=None) -> int:
    reservation = services.reserve(setup.member_b, setup.chairs.id, Decimal(2), would_buy_new=WouldBuyNew.NO,
                                   wished_pickup_at=wish)
    db.session.commit()
    return reservation.id


def test_only_the_other_side_is_offered_to_accept_a_proposal(client, setup, web_app):
    reservation_id = reserve(setup)
    login(client, "caretaker@a.example")
    proposed = client.post(f"/reservations/{reservation_id}/pickup", data={"pickup_at": "2030-05-01T10:00"})
    assert proposed.status_code == 303 and proposed.headers["Location"].endswith("#pickup")
    own = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Godta hentetidspunktet" not in own and "Dere foreslo" in own
    refused = client.post(f"/reservations/{reservation_id}/confirm-pickup", follow_redirects=True)
    assert refused.status_code == 200 and "foreslo dette hentetidspunktet selv" in refused.get_data(as_text=True)
    fresh()
    assert not db.session.get(Reservation, reservation_id).pickup_confirmed

    school = web_app.test_client()
    login(school, "member@b.example")
    theirs = school.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Godta hentetidspunktet" in theirs and f'action="/reservations/{reservation_id}/confirm-pickup"' in theirs
    assert school.post(f"/reservations/{reservation_id}/confirm-pickup").status_code == 303
    fresh()
    assert db.session.get(Reservation, reservation_id).pickup_confirmed
    assert db.session.query(Notification).filter_by(user_id=setup.caretaker_a.id, kind="pickup_confirmed").count() == 1
    after = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Avtalt: " in after and "Hentetidspunkt avtalt" in after and "Godta" not in after


def test_the_owner_side_accepts_the_wished_time_with_one_press(client, setup, web_app):
    reservation_id = reserve(setup, wish=WISH)
    school = web_app.test_client()
    login(school, "member@b.example")
    assert "Godta ønsket tidspunkt" not in school.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert school.post(f"/reservations/{reservation_id}/accept-wished-pickup").status_code == 403
    login(client, "caretaker@a.example")
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Godta ønsket tidspunkt" in page and "ønsker å hente 02.05.2030, 10:00" in page
    assert client.post(f"/reservations/{reservation_id}/accept-wished-pickup").status_code == 303
    fresh()
    reservation = db.session.get(Reservation, reservation_id)
    assert (reservation.pickup_at, reservation.pickup_confirmed) == (WISH, True)
    assert reservation.pickup_proposed_by == PickupSide.REQUESTER
    told = school.get("/notifications").get_data(as_text=True)
    assert "er avtalt: 02.05.2030, 10:00" in told
    history = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Ønsket hentetidspunkt godtatt" in history and "Godta ønsket tidspunkt" not in history


def test_a_new_proposal_after_agreement_is_named_in_the_history(client, setup, web_app):
    reservation_id = reserve(setup, wish=WISH)
    login(client, "caretaker@a.example")
    client.post(f"/reservations/{reservation_id}/accept-wished-pickup")
    school = web_app.test_client()
    login(school, "member@b.example")
    assert school.post(f"/reservations/{reservation_id}/pickup", data={"pickup_at": "2030-05-03T12:00"}) \
        .status_code == 303
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Nytt hentetidspunkt foreslått i stedet for det avtalte" in page and "Godta hentetidspunktet" in page
    assert "erstattet av et nytt forslag" in client.get("/notifications").get_data(as_text=True)
