"""Reservations through the API: held at once, answered by the owner side, handed over into the ledger."""

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.api import services as tokens
from marketplace.db import db
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Item, ItemStatus
from marketplace.reservations.models import Reservation, ReservationStatus
from tests.api.conftest import Api, error_code, fields
from tests.conftest import fresh
from tests.factories import make_item, make_user


@pytest.fixture
def chairs(setup):
    setup.chairs = make_item(setup.caretaker_a, "office_chair", quantity=Decimal(10), now=setup.long_ago,
                             would_be_discarded=True)
    db.session.commit()
    return setup


def available(item_id):
    fresh()
    return db.session.get(Item, item_id).quantity_available


def reservation_status(reservation_id):
    fresh()
    return db.session.get(Reservation, reservation_id).status


def test_reserve_holds_at_once(api, chairs):
    response = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b",
                        json={"quantity": 4, "note": "Til møterommet", "would_buy_new": "yes",
                              "wished_pickup_at": "2026-12-01T09:00:00+01:00"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "requested" and body["quantity"] == "4" and body["would_buy_new"] == "yes"
    assert body["item"] == {"id": chairs.chairs.id, "title": chairs.chairs.title,
                            "municipality": {"slug": "kommune-a", "name": "A kommune"}}
    assert body["requester_organisation"]["slug"] == "kommune-b" and body["requester_unit_name"] == "B skole"
    assert body["wished_pickup_at"] == "2026-12-01T08:00:00Z"
    assert available(chairs.chairs.id) == 6


def test_not_enough_is_409_insufficient_quantity(api, chairs):
    assert api.post(f"/items/{chairs.chairs.id}/reservations", "member_a", json={"quantity": 8}).status_code == 201
    response = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 3})
    assert response.status_code == 409 and error_code(response) == "insufficient_quantity"
    assert response.get_json()["error"]["message"]
    too_many = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 11})
    assert too_many.status_code == 409 and error_code(too_many) == "insufficient_quantity"
    assert available(chairs.chairs.id) == 2


BAD_RESERVATIONS = [({"quantity": "1.5"}, "quantity"), ({"quantity": 0}, "quantity"), ({}, "quantity"),
                    ({"quantity": 1, "would_buy_new": "maybe"}, "would_buy_new"),
                    ({"quantity": 1, "wished_pickup_at": "2026-12-01T09:00:00"}, "wished_pickup_at"),
                    ({"quantity": 1, "wished_pickup_at": "0001-01-01T00:00:00-23:59"}, "wished_pickup_at"),
                    ({"quantity": 1, "note": "x" * 2001}, "note"), ({"quantity": 1, "status": "approved"}, "status")]


def test_bad_reservations_are_422_and_hold_nothing(api, chairs):
    for body, field in BAD_RESERVATIONS:
        response = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json=body)
        assert response.status_code == 422 and field in fields(response), (body, response.get_json())
    assert available(chairs.chairs.id) == 10
    fresh()
    assert db.session.scalar(select(func.count(Reservation.id))) == 0


def test_reserving_what_one_cannot_see_or_listed_oneself(api, chairs):
    assert api.post(f"/items/{chairs.chairs.id}/reservations", "member_c", json={"quantity": 1}).status_code == 404
    assert api.post("/items/424242/reservations", "member_b", json={"quantity": 1}).status_code == 404
    own = api.post(f"/items/{chairs.chairs.id}/reservations", "caretaker_a", json={"quantity": 1})
    assert own.status_code == 422 and "quantity" in fields(own)
    assert available(chairs.chairs.id) == 10


