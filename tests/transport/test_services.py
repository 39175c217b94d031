import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts import privacy
from marketplace.accounts.models import Role
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.i18n import oslo_date
from marketplace.impact.models import ReuseEvent
from marketplace.notifications.models import Notification
from marketplace.reservations import handover
from marketplace.reservations import services as reservations
from marketplace.listings.models import ItemOffer
from marketplace.reservations.models import ReservationStatus, WouldBuyNew
from marketplace.transport import services
from marketplace.transport.models import TransportRequest, TransportStatus
from tests.factories import find_user, make_item, make_user

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
DAY = date(2026, 9, 3)


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10), now=T0 - timedelta(days=60))
    region.transport_b = make_user("transport@b.example", Role.TRANSPORT_COORDINATOR, region.b, region.school_b)
    region.reservation = reservations.reserve(region.member_b, region.chairs.id, Decimal(4),
                                              would_buy_new=WouldBuyNew.YES, now=T0)
    db.session.commit()
    return region


def ask(setup, user=None, **fields):
    values = {"window_from": DAY, "window_to": DAY + timedelta(days=2), "to_unit_id": setup.school_b.id,
              "contact_name": "Kari Nordmann", "contact_phone": "+47 900 00 000", "floors": 2, "lift": False}
    values.update(fields)
    return services.request_transport(user or setup.member_b, setup.reservation, now=T0, **values)


def events(reservation_id):
    return db.session.scalar(select(func.count(ReuseEvent.id)).where(ReuseEvent.reservation_id == reservation_id))


def told(kind):
    return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def test_request_schedule_pick_up_deliver_writes_one_reuse_event_with_km_and_mode(setup):
    transport = ask(setup)
    assert transport.status == TransportStatus.REQUESTED and transport.municipality_id == setup.a.id
    assert transport.from_unit_id == setup.chairs.unit_id and "A depot" in transport.from_address
    assert told("transport_requested") == {setup.caretaker_a.id, setup.admin_a.id, setup.transport_a.id}
    services.schedule(setup.transport_a, transport, scheduled_date=DAY, driver_name="Ola", stop_order=2)
    assert transport.status == TransportStatus.SCHEDULED and transport.stop_order == 2
    assert told("transport_scheduled") == {setup.member_b.id, setup.caretaker_a.id, setup.admin_a.id}
    assert services.run_sheet(setup.transport_a, DAY) == [transport]
    services.pick_up(setup.transport_a, transport, now=T0 + timedelta(days=2))
    assert transport.status == TransportStatus.PICKED_UP
    delivery = services.deliver(setup.transport_a, transport, transport_km=Decimal("12.5"),
                                transport_mode="electric_van", now=T0 + timedelta(days=2, hours=2))
    assert transport.status == TransportStatus.DELIVERED and setup.reservation.status == ReservationStatus.COLLECTED
    assert delivery.event.transport_km == Decimal("12.500") and delivery.event.transport_mode == "electric_van"
    assert transport.reuse_event_id == delivery.event.id and transport.transport_km == Decimal("12.500")
    assert events(setup.reservation.id) == 1
    assert told("transport_delivered") == {setup.member_b.id, setup.caretaker_a.id, setup.admin_a.id}
    # Final: nothing more happens to it.
    for step in (lambda: services.deliver(setup.transport_a, transport),
                 lambda: services.pick_up(setup.transport_a, transport),
                 lambda: services.schedule(setup.transport_a, transport, scheduled_date=DAY),
                 lambda: services.cancel(setup.transport_a, transport, "Feil")):
        with pytest.raises(reservations.TransitionError):
            step()
    assert events(setup.reservation.id) == 1 and transport.status == TransportStatus.DELIVERED


def test_a_delivery_may_be_recorded_straight_from_requested(setup):
    transport = ask(setup)
    delivery = services.deliver(setup.transport_a, transport, now=T0 + timedelta(days=1))
    assert transport.status == TransportStatus.DELIVERED and transport.picked_up_at is not None
    assert delivery.event.transport_km is None and events(setup.reservation.id) == 1


def test_bad_distance_and_vehicle_change_nothing(setup):
    transport = ask(setup)
    with pytest.raises(reservations.ReservationError) as error:
        services.deliver(setup.transport_a, transport, transport_km=Decimal(5))
    assert "transport_mode" in error.value.errors
    assert transport.status == TransportStatus.REQUESTED and events(setup.reservation.id) == 0


def test_cancel_by_either_side(setup):
    transport = ask(setup)
    with pytest.raises(services.TransportError):
        services.cancel(setup.transport_a, transport, "")  # a coordinator says why
    services.cancel(setup.transport_a, transport, "Bilen er på verksted")
    assert transport.status == TransportStatus.CANCELLED and transport.cancel_reason == "Bilen er på verksted"
    assert told("transport_cancelled") == {setup.member_b.id, setup.caretaker_a.id, setup.admin_a.id}
    again = ask(setup)  # a new one may be asked for once the old is closed
    services.pick_up(setup.transport_a, again)
    with pytest.raises(reservations.TransitionError):
        services.cancel(setup.member_b, again)  # on the van: the requester can no longer withdraw it
    assert setup.reservation.status == ReservationStatus.REQUESTED


