"""Agreeing a pickup time (issue 18, item 6): only the other side accepts a proposal, the owner side accepts the
wished time in one step, and every change is told to everyone involved but the person who made it."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Notification
from marketplace.reservations import pickup, services
from marketplace.reservations.models import PickupSide, ReservationStatus, WouldBuyNew
from marketplace.reservations.services import ReservationError, TransitionError
from tests.factories import make_item

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SOON = T0 + timedelta(hours=1)
WISH = T0 + timedelta(days=3)
LATER = T0 + timedelta(days=4)


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10),
                              now=T0 - timedelta(days=10))
    db.session.commit()
    return region


def reserve(setup, wish=None):
    reservation = services.reserve(setup.member_b, setup.chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                                   wished_pickup_at=wish, now=SOON)
    db.session.query(Notification).delete()  # the request's own notices are not what these tests are about
    return reservation


def told(kind: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def actions(reservation) -> list[str]:
    return [event.action for event in services.history(reservation)]


def test_the_proposer_cannot_accept_its_own_proposal(setup):
    reservation = reserve(setup)
    pickup.propose_pickup(setup.caretaker_a, reservation, LATER, now=SOON)
    assert reservation.pickup_proposed_by == PickupSide.OWNER and not reservation.pickup_confirmed
    for own_side in (setup.caretaker_a, setup.admin_a):  # a colleague is the same side
        with pytest.raises(ReservationError, match="foreslo dette hentetidspunktet selv"):
            pickup.confirm_pickup(own_side, reservation, now=SOON)
    assert not reservation.pickup_confirmed and "pickup_confirmed" not in actions(reservation)


def test_the_other_side_accepts_and_the_proposer_is_told(setup):
    reservation = reserve(setup)
    pickup.propose_pickup(setup.member_b, reservation, LATER, now=SOON)
    assert told("pickup_proposed") == {setup.caretaker_a.id, setup.admin_a.id}  # not the proposer
    with pytest.raises(ReservationError):
        pickup.confirm_pickup(setup.member_b, reservation, now=SOON)
    pickup.confirm_pickup(setup.caretaker_a, reservation, now=SOON)
    assert reservation.pickup_confirmed and reservation.pickup_at == LATER
    # The requester who proposed, and the caretaker's colleague; not the caretaker who accepted.
    assert told("pickup_confirmed") == {setup.member_b.id, setup.admin_a.id}
    notice = db.session.scalar(select(Notification).where(Notification.user_id == setup.member_b.id,
                                                          Notification.kind == "pickup_confirmed"))
    assert notice.data["when"] == LATER.isoformat() and notice.link == f"/reservations/{reservation.id}"
    assert "er avtalt: " in notifications.describe(notice)
    assert actions(reservation)[-2:] == ["pickup_proposed", "pickup_confirmed"]
    with pytest.raises(ReservationError, match="allerede avtalt"):
        pickup.confirm_pickup(setup.member_b, reservation, now=SOON)


def test_the_owner_side_accepts_the_wished_time_in_one_step(setup):
    reservation = reserve(setup, wish=WISH)
    assert pickup.choices(setup.caretaker_a, reservation, SOON).accept_wish
    assert not pickup.choices(setup.member_b, reservation, SOON).accept_wish
    pickup.accept_wished_time(setup.caretaker_a, reservation, now=SOON)
    assert (reservation.pickup_at, reservation.pickup_confirmed) == (WISH, True)
    assert reservation.pickup_proposed_by == PickupSide.REQUESTER  # the requester's time, the owner's yes
    assert told("pickup_confirmed") == {setup.member_b.id, setup.admin_a.id}
    assert actions(reservation)[-1] == "pickup_wish_accepted"
    assert not pickup.choices(setup.caretaker_a, reservation, SOON).accept_wish  # agreed already
    with pytest.raises(ReservationError):
        pickup.accept_wished_time(setup.caretaker_a, reservation, now=SOON)


def test_only_the_owner_side_accepts_a_wish_and_only_a_real_one_in_time(setup):
    reservation = reserve(setup, wish=WISH)
    with pytest.raises(Forbidden):
        pickup.accept_wished_time(setup.member_b, reservation, now=SOON)
    with pytest.raises(ReservationError, match="passert"):
        pickup.accept_wished_time(setup.caretaker_a, reservation, now=WISH + timedelta(hours=2))
    without = reserve(setup)
    with pytest.raises(TransitionError):
        pickup.accept_wished_time(setup.caretaker_a, without, now=SOON)
    assert not reservation.pickup_confirmed and reservation.pickup_at is None and without.pickup_at is None
    assert told("pickup_confirmed") == set()


def test_a_new_proposal_replacing_an_agreed_time_is_told_as_such(setup):
    reservation = reserve(setup, wish=WISH)
    services.approve(setup.caretaker_a, reservation, now=SOON)
    pickup.accept_wished_time(setup.caretaker_a, reservation, now=SOON)
    pickup.propose_pickup(setup.member_b, reservation, LATER, now=SOON)
    assert (reservation.pickup_at, reservation.pickup_confirmed) == (LATER, False)
    assert reservation.pickup_proposed_by == PickupSide.REQUESTER
    assert told("pickup_changed") == {setup.caretaker_a.id, setup.admin_a.id}
    notice = db.session.scalar(select(Notification).where(Notification.kind == "pickup_changed"))
    assert "erstattet av et nytt forslag" in notifications.describe(notice)
    assert actions(reservation)[-1] == "pickup_changed"
    assert reservation.expires_at == LATER + timedelta(days=setup.a.pickup_grace_days)
    assert pickup.choices(setup.caretaker_a, reservation, SOON) == pickup.Choices(
        accept_proposal=True, accept_wish=False, waiting_for_other_side=False)  # the wish is outdated
    assert pickup.choices(setup.member_b, reservation, SOON).waiting_for_other_side


def test_a_time_proposed_before_sides_were_recorded_may_be_accepted_by_either(setup):
    reservation = reserve(setup)
    reservation.pickup_at, reservation.pickup_proposed_by = LATER, None
    db.session.flush()
    assert pickup.choices(setup.member_b, reservation, SOON).accept_proposal
    pickup.confirm_pickup(setup.member_b, reservation, now=SOON)
    assert reservation.pickup_confirmed


def test_approving_with_a_time_is_the_owner_sides_agreed_time(setup):
    reservation = reserve(setup)
    services.approve(setup.caretaker_a, reservation, pickup_at=LATER, now=SOON)
    assert reservation.pickup_confirmed and reservation.pickup_proposed_by == PickupSide.OWNER


def test_outsiders_and_closed_reservations_cannot_agree(setup):
    reservation = reserve(setup, wish=WISH)
    pickup.propose_pickup(setup.member_b, reservation, LATER, now=SOON)
    for outsider in (setup.member_c, setup.caretaker_b, setup.member_a):
        with pytest.raises(Forbidden):
            pickup.confirm_pickup(outsider, reservation, now=SOON)
    with pytest.raises(ReservationError, match="fram i tid"):
        pickup.propose_pickup(setup.caretaker_a, reservation, T0 - timedelta(days=1), now=SOON)
    services.cancel(setup.member_b, reservation, now=SOON)
    assert reservation.status == ReservationStatus.CANCELLED
    for act in (lambda: pickup.confirm_pickup(setup.caretaker_a, reservation, now=SOON),
                lambda: pickup.accept_wished_time(setup.caretaker_a, reservation, now=SOON),
                lambda: pickup.propose_pickup(setup.caretaker_a, reservation, LATER, now=SOON)):
        with pytest.raises(TransitionError):
            act()
    assert pickup.choices(setup.caretaker_a, reservation, SOON) == pickup.Choices(False, False, False)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pickup_confirmed")) is None
