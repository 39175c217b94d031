"""The hand-over's confirmation step (issue 18, item 3): the page says what will be recorded, from the ledger's
own formula, and nothing is written until the final button; the requester only after approval; the owner
side's "already happened" path says so; afterwards the reservation page offers the undo."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Item
from marketplace.notifications.models import Notification
from marketplace.reservations import handover, services
from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew
from marketplace.reservations.services import ReservationError, TransitionError
from tests.conftest import fresh, login
from tests.factories import make_item


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10), would_be_discarded=True,
                              now=utcnow() - timedelta(days=10))
    db.session.commit()
    return region


def reserve(setup, quantity="3", approve=False):
    reservation = services.reserve(setup.member_b, setup.chairs.id, Decimal(quantity),
                                   would_buy_new=WouldBuyNew.YES)
    if approve:
        services.approve(setup.caretaker_a, reservation)
    db.session.commit()
    return reservation


def counts() -> tuple:
    return (db.session.scalar(select(func.count(ReuseEvent.id))), db.session.scalar(select(func.count(AuditEvent.id))),
            db.session.scalar(select(func.count(Notification.id))))


# --- The service --------------------------------------------------------------------------------------------

def test_the_preview_changes_nothing_and_shows_what_collect_records(setup):
    reservation = reserve(setup, approve=True)
    before = counts()
    costs = {"price_paid_nok": Decimal(500), "transport_km": Decimal(20), "transport_mode": "electric_van"}
    preview = handover.preview(setup.member_b, reservation, **costs)
    db.session.flush()
    assert counts() == before and preview.event not in db.session and not preview.already_happened
    assert reservation.status == ReservationStatus.APPROVED and setup.chairs.quantity_available == 7
    recorded = handover.collect(setup.member_b, reservation, **costs)
    figures = ("co2e_net_kg", "co2e_gross_kg", "co2e_low_kg", "co2e_high_kg", "waste_kg", "money_nok",
               "transport_kgco2e", "price_paid_nok", "quantity", "occurred_on", "receiver_organisation_id")
    assert [getattr(preview.event, name) for name in figures] == [getattr(recorded, name) for name in figures]
    assert preview.event.co2e_net_kg == Decimal("208.600")  # 3 × 70 − 20 km × 0.070


def test_the_requester_cannot_confirm_before_approval(setup):
    reservation = reserve(setup)
    for step in (handover.preview, handover.collect):
        with pytest.raises(TransitionError):
            step(setup.member_b, reservation)
    assert reservation.status == ReservationStatus.REQUESTED and counts()[0] == 0


def test_the_owner_side_records_a_hand_over_that_already_happened(setup):
    reservation = reserve(setup)
    preview = handover.preview(setup.caretaker_a, reservation)
    assert preview.already_happened and counts()[0] == 0
    handover.collect(setup.caretaker_a, reservation)
    assert reservation.status == ReservationStatus.COLLECTED and counts()[0] == 1
    approved = reserve(setup, "1", approve=True)
    assert not handover.preview(setup.caretaker_a, approved).already_happened


def test_the_preview_refuses_bad_costs_as_collect_does(setup):
    reservation = reserve(setup, approve=True)
    with pytest.raises(ReservationError) as refused:
        handover.preview(setup.member_b, reservation, transport_km=Decimal(10))
    assert set(refused.value.errors) == {"transport_mode"}


# --- The pages ----------------------------------------------------------------------------------------------

def test_the_requester_confirms_through_the_confirmation_page(client, setup):
    reservation_id = reserve(setup, approve=True).id
    login(client, "member@b.example")
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert f'method="get" action="/reservations/{reservation_id}/hand-over"' in page
    assert "Registrer en overlevering som allerede har skjedd" not in page
    response = client.get(f"/reservations/{reservation_id}/hand-over", query_string={"price_paid_nok": "300"})
    shown = response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")
    assert response.status_code == 200 and "<h1>Bekreft overleveringen</h1>" in shown
    for text in ("Kontorstol", "3 stk.", "A depot, A kommune", "B skole, B kommune", "i dag, ",
                 "210 kg CO2e", "45 kg", "14 700 kr", "Pris betalt</dt><dd>300 kr", "ikke oppgitt", "Ja, registrer overleveringen"):
        assert text in shown, text
    assert 'name="price_paid_nok" value="300"' in shown
    assert f'href="/reservations/{reservation_id}?price_paid_nok=300#collect"' in shown  # "Endre" keeps them
    fresh()
    assert db.session.get(Reservation, reservation_id).status == ReservationStatus.APPROVED and counts()[0] == 0
    done = client.post(f"/reservations/{reservation_id}/collect", data={"price_paid_nok": "300",
                                                                        "confirmed": "yes"})
    assert done.status_code == 303 and done.headers["Location"] == f"/reservations/{reservation_id}#recorded"
    fresh()
    event = db.session.scalar(select(ReuseEvent))
    assert event.price_paid_nok == Decimal("300.00") and event.money_nok == Decimal("14700.00")
    after = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Overleveringen er registrert" in after and "Fram til " in after
    assert f'href="/reuse-events/{event.id}/reverse"' in after and "Angre overleveringen" in after


def test_the_requester_is_not_offered_the_hand_over_before_approval(client, setup):
    reservation_id = reserve(setup).id
    login(client, "member@b.example")
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "/hand-over" not in page and "kan bekreftes når reservasjonen er godkjent" in page
    assert client.get(f"/reservations/{reservation_id}/hand-over").status_code == 409
    assert client.post(f"/reservations/{reservation_id}/collect", data={"confirmed": "yes"}).status_code == 409
    fresh()
    assert db.session.get(Reservation, reservation_id).status == ReservationStatus.REQUESTED and counts()[0] == 0


def test_the_owner_side_before_approval_records_what_already_happened(client, setup):
    reservation_id = reserve(setup).id
    login(client, "caretaker@a.example")
    page = client.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Registrer en overlevering som allerede har skjedd" in page
    assert "Bekreft overlevering</button>" not in page  # no plain confirmation before approving
    shown = client.get(f"/reservations/{reservation_id}/hand-over").get_data(as_text=True)
    assert "<h1>Registrer en overlevering som allerede har skjedd</h1>" in shown
    assert "Reservasjonen er ikke godkjent" in shown
    fresh()
    assert counts()[0] == 0
    assert client.post(f"/reservations/{reservation_id}/collect", data={"confirmed": "yes"}).status_code == 303
    fresh()
    assert db.session.get(Reservation, reservation_id).status == ReservationStatus.COLLECTED
    assert db.session.get(Item, setup.chairs.id).quantity_available == 7


def test_outsiders_reach_no_confirmation_page(client, setup):
    reservation_id = reserve(setup, approve=True).id
    login(client, "member@c.example")
    assert client.get(f"/reservations/{reservation_id}/hand-over").status_code == 404
    login(client, "member@a.example")
    assert client.get(f"/reservations/{reservation_id}/hand-over").status_code == 404