def test_one_open_request_per_reservation(setup):
    ask(setup)
    with pytest.raises(reservations.TransitionError):
        ask(setup)


def test_the_index_keeps_one_open_request_even_past_the_check(setup, monkeypatch):
    """Two orders at once both pass the check before either is written: the partial unique index refuses the
    second, which is a 409 and leaves the first as it was."""
    first = ask(setup)
    monkeypatch.setattr(services, "open_request", lambda _reservation: None)
    with pytest.raises(reservations.TransitionError):
        ask(setup)
    assert db.session.scalar(select(func.count(TransportRequest.id))) == 1 and first.status == TransportStatus.REQUESTED


def test_input_rules(setup):
    cases = [({"window_from": date(2026, 8, 1)}, "window_from"),
             ({"window_to": DAY - timedelta(days=1)}, "window_to"),
             ({"to_unit_id": None}, "to_unit_id"),
             ({"to_address": "Storgata 1"}, "to_unit_id"),  # both
             ({"to_unit_id": setup.school_a.id}, "to_unit_id"),  # not the requester's unit
             ({"volume_m3": Decimal(0)}, "volume_m3"), ({"floors": -1}, "floors"),
             ({"contact_phone": "9" * 41}, "contact_phone")]
    for fields, field in cases:
        with pytest.raises(services.TransportError) as error:
            ask(setup, **fields)
        assert field in error.value.errors, fields
    assert db.session.scalar(select(func.count(TransportRequest.id))) == 0
    with pytest.raises(services.TransportError) as error:
        services.schedule(setup.transport_a, ask(setup), scheduled_date=None, driver_id=setup.member_b.id)
    assert set(error.value.errors) == {"scheduled_date", "driver_id"}


def test_who_may_do_what(setup):
    transport = ask(setup)
    for outsider in (setup.member_a, setup.caretaker_a, setup.transport_b, setup.member_c, setup.network_admin):
        if outsider is not setup.caretaker_a:  # the owner side follows it (below)
            with pytest.raises(NotVisible):
                services.find_request(outsider, transport.id)
        for step in (lambda user: services.schedule(user, transport, scheduled_date=DAY),
                     lambda user: services.pick_up(user, transport), lambda user: services.deliver(user, transport)):
            with pytest.raises(Forbidden):
                step(outsider)
    # The requester side sees it (the caretaker of B too) but may not run it; the owner's caretaker is no
    # coordinator: follows it, runs nothing.
    assert services.find_request(setup.caretaker_b, transport.id) is transport
    assert services.find_request(setup.caretaker_a, transport.id) is transport
    with pytest.raises(Forbidden):
        services.cancel(setup.caretaker_a, transport, "Nei")
    with pytest.raises(Forbidden):
        services.pick_up(setup.member_b, transport)
    with pytest.raises(Forbidden):
        ask(setup, user=setup.member_a)
    with pytest.raises(Forbidden):
        services.run_sheet(setup.member_b, DAY)
    assert services.queue(setup.transport_a).rows == [transport] and services.queue(setup.transport_b).rows == []
    assert services.queue(setup.admin_a).rows == [transport] and services.queue(setup.caretaker_a).rows == []
    assert services.visible_requests(setup.member_b) == [transport]
    assert services.visible_requests(setup.member_a) == []
    # The narrow way past collect's sides is for coordinators of the giving municipality only.
    with pytest.raises(Forbidden):
        handover.collect_for_transport(setup.member_b, setup.reservation)
    with pytest.raises(Forbidden):
        handover.collect_for_transport(setup.transport_b, setup.reservation)


def test_collected_by_hand_closes_the_open_request(setup):
    transport = ask(setup)
    reservations.approve(setup.caretaker_a, setup.reservation, now=T0)
    handover.collect(setup.member_b, setup.reservation, now=T0 + timedelta(days=1))
    assert transport.status == TransportStatus.CANCELLED and "uten transport" in transport.cancel_reason


def test_collected_by_hand_while_on_the_van_is_the_delivery(setup):
    transport = ask(setup)
    reservations.approve(setup.caretaker_a, setup.reservation, now=T0)
    services.pick_up(setup.transport_a, transport)
    event = handover.collect(setup.member_b, setup.reservation, now=T0 + timedelta(days=1))
    assert transport.status == TransportStatus.DELIVERED and transport.reuse_event_id == event.id
    assert events(setup.reservation.id) == 1


def test_a_closed_reservation_cancels_its_transport(setup):
    transport = ask(setup)
    reservations.cancel(setup.member_b, setup.reservation)
    assert transport.status == TransportStatus.CANCELLED


