"""Transport requests through the API: asked for by the requester's side, run by the giving municipality's
coordinators; delivery collects the reservation and answers with the reuse event."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.api import services as tokens
from marketplace.db import db, utcnow
from marketplace.i18n import oslo_date
from marketplace.impact.models import ReuseEvent
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from tests.api.conftest import error_code, fields
from tests.factories import make_item, make_user


@pytest.fixture
def booked(setup):
    setup.secrets["transport_a"] = tokens.create_token(setup.transport_a, "tests").secret
    transport_b = make_user("transport@b.example", Role.TRANSPORT_COORDINATOR, setup.b, setup.school_b)
    setup.secrets["transport_b"] = tokens.create_token(transport_b, "tests").secret
    chairs = make_item(setup.caretaker_a, "office_chair", quantity=Decimal(10), now=setup.long_ago)
    setup.reservation = reservations.reserve(setup.member_b, chairs.id, Decimal(3), would_buy_new=WouldBuyNew.YES)
    db.session.commit()
    setup.today = oslo_date(utcnow())
    return setup


def body(setup, **fields):
    values = {"reservation_id": setup.reservation.id, "to_unit_id": setup.school_b.id,
              "window_from": setup.today.isoformat(), "window_to": (setup.today + timedelta(days=2)).isoformat(),
              "volume_m3": "1.5", "floors": 3, "lift": True, "contact_name": "Kari", "contact_phone": "900 00 000",
              "notes": "Varemottaket"}
    values.update(fields)
    return values


def test_the_whole_way_through_the_api(api, booked):
    created = api.post("/transport-requests", "member_b", json=body(booked))
    assert created.status_code == 201, created.get_json()
    transport = created.get_json()
    assert transport["status"] == "requested" and transport["municipality"] == "kommune-a"
    assert transport["volume_m3"] == "1.5" and transport["lift"] is True
    assert transport["to_unit_id"] == booked.school_b.id
    path = f"/transport-requests/{transport['id']}"
    listed = api.get("/transport-requests", "transport_a").get_json()["transport_requests"]
    assert [row["id"] for row in listed] == [transport["id"]]
    assert api.get("/transport-requests", "member_b").get_json()["transport_requests"][0]["id"] == transport["id"]
    assert api.get("/transport-requests", "transport_b").get_json() == {"transport_requests": []}
    scheduled = api.post(f"{path}/schedule", "transport_a", json={
        "scheduled_date": booked.today.isoformat(), "driver_name": "Ola", "stop_order": 1})
    assert scheduled.status_code == 200 and scheduled.get_json()["status"] == "scheduled"
    assert api.post(f"{path}/pickup", "transport_a").get_json()["status"] == "picked_up"
    delivered = api.post(f"{path}/deliver", "transport_a", json={"transport_km": "8.2",
                                                                  "transport_mode": "diesel_van"})
    assert delivered.status_code == 200, delivered.get_json()
    answer = delivered.get_json()
    assert answer["transport_request"]["status"] == "delivered"
    assert answer["transport_request"]["reuse_event_id"] == answer["reuse_event"]["id"]
    assert answer["transport_request"]["transport_km"] == "8.2" and answer["reuse_event"]["transport_kgco2e"]
    again = api.post(f"{path}/deliver", "transport_a", json={})
    assert again.status_code == 409 and error_code(again) == "conflict"
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 1


def test_others_get_404_and_the_wrong_role_403(api, booked):
    transport = api.post("/transport-requests", "member_b", json=body(booked)).get_json()
    path = f"/transport-requests/{transport['id']}"
    for who in ("member_a", "member_c", "transport_b", "partner_user", "network_admin"):
        assert api.get(path, who).status_code == 404, who
        for action in ("schedule", "pickup", "deliver", "cancel"):
            assert api.post(f"{path}/{action}", who, json={}).status_code == 404, (who, action)
    for action, payload in (("schedule", {"scheduled_date": booked.today.isoformat()}), ("pickup", None),
                            ("deliver", {})):
        response = api.post(f"{path}/{action}", "member_b", json=payload)
        assert response.status_code == 403, action
    assert api.get(path, "caretaker_a").status_code == 200  # the owner side follows it, runs nothing
    assert api.post(f"{path}/pickup", "caretaker_a").status_code == 403
    # Somebody else's reservation does not exist for the caller.
    assert api.post("/transport-requests", "member_a", json=body(booked)).status_code == 404
    assert api.get(path).status_code == 401


def test_bad_input_is_a_clear_4xx_and_changes_nothing(api, booked):
    cases = [
        (body(booked, window_from="2020-01-01"), 422, "window_from"),
        (body(booked, window_to=booked.today.isoformat(), window_from=(booked.today + timedelta(days=1)).isoformat()),
         422, "window_to"),
        (body(booked, to_address="Storgata 1"), 422, "to_unit_id"),
        (body(booked, to_unit_id=booked.school_a.id), 422, "to_unit_id"),
        (body(booked, floors=-1), 422, "floors"),
        (body(booked, volume_m3="abc"), 422, "volume_m3"),
        (body(booked, surprise=1), 422, "surprise"),
        (body(booked, reservation_id="x"), 422, "reservation_id"),
    ]
    for payload, status, field in cases:
        response = api.post("/transport-requests", "member_b", json=payload)
        assert response.status_code == status, (payload, response.get_json())
        assert field in fields(response), (field, response.get_json())
    assert api.post("/transport-requests", "member_b", data="not json",
                    headers={"Content-Type": "application/json"}).status_code == 400
    assert api.get("/transport-requests", "transport_a").get_json() == {"transport_requests": []}
    transport = api.post("/transport-requests", "member_b", json=body(booked)).get_json()
    assert api.post("/transport-requests", "member_b", json=body(booked)).status_code == 409  # one open at a time
    path = f"/transport-requests/{transport['id']}"
    assert api.post(f"{path}/schedule", "transport_a", json={}).status_code == 422
    assert api.post(f"{path}/schedule", "transport_a", json={"scheduled_date": booked.today.isoformat(),
                                                             "stop_order": 0}).status_code == 422
    km_alone = api.post(f"{path}/deliver", "transport_a", json={"transport_km": "3"})
    assert km_alone.status_code == 422 and "transport_mode" in fields(km_alone)
    no_reason = api.post(f"{path}/cancel", "transport_a", json={})
    assert no_reason.status_code == 422 and "reason" in fields(no_reason)
    cancelled = api.post(f"{path}/cancel", "member_b", json={})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 0
