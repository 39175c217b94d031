"""Loans through the API: lend items, collect starting a loan, renew, approve the renewal, return."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.db import db
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Item, ItemOffer
from marketplace.reservations.models import Reservation
from tests.api.conftest import error_code, fields
from tests.conftest import fresh
from tests.factories import make_item


@pytest.fixture
def chairs(setup):
    setup.chairs = make_item(setup.caretaker_a, "stackable_chair", title="Stoler til eksamen", quantity=Decimal(30),
                             offer=ItemOffer.LEND, loan_days=7, now=setup.long_ago)
    db.session.commit()
    return setup


def on_loan(api, chairs, quantity=30):
    reservation = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": quantity})
    assert reservation.status_code == 201, reservation.get_json()
    reservation_id = reservation.get_json()["id"]
    assert api.post(f"/reservations/{reservation_id}/approve", "caretaker_a").status_code == 200
    collected = api.post(f"/reservations/{reservation_id}/collect", "member_b")
    assert collected.status_code == 200, collected.get_json()
    return reservation_id, collected.get_json()


def test_items_take_offer_and_loan_days(api, chairs):
    created = api.post("/items", "caretaker_a", json={"title": "Klassesett", "category": "stackable_chair",
                                                      "condition": "good", "quantity": 25, "offer": "lend",
                                                      "loan_days": 14})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["offer"], body["loan_days"]) == ("lend", 14)
    changed = api.patch(f"/items/{body['id']}", "caretaker_a", json={"loan_days": 21})
    assert changed.get_json()["loan_days"] == 21 and changed.get_json()["offer"] == "lend"
    given = api.get(f"/items/{chairs.chairs.id}", "member_a").get_json()
    assert (given["offer"], given["loan_days"]) == ("lend", 7)


@pytest.mark.parametrize("body, field", [
    ({"offer": "lend"}, "loan_days"), ({"offer": "lend", "loan_days": 0}, "loan_days"),
    ({"offer": "lend", "loan_days": 366}, "loan_days"), ({"offer": "borrow", "loan_days": 3}, "offer"),
    ({"offer": "lend", "loan_days": "14"}, "loan_days"),
])
def test_bad_offers_are_refused_with_a_message(api, chairs, body, field):
    response = api.post("/items", "caretaker_a", json={"title": "Stoler", "category": "stackable_chair",
                                                       "condition": "good", "quantity": 5, **body})
    assert response.status_code == 422 and error_code(response) == "validation_failed"
    assert field in fields(response) and fields(response)[field]
    assert db.session.scalar(select(func.count(Item.id))) == 1


def test_collect_starts_a_loan_with_no_reuse_event(api, chairs):
    reservation_id, body = on_loan(api, chairs)
    assert body["reuse_event"] is None
    assert body["reservation"]["status"] == "on_loan" and body["reservation"]["due_at"]
    assert body["reservation"]["returned_at"] is None
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 0
    costs = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 0.5})
    assert costs.status_code == 422  # whole chairs


def test_renew_then_approve_then_return_in_parts(api, chairs):
    reservation_id, body = on_loan(api, chairs)
    due = body["reservation"]["due_at"]
    assert api.post(f"/reservations/{reservation_id}/renew", "caretaker_a", json={"days": 3}).status_code == 403
    assert api.post(f"/reservations/{reservation_id}/renew", "member_c", json={"days": 3}).status_code == 404
    assert api.post(f"/reservations/{reservation_id}/renew", "member_b", json={"days": 0}).status_code == 422
    renewed = api.post(f"/reservations/{reservation_id}/renew", "member_b", json={"days": 3})
    assert renewed.status_code == 200 and renewed.get_json()["renewal_days"] == 3
    again = api.post(f"/reservations/{reservation_id}/renew", "member_b", json={"days": 3})
    assert again.status_code == 409
    assert api.post(f"/reservations/{reservation_id}/approve-renewal", "member_b").status_code == 403
    assert api.post(f"/reservations/{reservation_id}/approve-renewal", "caretaker_b").status_code == 403
    approved = api.post(f"/reservations/{reservation_id}/approve-renewal", "caretaker_a")
    assert approved.status_code == 200 and approved.get_json()["due_at"] > due
    assert api.post(f"/reservations/{reservation_id}/return", "member_b").status_code == 403
    too_many = api.post(f"/reservations/{reservation_id}/return", "caretaker_a", json={"quantity": 31})
    assert too_many.status_code == 422 and "quantity" in fields(too_many)
    partly = api.post(f"/reservations/{reservation_id}/return", "caretaker_a",
                      json={"quantity": 25, "lost": 1, "condition": "worn", "note": "Én knekt"})
    assert partly.status_code == 200, partly.get_json()
    assert partly.get_json()["reservation"]["status"] == "on_loan"
    assert partly.get_json()["loan_return"]["quantity_lost"] == "1"
    rest = api.post(f"/reservations/{reservation_id}/return", "caretaker_a")  # no body: the rest, as it left
    assert rest.status_code == 200 and rest.get_json()["reservation"]["status"] == "returned"
    assert rest.get_json()["reservation"]["returned_at"] and rest.get_json()["loan_return"]["quantity_back"] == "4"
    fresh()
    item = db.session.get(Item, chairs.chairs.id)
    assert (item.quantity, item.quantity_available) == (29, 29)
    assert api.post(f"/reservations/{reservation_id}/return", "caretaker_a").status_code == 409
    listed = api.get("/reservations?role=mine&status=returned", "member_b").get_json()["reservations"]
    assert [r["id"] for r in listed] == [reservation_id]


def test_decline_renewal_and_not_on_loan(api, chairs):
    reservation = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 2}).get_json()
    assert api.post(f"/reservations/{reservation['id']}/renew", "member_b", json={"days": 2}).status_code == 409
    assert api.post(f"/reservations/{reservation['id']}/return", "caretaker_a").status_code == 409
    reservation_id, _body = on_loan(api, chairs, quantity=3)
    api.post(f"/reservations/{reservation_id}/renew", "member_b", json={"days": 2})
    declined = api.post(f"/reservations/{reservation_id}/decline-renewal", "caretaker_a")
    assert declined.status_code == 200 and declined.get_json()["renewal_days"] is None
    assert db.session.get(Reservation, reservation_id) is not None


def test_the_impact_report_shows_loans_apart_with_no_credit(api, chairs):
    on_loan(api, chairs, quantity=10)
    report = api.get("/impact?scope=municipality:kommune-a", "admin_a").get_json()
    assert report["loans"]["lent_started"] == 1 and report["loans"]["co2e_kg"] == "0.0"
    assert report["events"] == 0
    borrowed = api.get("/impact?scope=municipality:kommune-b", "caretaker_b")
    if borrowed.status_code == 200:
        assert borrowed.get_json()["loans"]["borrowed_started"] == 1


def test_items_can_be_searched_by_offer(api, chairs):
    given = make_item(chairs.caretaker_a, "stackable_chair", title="Stoler å gi bort", quantity=Decimal(4),
                      now=chairs.long_ago)
    db.session.commit()
    for offer, expected in (("lend", {chairs.chairs.id}), ("give", {given.id}), (None, {chairs.chairs.id, given.id})):
        query = "/items?q=stoler" + (f"&offer={offer}" if offer else "")
        found = api.get(query, "member_a")
        assert found.status_code == 200 and {item["id"] for item in found.get_json()["items"]} == expected
    assert api.get("/items?offer=borrow", "member_a").status_code == 400
