"""Reversing a hand-over (reservations.handover.reverse_hand_over): an undo within 24 hours by whoever confirmed
it or the owner side, a correction by an administrator of either side after that; once, and never a correction
itself. The reversal restates the period of the hand-over it reverses."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.impact import ledger, report
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import ItemStatus
from marketplace.notifications.models import Notification
from marketplace.reservations import handover, services
from marketplace.reservations.models import ReservationStatus, WouldBuyNew
from tests.factories import make_item, make_user

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
HANDED = T0 + timedelta(days=1)


@pytest.fixture
def setup(region, catalogue):
    region.admin_b = make_user("admin@b.example", Role.MUNICIPAL_ADMIN, region.b)
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10), would_be_discarded=True,
                              now=T0 - timedelta(days=10))
    db.session.commit()
    return region


def handed_over(setup, confirmer=None, quantity=10, when=HANDED, item=None):
    """B's school receives chairs from A; ``confirmer`` (default: the requester) confirms the hand-over."""
    reservation = services.reserve(setup.member_b, (item or setup.chairs).id, Decimal(quantity),
                                   would_buy_new=WouldBuyNew.YES, now=when - timedelta(hours=2))
    services.approve(setup.caretaker_a, reservation, now=when - timedelta(hours=1))
    event = handover.collect(confirmer or setup.member_b, reservation, now=when)
    return reservation, event


def test_whoever_confirmed_undoes_within_24_hours_and_the_hand_over_can_be_confirmed_again(setup):
    reservation, event = handed_over(setup)
    assert setup.chairs.status == ItemStatus.COMPLETED
    undone_at = HANDED + timedelta(hours=23)
    assert handover.reversal_kind(setup.member_b, event, undone_at) == "undo"
    reversal = handover.reverse_hand_over(setup.member_b, event, "Feil dag", now=undone_at)
    assert reversal.reverses_event_id == event.id and reversal.quantity == -10
    assert reversal.co2e_net_kg == -event.co2e_net_kg and reversal.note == "Feil dag"
    assert (reversal.occurred_at, reversal.occurred_on, reversal.recorded_at) == (
        event.occurred_at, event.occurred_on, undone_at)
    assert reservation.status == ReservationStatus.APPROVED and reservation.closed_at is None
    grace = setup.a.pickup_grace_days
    assert reservation.expires_at == undone_at + timedelta(days=services.PICKUP_WINDOW_DAYS + grace)
    assert setup.chairs.status == ItemStatus.PUBLISHED and setup.chairs.quantity_available == 0
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "hand_over_undone")))
    assert told == {setup.caretaker_a.id, setup.admin_a.id}
    logged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reuse_reversed"))
    assert logged.actor_id == setup.member_b.id
    assert logged.details == {"reuse_event_id": event.id, "reversal_id": reversal.id,
                              "reservation_id": reservation.id, "kind": "undo"}

    again = handover.collect(setup.caretaker_a, reservation, now=HANDED + timedelta(days=2))
    assert again.id not in (event.id, reversal.id) and reservation.status == ReservationStatus.COLLECTED
    assert setup.chairs.status == ItemStatus.COMPLETED
    assert db.session.scalar(select(func.sum(ReuseEvent.quantity))) == 10
    assert handover.reversal_kind(setup.caretaker_a, again, HANDED + timedelta(days=2, hours=1)) == "undo"


def test_the_owner_side_undoes_a_hand_over_the_receiver_confirmed(setup):
    reservation, event = handed_over(setup, quantity=4)
    handover.reverse_hand_over(setup.caretaker_a, event, "Ikke hentet", now=HANDED + timedelta(hours=1))
    assert reservation.status == ReservationStatus.APPROVED
    assert setup.chairs.quantity_available == 6  # the reservation holds its 4 again, as approved
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "hand_over_undone")))
    assert told == {setup.member_b.id}


@pytest.mark.parametrize("admin", ["admin_a", "admin_b"])
def test_after_24_hours_only_an_admin_of_either_side_corrects(setup, admin):
    reservation, event = handed_over(setup, confirmer=None)
    later = HANDED + timedelta(hours=25)
    for refused in (setup.caretaker_a, setup.member_b):
        assert handover.reversal_kind(refused, event, later) is None
        with pytest.raises(Forbidden):
            handover.reverse_hand_over(refused, event, "For sent", now=later)
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 1
    assert handover.reversal_kind(getattr(setup, admin), event, later) == "correction"
    reversal = handover.reverse_hand_over(getattr(setup, admin), event, "Feil skole", now=later)
    assert reservation.status == ReservationStatus.CORRECTED and reservation.closed_at == HANDED
    assert setup.chairs.status == ItemStatus.COMPLETED and setup.chairs.quantity_available == 0
    assert reversal.occurred_on == event.occurred_on and reversal.recorded_at == later
    logged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reuse_reversed"))
    assert logged.details["kind"] == "correction"
    other_side = {"admin_a": {setup.member_b.id}, "admin_b": {setup.caretaker_a.id, setup.admin_a.id}}[admin]
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "hand_over_corrected")))
    assert told == other_side