def test_lists_mine_and_incoming(api, chairs):
    first = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 1}).get_json()
    api.post(f"/items/{chairs.chairs.id}/reservations", "member_a", json={"quantity": 2})
    mine = api.get("/reservations", "member_b").get_json()
    assert [r["id"] for r in mine["reservations"]] == [first["id"]] and mine["total"] == 1
    incoming = api.get("/reservations?role=incoming", "caretaker_a").get_json()
    assert incoming["total"] == 2 and {r["quantity"] for r in incoming["reservations"]} == {"1", "2"}
    paged = api.get("/reservations?role=incoming&per_page=1&page=2", "caretaker_a").get_json()
    assert len(paged["reservations"]) == 1 and paged["total"] == 2
    assert api.get("/reservations?role=incoming", "member_a").get_json()["total"] == 0
    assert api.get("/reservations?role=incoming", "caretaker_b").get_json()["total"] == 0
    assert api.get("/reservations?role=incoming&status=approved", "caretaker_a").get_json()["total"] == 0
    bad = api.get("/reservations?role=theirs", "caretaker_a")
    assert bad.status_code == 400 and "role" in fields(bad)
    assert api.get(f"/reservations/{first['id']}", "caretaker_a").status_code == 200
    assert api.get(f"/reservations/{first['id']}", "caretaker_b").status_code == 200  # the requester's side
    assert api.get(f"/reservations/{first['id']}", "member_c").status_code == 404


def test_answers_need_the_right_side_and_other_tenants_get_404(api, chairs):
    reservation = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 2}).get_json()
    url = f"/reservations/{reservation['id']}"
    assert api.post(f"{url}/approve", "member_b").status_code == 403  # the requester cannot approve
    assert api.post(f"{url}/approve", "member_c").status_code == 404  # another tenant: not even seen
    assert api.post(f"{url}/reject", "member_c", json={"reason": "Nei"}).status_code == 404
    assert api.post(f"{url}/cancel", "caretaker_a").status_code == 403  # only the requester cancels
    assert api.post(f"{url}/collect", "member_c").status_code == 404
    assert reservation_status(reservation["id"]) == ReservationStatus.REQUESTED and available(chairs.chairs.id) == 8
    no_reason = api.post(f"{url}/reject", "caretaker_a", json={"reason": ""})
    assert no_reason.status_code == 422 and "reason" in fields(no_reason)
    assert api.post(f"{url}/reject", "caretaker_a").status_code == 422
    assert api.post(f"{url}/approve", "caretaker_a", json={"pickup_at": "tomorrow"}).status_code == 422
    assert api.post(f"{url}/approve", "caretaker_a", json={"extra": 1}).status_code == 422
    rejected = api.post(f"{url}/reject", "caretaker_a", json={"reason": "Allerede gitt bort"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["reason"] == "Allerede gitt bort" and available(chairs.chairs.id) == 10
    again = api.post(f"{url}/approve", "caretaker_a")
    assert again.status_code == 409 and error_code(again) == "conflict"


def test_cancel_releases_the_quantity(api, chairs):
    reservation = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 3}).get_json()
    cancelled = api.post(f"/reservations/{reservation['id']}/cancel", "member_b", json={"reason": "Fant andre"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert available(chairs.chairs.id) == 10


def test_collect_records_what_the_hand_over_cost(api, chairs):
    """10 chairs at 5,000 NOK new, D = 1: 2,000 NOK paid and 20 km in a diesel van come off the figures."""
    reservation = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b",
                           json={"quantity": 10, "would_buy_new": "yes"}).get_json()
    collected = api.post(f"/reservations/{reservation['id']}/collect", "caretaker_a", json={
        "price_paid_nok": "2000", "transport_km": 20, "transport_mode": "diesel_van"})
    assert collected.status_code == 200, collected.get_json()
    event = collected.get_json()["reuse_event"]
    assert event["co2e_kg"] == "694.880"  # 10 × 70 − 20 km × 0.256
    assert event["money_nok"] == "48000.00" and event["price_paid_nok"] == "2000.00"
    assert event["transport_kgco2e"] == "5.120" and event["refurbishment_nok"] is None
    assert Decimal(event["co2e_kg_low"]) <= Decimal(event["co2e_kg"]) <= Decimal(event["co2e_kg_high"])


@pytest.mark.parametrize("costs", [{"transport_km": 20}, {"transport_km": 20, "transport_mode": "diesel_van",
                                                           "transport_kgco2e": 3}, {"price_paid_nok": -1},
                                   {"transport_mode": "lorry"}, {"price_paid_nok": "1e3"}, {"cost": 1}])
def test_collect_refuses_costs_that_break_a_rule_and_changes_nothing(api, chairs, costs):
    reservation = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 2}).get_json()
    refused = api.post(f"/reservations/{reservation['id']}/collect", "caretaker_a", json=costs)
    assert refused.status_code == 422, refused.get_json()
    fresh()
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 0
    assert api.get(f"/reservations/{reservation['id']}", "member_b").get_json()["status"] != "collected"


