"""POST /api/v1/reuse-events/{id}/reverse: undo or correct a hand-over with a reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.api import services as tokens
from marketplace.db import db, utcnow
from marketplace.impact.models import ReuseEvent
from marketplace.reservations import handover, services
from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew
from tests.api.conftest import error_code
from tests.conftest import fresh
from tests.factories import make_item, make_user

FIGURES = ("co2e_kg", "co2e_kg_gross", "co2e_kg_low", "co2e_kg_high", "waste_kg", "money_nok")


@pytest.fixture
def hand_overs(setup, api):
    """Chairs of A handed over to B's school: one an hour ago, one two days ago; and an admin of B."""
    admin_b = make_user("admin@b.example", Role.MUNICIPAL_ADMIN, setup.b)
    api.secrets["admin_b"] = tokens.create_token(admin_b, "tests").secret
    chairs = make_item(setup.caretaker_a, "office_chair", quantity=Decimal(10), would_be_discarded=True,
                       now=utcnow() - timedelta(days=10))
    made = {}
    for name, ago in (("recent", timedelta(hours=1)), ("old", timedelta(days=2))):
        when = utcnow() - ago
        reservation = services.reserve(setup.member_b, chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                                       now=when - timedelta(hours=2))
        services.approve(setup.caretaker_a, reservation, now=when - timedelta(hours=1))
        made[name] = handover.collect(setup.member_b, reservation, now=when, price_paid_nok=Decimal(100))
    db.session.commit()
    return {name: (event.id, event.reservation_id) for name, event in made.items()}


def reverse(api, event_id, who, **body):
    return api.post(f"/reuse-events/{event_id}/reverse", who, json=body)


def test_the_owner_side_undoes_a_recent_hand_over(api, hand_overs):
    event_id, reservation_id = hand_overs["recent"]
    original = db.session.get(ReuseEvent, event_id)
    response = reverse(api, event_id, "caretaker_a", reason="Ikke hentet")
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["reverses"] == event_id and body["reservation_id"] == reservation_id
    assert body["occurred_on"] == original.occurred_on.isoformat()
    assert body["category"] == "office_chair" and body["unit"] == "piece" and body["quantity"] == "-2.000"
    assert body["side"] is None and body["giver"]["slug"] == "kommune-a"  # the ledger's shape, outside a scope
    assert body["price_paid_nok"] == "-100.00" and body["factor_set"] == original.factor_set_version
    for name in FIGURES:
        assert body[name].startswith("-") or body[name] in ("0.000", "0.00"), (name, body[name])
    assert {"id", "recorded_at", "item_id"} <= set(body)
    fresh()
    assert db.session.get(Reservation, reservation_id).status == ReservationStatus.APPROVED
    again = reverse(api, event_id, "admin_a", reason="Igjen")
    assert again.status_code == 409 and error_code(again) == "conflict"
    of_reversal = reverse(api, body["id"], "admin_a", reason="Tilbake")
    assert of_reversal.status_code == 409


def test_after_a_day_a_caretaker_is_refused_and_an_admin_of_the_receiver_corrects(api, hand_overs):
    event_id, reservation_id = hand_overs["old"]
    refused = reverse(api, event_id, "caretaker_a", reason="For sent")
    assert refused.status_code == 403 and error_code(refused) == "forbidden"
    for outsider in ("member_c", "partner_user", "network_admin"):
        hidden = reverse(api, event_id, outsider, reason="Nei")
        assert hidden.status_code == 404 and error_code(hidden) == "not_found"
    assert reverse(api, 2147483647, "admin_b", reason="Ingen").status_code == 404
    for body in ({}, {"reason": ""}, {"reason": "  "}):
        missing = reverse(api, event_id, "admin_b", **body)
        assert missing.status_code == 400 and "reason" in missing.get_json()["error"]["fields"]
    fresh()
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 2
    corrected = reverse(api, event_id, "admin_b", reason="Feil skole")
    assert corrected.status_code == 201 and corrected.get_json()["reverses"] == event_id
    fresh()
    assert db.session.get(Reservation, reservation_id).status == ReservationStatus.CORRECTED
    reservation = api.get(f"/reservations/{reservation_id}", "admin_b").get_json()
    assert reservation["status"] == "corrected"