def test_outsiders_do_not_see_the_event_and_the_others_may_not_reverse_it(setup):
    _reservation, event = handed_over(setup)
    for outsider in (setup.member_c, setup.partner_user, setup.network_admin):
        with pytest.raises(NotVisible):
            handover.find_reuse_event(outsider, event.id)
    for bystander in (setup.member_a, setup.caretaker_b):  # of the giving and the receiving side
        assert handover.find_reuse_event(bystander, event.id) == event
        with pytest.raises(Forbidden):
            handover.reverse_hand_over(bystander, event, "Nei", now=HANDED + timedelta(hours=1))
    assert handover.reversal_kind(setup.site_admin, event, HANDED + timedelta(hours=1)) == "undo"
    assert handover.reversal_kind(setup.site_admin, event, HANDED + timedelta(days=3)) == "correction"


def test_an_event_is_reversed_once_and_a_reversal_never(setup):
    reservation, event = handed_over(setup)
    with pytest.raises(services.ReservationError) as refused:
        handover.reverse_hand_over(setup.admin_a, event, "  ", now=HANDED + timedelta(days=2))
    assert "reason" in refused.value.errors and reservation.status == ReservationStatus.COLLECTED
    reversal = handover.reverse_hand_over(setup.admin_a, event, "Feil", now=HANDED + timedelta(days=2))
    for target in (event, reversal):
        assert handover.reversal_kind(setup.admin_a, target, HANDED + timedelta(days=2)) is None
        with pytest.raises(ledger.CorrectionRefused):
            handover.reverse_hand_over(setup.admin_a, target, "Igjen", now=HANDED + timedelta(days=2))
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 2


def test_an_undone_event_is_not_reversed_again(setup):
    _reservation, event = handed_over(setup)
    handover.reverse_hand_over(setup.member_b, event, "Feil", now=HANDED + timedelta(hours=2))
    with pytest.raises(ledger.CorrectionRefused):
        handover.reverse_hand_over(setup.admin_a, event, "Igjen", now=HANDED + timedelta(hours=3))


def test_the_confirmer_erased_is_no_longer_the_confirmer(setup):
    """Who confirmed is read from the audit record, whose actor personal-data erasure clears."""
    from marketplace.accounts import privacy

    _reservation, event = handed_over(setup)
    assert handover.confirmer_id(event) == setup.member_b.id
    privacy.erase_user(setup.admin_b, setup.member_b)
    assert handover.confirmer_id(event) is None
    assert handover.reversal_kind(setup.caretaker_a, event, HANDED + timedelta(hours=1)) == "undo"


def test_a_december_hand_over_corrected_in_january_restates_december(setup):
    """The reversal counts in the period of the event it reverses: the 2026 network report (read from the
    tallies, whole months) and the municipality report (read from the events) both drop the hand-over, and
    2027 stays empty."""
    december = datetime(2026, 12, 15, 10, tzinfo=timezone.utc)
    desks = make_item(setup.caretaker_a, "desk", quantity=Decimal(3), now=december - timedelta(days=10))
    _reservation, event = handed_over(setup, quantity=3, when=december, item=desks)
    year_2026, year_2027 = (date(2026, 1, 1), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 12, 31))
    scopes = [report.resolve_scope(None, text) for text in ("network:vest", "municipality:kommune-a",
                                                            "municipality:kommune-b")]
    for scope in scopes:
        assert report.build(scope, *year_2026).totals.events == 1
    assert report.build(scopes[0], *year_2026).totals.co2e_net_kg == event.co2e_net_kg > 0
    reversal = handover.reverse_hand_over(setup.admin_b, event, "Registrert på feil skole",
                                          now=datetime(2027, 1, 10, 9, tzinfo=timezone.utc))
    db.session.commit()
    assert reversal.occurred_on == date(2026, 12, 15) and reversal.recorded_at.year == 2027
    for scope in scopes:
        for period in (year_2026, year_2027):
            totals = report.build(scope, *period).totals
            assert (totals.events, totals.co2e_net_kg, totals.money_nok, totals.waste_kg) == (0, 0, 0, 0), \
                (scope.key, period)


def test_two_reversals_at_once_leave_one(setup, monkeypatch):
    """Two requests that both saw the event unreversed: the database's unique index refuses the second."""
    _reservation, event = handed_over(setup)
    ledger.reverse(setup.admin_a, event, "Først", now=HANDED + timedelta(days=2))
    monkeypatch.setattr(ledger, "is_reversed", lambda _event: False)
    with pytest.raises(ledger.CorrectionRefused):
        ledger.reverse(setup.admin_b, event, "Samtidig", now=HANDED + timedelta(days=2))
    db.session.commit()
    assert db.session.scalar(select(func.count(ReuseEvent.id)).where(ReuseEvent.reverses_event_id == event.id)) == 1
