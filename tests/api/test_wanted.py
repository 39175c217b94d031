"""Wanted notices and needs through the JSON API: the same rules as the pages."""

from datetime import timedelta
from decimal import Decimal

from marketplace.db import db, utcnow
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from marketplace.wanted.models import Need, WantedNotice
from tests.api.conftest import *  # noqa: F401,F403  (the api fixture and the region with tokens)
from tests.conftest import fresh
from tests.factories import make_item

NOTICE = {"title": "24 elevstoler", "category": "stackable_chair", "quantity": 24, "needed_by": "2099-08-01"}


def test_post_list_get_and_withdraw_a_notice(api, setup):
    created = api.post("/wanted", "member_a", json=NOTICE)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["quantity"] == "24" and body["status"] == "open" and body["municipality"]["slug"] == "kommune-a"
    assert created.headers["Location"].endswith(f"/wanted/{body['id']}")
    assert [n["id"] for n in api.get("/wanted", "member_a").get_json()["notices"]] == [body["id"]]
    assert api.get("/wanted", "member_b").get_json()["total"] == 0  # not yet shared with the network
    assert api.get(f"/wanted/{body['id']}", "member_c").status_code == 404
    assert api.post(f"/wanted/{body['id']}/withdraw", "member_b").status_code == 404
    withdrawn = api.post(f"/wanted/{body['id']}/withdraw", "member_a")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert api.post(f"/wanted/{body['id']}/withdraw", "member_a").status_code == 409
    assert api.get("/wanted?view=ours", "member_a").get_json()["total"] == 1


def test_bad_notices_are_refused_and_change_nothing(api, setup):
    for bad in ({**NOTICE, "quantity": 0}, {**NOTICE, "category": "nope"}, {**NOTICE, "municipality_id": 3},
                {**NOTICE, "needed_by": "2001-01-01"}, {**NOTICE, "quantity": "1.5"}):
        assert api.post("/wanted", "member_a", json=bad).status_code == 422
    assert api.post("/wanted", "partner_user", json=NOTICE).status_code == 403
    assert api.post("/wanted", json=NOTICE).status_code == 401
    fresh()
    assert db.session.query(WantedNotice).count() == 0


def test_register_a_need_and_record_each_outcome(api, setup):
    chairs = make_item(setup.caretaker_a, "stackable_chair", quantity=Decimal(10), now=utcnow() - timedelta(days=1))
    db.session.commit()
    created = api.post("/needs", "member_a", json={**NOTICE, "quantity": 10})
    assert created.status_code == 201
    need = created.get_json()
    assert need["found_count"] == 1 and need["status"] == "open" and need["certificate_url"].endswith("/certificate")
    assert api.get(f"/needs/{need['id']}", "member_b").status_code == 404
    refused = api.post(f"/needs/{need['id']}/outcome", "member_a", json={})
    assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"]
    reservation = reservations.reserve(setup.member_a, chairs.id, Decimal(10), would_buy_new=WouldBuyNew.YES)
    db.session.commit()
    met = api.post(f"/needs/{need['id']}/outcome", "member_a", json={"reservation_ids": [reservation.id]})
    assert met.status_code == 200
    assert met.get_json()["outcome"] == "reused" and met.get_json()["reservation_ids"] == [reservation.id]
    assert api.get("/needs", "member_a").get_json()["total"] == 1


def test_buying_new_with_approval_and_ict_trade_in(api, setup):
    setup.a.need_approval_required = True
    db.session.commit()
    laptop = {"title": "Ny PC", "category": "laptop", "quantity": 1}
    assert api.post("/needs", "member_a", json=laptop).status_code == 422  # no device, no reason
    need = api.post("/needs", "caretaker_a", json={**laptop, "returned_asset_tag": "A-1"}).get_json()
    assert need["returned_item_id"] is not None
    other = api.post(f"/needs/{need['id']}/outcome", "caretaker_a", json={"reason": "other"})
    assert other.status_code == 422
    waiting = api.post(f"/needs/{need['id']}/outcome", "caretaker_a", json={"reason": "deadline"})
    assert waiting.get_json()["status"] == "awaiting_approval"
    assert api.post(f"/needs/{need['id']}/approve", "caretaker_a").status_code == 403
    approved = api.post(f"/needs/{need['id']}/approve", "admin_a")
    assert approved.status_code == 200 and approved.get_json()["status"] == "closed"
    fresh()
    device = db.session.get(Need, need["id"]).returned_item
    assert device.status.value == "draft" and device.needs_erasure
    assert api.get(f"/items/{device.id}", "member_b").status_code == 404