def test_list_reserve_approve_collect_and_impact(api, chairs):
    """The walk-through of docs/api.md."""
    found = api.get("/items?q=stol", "member_b").get_json()["items"]
    assert [item["id"] for item in found] == [chairs.chairs.id]
    reservation = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b",
                           json={"quantity": 10, "would_buy_new": "yes"}).get_json()
    approved = api.post(f"/reservations/{reservation['id']}/approve", "caretaker_a",
                        json={"pickup_at": "2030-01-10T08:00:00Z"})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert approved.get_json()["pickup_at"] == "2030-01-10T08:00:00Z" and approved.get_json()["pickup_confirmed"]
    collected = api.post(f"/reservations/{reservation['id']}/collect", "member_b")
    assert collected.status_code == 200, collected.get_json()
    result = collected.get_json()
    assert result["reservation"]["status"] == "collected"
    event = result["reuse_event"]
    assert event["quantity"] == "10" and event["co2e_kg"] == event["co2e_kg_gross"] == "700.000"
    assert event["money_nok"].endswith(".00") and event["factor_set"] == "2026.3"  # in force today
    fresh()
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 1
    assert db.session.get(Item, chairs.chairs.id).status == ItemStatus.COMPLETED
    assert api.post(f"/reservations/{reservation['id']}/collect", "member_b").status_code == 409
    fresh()
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 1

    receiver = api.get("/impact", "member_b").get_json()
    assert receiver["scope"] == {"key": "municipality:kommune-b", "kind": "municipality", "name": "B kommune"}
    assert receiver["co2e_kg"] == "700.000" and receiver["co2e_kg_gross"] == "700.000"
    assert receiver["waste_kg"] == "0.000" and receiver["events"] == 1
    assert receiver["money_nok"] == event["money_nok"]
    assert receiver["by_category"][0]["slug"] == "office_chair"
    giver = api.get("/impact?scope=municipality:kommune-a", "admin_a").get_json()
    assert giver["co2e_kg"] == "0.000" and giver["waste_kg"] != "0.000" and giver["events"] == 1
    network = api.get("/impact?scope=network:vest", "network_admin").get_json()
    assert network["events"] == 1 and network["co2e_kg"] == "700.000"
    empty = api.get("/impact?from=2020-01-01&to=2020-12-31", "member_b").get_json()
    assert empty["co2e_kg"] == "0.000" and empty["events"] == 0 and empty["by_category"] == []
    assert empty["from"] == "2020-01-01" and empty["to"] == "2020-12-31"


def test_impact_scope_is_checked(api, chairs):
    assert api.get("/impact?scope=municipality:kommune-b", "member_a").status_code == 403
    assert api.get("/impact?scope=network:vest", "member_a").status_code == 403
    assert api.get("/impact?scope=municipality:nowhere", "member_a").status_code == 404
    assert api.get("/impact?scope=unit:2147483648", "member_a").status_code == 404
    assert api.get("/impact?scope=unit:99999999999999999999999", "member_a").status_code == 404
    assert api.get("/impact?scope=site", "member_a").status_code == 403
    assert api.get("/impact?scope=site", "site_admin").status_code == 200
    bad = api.get("/impact?scope=galaxy:far", "member_a")
    assert bad.status_code == 400 and "scope" in fields(bad)
    backwards = api.get("/impact?from=2026-05-01&to=2026-04-01", "member_a")
    assert backwards.status_code == 400 and "to" in fields(backwards)
    assert api.get("/impact?from=yesterday", "member_a").status_code == 400
    partner = api.get("/impact", "partner_user")  # a partner's own report: what it received
    assert partner.status_code == 200 and partner.get_json()["scope"]["key"] == "partner:hjelpen"
    assert api.get("/impact?scope=partner:hjelpen", "member_a").status_code == 403