def test_transport_contacts_are_exported_and_erased(setup):
    transport = ask(setup, notes="Ring på")
    exported = privacy.export_personal_data(setup.member_b, setup.member_b)["transport_requests"]
    assert exported[0]["contact_name"] == "Kari Nordmann" and exported[0]["contact_phone"] == "+47 900 00 000"
    privacy.erase_user(None, setup.member_b)  # the operator
    db.session.refresh(transport)
    assert (transport.contact_name, transport.contact_phone, transport.notes) == ("", "", "")


@pytest.mark.parametrize("by_hand", ["requester", "caretaker"])
def test_collect_and_deliver_at_once_leave_one_outcome(make_app, setup, by_hand):
    """A hand-over by hand and a delivery of the same reservation at once: one wins, the other is refused and
    writes nothing; exactly one reuse event."""
    reservations.approve(setup.caretaker_a, setup.reservation, now=T0)
    transport = ask(setup)
    db.session.commit()
    app = make_app()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(action):
        with app.test_request_context(method="POST"):
            barrier.wait()
            try:
                if action == "deliver":
                    coordinator = find_user("transport@a.example")
                    services.deliver(coordinator, services.find_request(coordinator, transport.id),
                                     transport_km=Decimal(3), transport_mode="diesel_van")
                else:
                    user = find_user("member@b.example" if by_hand == "requester" else "caretaker@a.example")
                    handover.collect(user, reservations.find_reservation(user, setup.reservation.id))
                db.session.commit()
                results.append(action)
            except reservations.TransitionError:
                db.session.rollback()
                results.append("refused")

    threads = [threading.Thread(target=act, args=(action,)) for action in ("deliver", "collect")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) in (["deliver", "refused"], ["collect", "refused"]), results
    db.session.expire_all()
    assert events(setup.reservation.id) == 1
    closed = db.session.get(TransportRequest, transport.id)
    assert closed.status == (TransportStatus.DELIVERED if "deliver" in results else TransportStatus.CANCELLED)
    assert (closed.reuse_event_id is not None) == ("deliver" in results)


def test_delivering_a_lent_item_starts_the_loan_and_writes_no_reuse_event(region, catalogue):
    chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(30), offer=ItemOffer.LEND, loan_days=7,
                       now=T0 - timedelta(days=60))
    reservation = reservations.reserve(region.member_b, chairs.id, Decimal(30), would_buy_new=WouldBuyNew.NO, now=T0)
    reservations.approve(region.caretaker_a, reservation, now=T0)
    transport = services.request_transport(region.member_b, reservation, now=T0, window_from=DAY, window_to=DAY,
                                           to_unit_id=region.school_b.id)
    delivered_at = T0 + timedelta(days=2)
    delivery = services.deliver(region.transport_a, transport, transport_km=Decimal("8"), transport_mode="diesel_van",
                                now=delivered_at)
    assert delivery.event is None and transport.reuse_event_id is None
    assert transport.status == TransportStatus.DELIVERED and transport.transport_km == Decimal("8")
    assert reservation.status == ReservationStatus.ON_LOAN and reservation.due_at == delivered_at + timedelta(days=7)
    assert events(reservation.id) == 0


def test_a_lent_item_handed_over_while_on_the_van_is_the_delivery(region, catalogue):
    chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(30), offer=ItemOffer.LEND, loan_days=7,
                       now=T0 - timedelta(days=60))
    reservation = reservations.reserve(region.member_b, chairs.id, Decimal(30), would_buy_new=WouldBuyNew.NO, now=T0)
    reservations.approve(region.caretaker_a, reservation, now=T0)
    transport = services.request_transport(region.member_b, reservation, now=T0, window_from=DAY, window_to=DAY,
                                           to_unit_id=region.school_b.id)
    services.pick_up(region.transport_a, transport, now=T0 + timedelta(days=1))
    assert handover.collect(region.member_b, reservation, now=T0 + timedelta(days=2)) is None
    assert reservation.status == ReservationStatus.ON_LOAN
    assert transport.status == TransportStatus.DELIVERED and transport.reuse_event_id is None


def test_an_approved_reservation_waits_for_its_transport(setup):
    reservations.approve(setup.caretaker_a, setup.reservation, now=T0)
    deadline = setup.reservation.expires_at
    late_day = oslo_date(deadline) + timedelta(days=10)
    transport = ask(setup, window_from=late_day, window_to=late_day)
    assert setup.reservation.expires_at > deadline
    assert oslo_date(setup.reservation.expires_at) > late_day
    expired = reservations.expire_reservations(now=deadline + timedelta(days=1))
    assert setup.reservation not in expired and setup.reservation.status == ReservationStatus.APPROVED
    services.pick_up(setup.transport_a, transport, now=T0 + timedelta(days=20))
    assert setup.reservation.expires_at is None
    assert reservations.expire_reservations(now=T0 + timedelta(days=60)) == []
    assert transport.status == TransportStatus.PICKED_UP
