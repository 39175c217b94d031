"""The "picked" mark: set and taken back by the owner side on approved reservations only, audited once, told to
the requester, shown on both sides' pages, in the reservation JSON, and in the personal data export and erasure."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.accounts import privacy
from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden
from marketplace.notifications.models import Notification
from marketplace.reservations import handover, picking, services
from marketplace.reservations.models import Reservation, WouldBuyNew
from tests.conftest import fresh, login
from tests.factories import make_item


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10),
                              now=utcnow() - timedelta(days=30))
    region.reservation = services.reserve(region.member_b, region.chairs.id, Decimal(2),
                                          would_buy_new=WouldBuyNew.YES)
    db.session.commit()
    return region


def audit_actions(reservation) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(["reservation_picked", "reservation_unpicked"]),
        AuditEvent.details["reservation_id"].as_integer() == reservation.id).order_by(AuditEvent.id)))


def test_only_the_owner_side_marks_an_approved_reservation(setup):
    reservation = setup.reservation
    with pytest.raises(services.TransitionError):
        picking.mark_picked(setup.caretaker_a, reservation)  # not approved yet
    services.approve(setup.caretaker_a, reservation)
    for other in (setup.member_b, setup.caretaker_b, setup.member_a, setup.member_c):
        assert not picking.can_mark_picked(other, reservation)
        with pytest.raises(Forbidden):
            picking.mark_picked(other, reservation)
    assert picking.can_mark_picked(setup.caretaker_a, reservation)
    now = utcnow()
    picking.mark_picked(setup.caretaker_a, reservation, now=now)
    picking.mark_picked(setup.admin_a, reservation)  # a second tap, by a colleague: nothing more
    assert reservation.picked and reservation.picked_at == now and reservation.picked_by == setup.caretaker_a
    assert audit_actions(reservation) == ["reservation_picked"]
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "reservation_picked")).all()
    assert told == [setup.member_b.id]
    with pytest.raises(Forbidden):
        picking.unmark_picked(setup.member_b, reservation)
    picking.unmark_picked(setup.admin_a, reservation)
    picking.unmark_picked(setup.admin_a, reservation)
    assert not reservation.picked and reservation.picked_at is None and reservation.picked_by_id is None
    assert audit_actions(reservation) == ["reservation_picked", "reservation_unpicked"]

    picking.mark_picked(setup.caretaker_a, reservation)
    handover.collect(setup.member_b, reservation)
    assert reservation.picked  # kept as history
    with pytest.raises(services.TransitionError):
        picking.unmark_picked(setup.caretaker_a, reservation)


def test_the_mark_through_the_pages(web_app, setup):
    services.approve(setup.caretaker_a, setup.reservation)
    db.session.commit()
    reservation_id = setup.reservation.id
    owner = web_app.test_client()
    login(owner, "caretaker@a.example")
    page = owner.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Plukket og satt av til hentingen" in page and f"/reservations/{reservation_id}/picked" in page
    requester = web_app.test_client()
    login(requester, "member@b.example")
    assert f"/reservations/{reservation_id}/picked" not in requester.get(f"/reservations/{reservation_id}").get_data(
        as_text=True)
    assert requester.post(f"/reservations/{reservation_id}/picked").status_code == 403
    fresh()
    assert not db.session.get(Reservation, reservation_id).picked

    done = owner.post(f"/reservations/{reservation_id}/picked")
    assert done.status_code == 303 and done.headers["Location"] == f"/reservations/{reservation_id}#pickup"
    fresh()
    assert db.session.get(Reservation, reservation_id).picked
    mine = requester.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Klar til henting: tingene er plukket og satt av til deg." in mine
    assert "Klar til henting" in requester.get("/reservations?view=mine").get_data(as_text=True)
    incoming = owner.get("/reservations?view=incoming").get_data(as_text=True)
    assert 'badge--picked">Plukket<' in incoming
    owner_page = owner.get(f"/reservations/{reservation_id}").get_data(as_text=True)
    assert "Fjern merket «plukket»" in owner_page and "Plukket og satt av" in owner_page  # and in the history

    assert owner.post(f"/reservations/{reservation_id}/unpicked").status_code == 303
    fresh()
    assert not db.session.get(Reservation, reservation_id).picked
    stranger = web_app.test_client()
    login(stranger, "member@c.example")
    assert stranger.post(f"/reservations/{reservation_id}/picked").status_code == 404


def test_who_picked_is_exported_and_forgotten_on_erasure(setup):
    services.approve(setup.caretaker_a, setup.reservation)
    picking.mark_picked(setup.caretaker_a, setup.reservation)
    exported = privacy.export_personal_data(setup.caretaker_a, setup.caretaker_a)
    assert exported["picked_reservations"] == [{"reservation": setup.reservation.id, "item": setup.chairs.title,
                                                "at": privacy.when(setup.reservation.picked_at)}]
    privacy.erase_user(setup.admin_a, setup.caretaker_a)
    db.session.commit()
    fresh()
    reservation = db.session.get(Reservation, setup.reservation.id)
    assert reservation.picked and reservation.picked_by_id is None