def test_race_fifty_api_requests_for_seven(make_app, setup):
    """50 threads, each with its own client, token and real commits, reserve 1 of 7 at once: exactly 7 win."""
    item = make_item(setup.caretaker_a, "office_chair", quantity=Decimal(7), now=setup.long_ago)
    racers = [make_user(f"racer{n}@b.example", Role.MEMBER, setup.b, setup.school_b) for n in range(50)]
    secrets = [tokens.create_token(user, "race").secret for user in racers]
    db.session.commit()
    app = make_app()
    barrier = threading.Barrier(50)
    outcomes: list[tuple[int, str]] = []

    def attempt(secret):
        client = Api(app.test_client(), {})
        barrier.wait()
        response = client.post(f"/items/{item.id}/reservations", token=secret, json={"quantity": 1})
        outcomes.append((response.status_code, response.get_json()["error"]["code"]
                         if response.status_code != 201 else "won"))

    threads = [threading.Thread(target=attempt, args=(secret,)) for secret in secrets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(outcomes) == [(201, "won")] * 7 + [(409, "insufficient_quantity")] * 43
    fresh()
    assert db.session.get(Item, item.id).quantity_available == 0
    held = db.session.scalar(select(func.sum(Reservation.quantity)).where(Reservation.item_id == item.id))
    assert held == 7


def test_reservation_json_says_whether_it_is_picked(api, chairs):
    reservation = api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 2}).get_json()
    assert reservation["picked"] is False
    path = f"/reservations/{reservation['id']}"
    assert api.post(f"{path}/pick", "caretaker_a").status_code == 409  # not approved yet
    api.post(f"{path}/approve", "caretaker_a", json={})
    assert api.post(f"{path}/pick", "member_b").status_code == 403  # the requester does not mark it
    assert api.post(f"{path}/pick", "member_c").status_code == 404
    picked = api.post(f"{path}/pick", "caretaker_a")
    assert picked.status_code == 200 and picked.get_json()["picked"] is True
    assert api.get(path, "member_b").get_json()["picked"] is True
    assert api.post(f"{path}/unpick", "caretaker_a").get_json()["picked"] is False
    fresh()
    assert not db.session.get(Reservation, reservation["id"]).picked


def test_the_list_is_paged_newest_first_in_the_same_shape(api, chairs):
    """Counted and paged in SQL (not loaded whole and sliced), with the answer's shape and order unchanged."""
    made = [api.post(f"/items/{chairs.chairs.id}/reservations", "member_b", json={"quantity": 1}).get_json()["id"]
            for _ in range(5)]
    pages = [api.get(f"/reservations?role=incoming&per_page=2&page={page}", "caretaker_a").get_json()
             for page in (1, 2, 3, 4)]
    assert [set(page) for page in pages] == [{"reservations", "total", "page", "per_page"}] * 4
    assert [page["total"] for page in pages] == [5] * 4 and [page["page"] for page in pages] == [1, 2, 3, 4]
    newest = made[::-1]
    assert [[r["id"] for r in page["reservations"]] for page in pages] == [newest[:2], newest[2:4], newest[4:], []]
    mine = api.get("/reservations?per_page=4&page=2", "member_b").get_json()
    assert [r["id"] for r in mine["reservations"]] == [made[0]] and mine["total"] == 5
    assert api.get("/reservations?role=incoming&page=2", "caretaker_b").get_json() == {
        "reservations": [], "total": 0, "page": 2, "per_page": 20}  # another municipality's: none on any page
