"""The QR label's short URL, /i/<id>: each viewer lands where they should (the hand-over for its collector and
the owner side, the item page for others, 404 for those who may not see it), and confirming from there records
one hand-over however often it is tapped."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from marketplace.impact.models import ReuseEvent
from marketplace.reservations import handover, scan, services
from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew
from tests.conftest import TEST_PASSWORD, fresh, login
from tests.factories import make_item


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10),
                              now=utcnow() - timedelta(days=30))  # shared with the network: B sees it, C not
    db.session.commit()
    return region


def reserved(setup, user, approve=True) -> Reservation:
    reservation = services.reserve(user, setup.chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES)
    if approve:
        services.approve(setup.caretaker_a, reservation)
    db.session.commit()
    return reservation


def signed_in(web_app, email):
    client = web_app.test_client()
    login(client, email)
    return client


def events() -> int:
    fresh()
    return db.session.scalar(select(func.count(ReuseEvent.id)))


def test_each_viewer_lands_where_they_should(setup):
    item_id = setup.chairs.id
    assert scan.scan(setup.caretaker_a, item_id).landing == "item"  # nothing approved yet
    waiting = reserved(setup, setup.member_b, approve=False)
    assert scan.scan(setup.member_b, item_id).landing == "item"  # requested, not approved: nothing to collect
    services.approve(setup.caretaker_a, waiting)
    held = scan.scan(setup.member_b, item_id)
    assert (held.landing, held.reservation) == ("hand_over", waiting)
    assert scan.scan(setup.caretaker_a, item_id).reservation == waiting
    assert scan.scan(setup.admin_a, item_id).reservation == waiting

    second = reserved(setup, setup.member_a)
    several = scan.scan(setup.caretaker_a, item_id)
    assert several.landing == "choose" and set(several.reservations) == {waiting, second}
    assert scan.scan(setup.member_b, item_id).reservation == waiting  # the holder goes to their own
    assert scan.scan(setup.member_a, item_id).reservation == second

    for other in (setup.caretaker_b, setup.network_admin):  # may see the item, hold nothing, not the owner side
        assert scan.scan(other, item_id).landing == "item"
    with pytest.raises(NotVisible):
        scan.scan(setup.member_c, item_id)
    with pytest.raises(NotVisible):
        scan.scan(setup.member_c, 999999)


def test_the_short_url_through_http(web_app, setup):
    item_id = setup.chairs.id
    visitor = web_app.test_client()
    signed_out = visitor.get(f"/i/{item_id}")
    assert signed_out.status_code == 302 and signed_out.headers["Location"] == f"/login?next=/i/{item_id}"
    back = visitor.post(signed_out.headers["Location"], data={"email": "caretaker@a.example",
                                                              "password": TEST_PASSWORD})
    assert back.status_code == 302 and back.headers["Location"] == f"/i/{item_id}"

    assert signed_in(web_app, "caretaker@a.example").get(f"/i/{item_id}").headers["Location"] == f"/items/{item_id}"
    first = reserved(setup, setup.member_b)
    holder = signed_in(web_app, "member@b.example").get(f"/i/{item_id}")
    assert holder.status_code == 303 and holder.headers["Location"] == f"/reservations/{first.id}/hand-over"
    owner = signed_in(web_app, "caretaker@a.example")
    assert owner.get(f"/i/{item_id}").headers["Location"] == f"/reservations/{first.id}/hand-over"

    second = reserved(setup, setup.member_a)
    choice = owner.get(f"/i/{item_id}")
    html = choice.get_data(as_text=True)
    assert choice.status_code == 200 and "Hvilken henting er dette?" in html
    for reservation in (first, second):
        assert f'href="/reservations/{reservation.id}/hand-over"' in html

    other = signed_in(web_app, "caretaker@b.example").get(f"/i/{item_id}")
    assert other.status_code == 303 and other.headers["Location"] == f"/items/{item_id}"
    hidden = signed_in(web_app, "member@c.example")
    assert hidden.get(f"/i/{item_id}").status_code == hidden.get(f"/items/{item_id}").status_code == 404
    assert hidden.get("/i/999999").status_code == 404  # the same answer as for an item that does not exist


def test_confirming_from_the_label_records_one_hand_over(web_app, setup):
    reservation = reserved(setup, setup.member_b)
    holder = signed_in(web_app, "member@b.example")
    page = holder.get(f"/i/{setup.chairs.id}", follow_redirects=True)
    assert "Ja, registrer overleveringen" in page.get_data(as_text=True)
    confirmed = holder.post(f"/reservations/{reservation.id}/collect", data={"confirmed": "yes"})
    assert confirmed.status_code == 303 and events() == 1
    owner = signed_in(web_app, "caretaker@a.example")  # the second phone, at the same label
    again = owner.post(f"/reservations/{reservation.id}/collect", data={"confirmed": "yes"}, follow_redirects=True)
    assert again.status_code == 200 and "Denne overleveringen var allerede registrert" in again.get_data(as_text=True)
    twice = holder.post(f"/reservations/{reservation.id}/collect", data={"confirmed": "yes"})
    assert twice.status_code == 303 and twice.headers["Location"] == f"/reservations/{reservation.id}#recorded"
    late = owner.get(f"/reservations/{reservation.id}/hand-over")
    assert late.status_code == 303 and events() == 1
    assert owner.get(f"/i/{setup.chairs.id}").headers["Location"] == f"/items/{setup.chairs.id}"
    colleague = signed_in(web_app, "caretaker@b.example")  # follows the requesting side's reservations
    assert colleague.post(f"/reservations/{reservation.id}/collect", data={"confirmed": "yes"}).status_code == 403
    outsider = signed_in(web_app, "member@c.example")
    assert outsider.post(f"/reservations/{reservation.id}/collect", data={"confirmed": "yes"}).status_code == 404


def test_a_confirmation_that_loses_the_race_is_told_it_is_done(setup):
    """The other phone's confirmation commits between this one's loading the reservation and its UPDATE."""
    reservation = reserved(setup, setup.member_b)
    assert reservation.status == ReservationStatus.APPROVED
    db.session.execute(update(Reservation).where(Reservation.id == reservation.id)
                       .values(status=ReservationStatus.COLLECTED).execution_options(synchronize_session=False))
    assert reservation.status == ReservationStatus.APPROVED  # what this request loaded
    assert handover.collect_once(setup.member_b, reservation) is False
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 0
    with pytest.raises(Forbidden):
        handover.already_recorded(setup.caretaker_b, reservation)
