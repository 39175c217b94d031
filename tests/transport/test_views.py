"""Transport through the pages: "Bestill transport" on the reservation page, the coordinator's queue, the
request's page with its steps, and the day's run sheet; and who gets what (login, 403, 404)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.db import db, utcnow
from marketplace.i18n import oslo_date
from marketplace.impact.models import ReuseEvent
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from marketplace.transport import services
from marketplace.transport.models import TransportRequest, TransportStatus
from tests.conftest import fresh, login
from tests.factories import make_item, make_user


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10),
                              now=utcnow() - timedelta(days=30))
    make_user("transport@b.example", Role.TRANSPORT_COORDINATOR, region.b, region.school_b)
    region.reservation = reservations.reserve(region.member_b, region.chairs.id, Decimal(3),
                                              would_buy_new=WouldBuyNew.YES)
    db.session.commit()
    region.today = oslo_date(utcnow())
    return region


def signed_in(web_app, email):
    client = web_app.test_client()
    login(client, email)
    return client


def order(client, setup, **fields):
    data = {"to_unit_id": str(setup.school_b.id), "window_from": setup.today.isoformat(),
            "window_to": (setup.today + timedelta(days=1)).isoformat(), "floors": "1", "lift": "no",
            "contact_name": "Kari", "contact_phone": "900 00 000"}
    data.update(fields)
    return client.post(f"/reservations/{setup.reservation.id}/transport", data=data)


def test_order_plan_and_deliver_through_the_pages(web_app, setup):
    requester = signed_in(web_app, "member@b.example")
    page = requester.get(f"/reservations/{setup.reservation.id}").get_data(as_text=True)
    assert f'href="/reservations/{setup.reservation.id}/transport"' in page and "Bestill transport" in page
    assert requester.get(f"/reservations/{setup.reservation.id}/transport").status_code == 200
    response = order(requester, setup)
    assert response.status_code == 303, response.get_data(as_text=True)
    fresh()
    transport = db.session.scalar(select(TransportRequest))
    assert response.headers["Location"] == f"/transport/{transport.id}"
    assert "Transport er bestilt" in requester.get(f"/reservations/{setup.reservation.id}").get_data(as_text=True)

    coordinator = signed_in(web_app, "transport@a.example")
    home = coordinator.get("/").get_data(as_text=True)
    assert 'href="/transport"' in home
    assert f"/transport/{transport.id}" in coordinator.get("/transport").get_data(as_text=True)
    assert coordinator.post(f"/transport/{transport.id}/schedule", data={
        "scheduled_date": setup.today.isoformat(), "driver_name": "Ola", "stop_order": "1"}).status_code == 303
    sheet = coordinator.get(f"/transport/run-sheet?date={setup.today.isoformat()}").get_data(as_text=True)
    assert setup.chairs.title in sheet and f"/i/{setup.chairs.id}" in sheet and "Kari" in sheet
    assert coordinator.post(f"/transport/{transport.id}/pickup").status_code == 303
    assert coordinator.post(f"/transport/{transport.id}/deliver", data={
        "transport_km": "4,5", "transport_mode": "electric_van"}).status_code == 303
    fresh()
    transport = db.session.get(TransportRequest, transport.id)
    assert transport.status == TransportStatus.DELIVERED and transport.transport_km == Decimal("4.500")
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 1
    assert "Levert" in coordinator.get(f"/transport/{transport.id}").get_data(as_text=True)


def test_bad_input_shows_the_form_again_and_changes_nothing(web_app, setup):
    requester = signed_in(web_app, "member@b.example")
    response = order(requester, setup, window_from="2020-01-01", to_unit_id="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Første dag kan ikke være tilbake i tid" in page or "window_from" in page
    fresh()
    assert db.session.scalar(select(func.count(TransportRequest.id))) == 0
    order(requester, setup)
    fresh()
    transport = db.session.scalar(select(TransportRequest))
    coordinator = signed_in(web_app, "transport@a.example")
    refused = coordinator.post(f"/transport/{transport.id}/cancel", data={"reason": ""})
    assert refused.status_code == 400
    assert coordinator.post(f"/transport/{transport.id}/deliver", data={"transport_km": "3"}).status_code == 400
    fresh()
    assert db.session.get(TransportRequest, transport.id).status == TransportStatus.REQUESTED


def test_who_gets_what(web_app, setup):
    requester = signed_in(web_app, "member@b.example")
    order(requester, setup)
    fresh()
    transport = db.session.scalar(select(TransportRequest))
    anonymous = web_app.test_client()
    for path in ("/transport", "/transport/run-sheet", f"/transport/{transport.id}",
                 f"/reservations/{setup.reservation.id}/transport"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path
    # The wrong role: 403 for the queue and the run sheet.
    for email in ("member@b.example", "caretaker@a.example", "member@a.example", "store@a.example"):
        client = signed_in(web_app, email)
        assert client.get("/transport").status_code == 403, email
        assert client.get("/transport/run-sheet").status_code == 403, email
        assert 'href="/transport"' not in client.get("/").get_data(as_text=True)
    # Another municipality's coordinator, and members of the giving side who are no coordinators: 404.
    for email in ("transport@b.example", "member@a.example", "member@c.example"):
        client = signed_in(web_app, email)
        assert client.get(f"/transport/{transport.id}").status_code == 404, email
        for action in ("schedule", "pickup", "deliver", "cancel"):
            assert client.post(f"/transport/{transport.id}/{action}").status_code == 404, (email, action)
    # The requester's side may not run it; the owner side's caretaker follows it but runs nothing.
    assert requester.post(f"/transport/{transport.id}/pickup").status_code == 403
    owner = signed_in(web_app, "caretaker@a.example")
    assert owner.get(f"/transport/{transport.id}").status_code == 200
    for action in ("schedule", "pickup", "deliver", "cancel"):
        assert owner.post(f"/transport/{transport.id}/{action}").status_code == 403, action
    assert signed_in(web_app, "transport@b.example").get("/transport").get_data(as_text=True).count(
        "/transport/") <= 1  # its own queue is empty (only the run-sheet link)
    # Somebody outside the reservation cannot order transport for it.
    assert signed_in(web_app, "member@a.example").get(
        f"/reservations/{setup.reservation.id}/transport").status_code == 404


def test_the_queue_comes_a_page_at_a_time_with_its_filter_kept(web_app, setup, monkeypatch):
    """A municipality's queue keeps every transport it has run behind the open ones: a page at a time."""
    monkeypatch.setattr(services, "QUEUE_PAGE_SIZE", 2)
    ordered = []
    for number in range(3):
        reservation = setup.reservation if number == 0 else reservations.reserve(
            setup.member_b, setup.chairs.id, Decimal(1), would_buy_new=WouldBuyNew.YES)
        ordered.append(services.request_transport(setup.member_b, reservation, window_from=setup.today,
                                                  window_to=setup.today, to_unit_id=setup.school_b.id).id)
    db.session.commit()
    coordinator = signed_in(web_app, "transport@a.example")
    pages = [coordinator.get(f"/transport?status=requested&page={number}").get_data(as_text=True)
             for number in (1, 2, 3)]
    shown = [[request_id for request_id in ordered if f'href="/transport/{request_id}"' in page] for page in pages]
    assert [len(ids) for ids in shown[:2]] == [2, 1] and sorted(shown[0] + shown[1]) == ordered
    assert 'href="/transport?page=2&amp;status=requested"' in pages[0]
    assert 'id="beyond-last"' in pages[2] and not shown[2]
    assert not [request_id for request_id in ordered
                if f'href="/transport/{request_id}"' in coordinator.get("/transport?status=delivered").get_data(
                    as_text=True)]
