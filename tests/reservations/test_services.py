import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from marketplace.accounts.models import Role
from marketplace.db import ListPage, db
from marketplace.errors import Forbidden, NotVisible
from marketplace.impact import ledger
from marketplace.impact import services as impact
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Item, ItemStatus
from marketplace.notifications.models import Notification
from marketplace.reservations import handover, overview
from marketplace.reservations import services
from marketplace.reservations.models import ReservationStatus, WaitlistStatus, WouldBuyNew
from tests.factories import category, find_user, make_item, make_user

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
SOON = T0 + timedelta(hours=1)
YES, NO, UNKNOWN = WouldBuyNew.YES, WouldBuyNew.NO, WouldBuyNew.UNKNOWN


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10), would_be_discarded=True,
                              now=T0)
    db.session.commit()
    return region


def reserve(user, item, quantity, answer=YES, now=SOON):
    return services.reserve(user, item.id, Decimal(quantity), would_buy_new=answer, now=now)


def test_reserve_holds_at_once_and_tells_the_owner_side(setup):
    reservation = reserve(setup.member_a, setup.chairs, 4)
    assert reservation.status == ReservationStatus.REQUESTED and setup.chairs.quantity_available == 6
    assert reservation.requester_unit == setup.school_a and reservation.municipality_id == setup.a.id
    assert reservation.expires_at == SOON + timedelta(days=5)
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "reservation_requested")))
    assert told == {setup.caretaker_a.id, setup.admin_a.id}


def test_the_whole_happy_path_writes_one_reuse_event(setup):
    reservation = reserve(setup.member_a, setup.chairs, 10)
    services.approve(setup.caretaker_a, reservation, now=SOON)
    event = handover.collect(setup.member_a, reservation, now=SOON + timedelta(days=1))
    assert reservation.status == ReservationStatus.COLLECTED
    assert setup.chairs.status == ItemStatus.COMPLETED and setup.chairs.quantity_available == 0
    # 10 office chairs, "yes", default factors: 70 kg CO2e, 15 kg, 5000 NOK each.
    assert (event.co2e_gross_kg, event.co2e_net_kg) == (Decimal("700.000"), Decimal("700.000"))
    assert event.waste_kg == Decimal("150.000") and event.money_nok == Decimal("50000.00")
    assert event.giver_municipality_id == setup.a.id and event.receiver_organisation_id == setup.a.id
    assert event.receiver_unit_id == setup.school_a.id and event.factor_set_version == "2026.1"
    assert "FIRA" in event.factor_sources


@pytest.mark.parametrize("answer, d", [(YES, "1"), (NO, "0"), (UNKNOWN, "0.7")])
def test_displacement_decides_the_net_figure(setup, answer, d):
    reservation = reserve(setup.member_b, setup.chairs, 2, answer, now=T0 + timedelta(days=4))
    services.approve(setup.caretaker_a, reservation)
    event = handover.collect(setup.caretaker_a, reservation)
    assert event.co2e_gross_kg == Decimal("140.000")
    assert event.co2e_net_kg == (Decimal("140") * Decimal(d)).quantize(Decimal("0.001"))
    assert event.money_nok == (Decimal("10000") * Decimal(d)).quantize(Decimal("0.01"))


def test_a_later_factor_change_does_not_alter_existing_events(setup):
    reservation = reserve(setup.member_a, setup.chairs, 1)
    event = handover.collect(setup.caretaker_a, reservation, now=T0 + timedelta(days=1))
    db.session.commit()
    impact.add_override(setup.admin_a, setup.a, category("office_chair"), effective_from=T0.date(),
                        kgco2e_new=Decimal(10), mass_kg=None, price_new_nok=None, source="New EPD")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ReuseEvent, event.id).co2e_gross_kg == Decimal("70.000")
    later = handover.collect(setup.caretaker_a, reserve(setup.member_a, setup.chairs, 1), now=T0 + timedelta(days=2))
    assert later.co2e_gross_kg == Decimal("10.000") and later.overridden_by == "municipality"


def test_the_ledger_is_append_only(setup):
    event = handover.collect(setup.caretaker_a, reserve(setup.member_a, setup.chairs, 1))
    db.session.commit()
    for statement in ("UPDATE reuse_events SET quantity = 99", "DELETE FROM reuse_events"):
        with pytest.raises(DBAPIError):
            with db.session.begin_nested():
                db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.get(ReuseEvent, event.id).quantity == 1


def test_a_correction_reverses_without_editing(setup):
    event = handover.collect(setup.caretaker_a, reserve(setup.member_a, setup.chairs, 3))
    with pytest.raises(ledger.LedgerError):
        ledger.reverse(setup.admin_a, event, " ")
    reversal = ledger.reverse(setup.admin_a, event, "Registered twice")
    assert reversal.co2e_gross_kg == -event.co2e_gross_kg and reversal.quantity == -3
    total = db.session.scalar(select(func.sum(ReuseEvent.co2e_gross_kg)))
    assert total == 0
    with pytest.raises(ledger.CorrectionRefused):
        ledger.reverse(setup.admin_a, event, "Again")


FORBIDDEN_TRANSITIONS = [
    ("rejected", "collect"), ("rejected", "approve"), ("rejected", "cancel"), ("cancelled", "approve"),
    ("cancelled", "collect"), ("collected", "cancel"), ("collected", "reject"), ("collected", "approve"),
    ("approved", "approve"), ("expired", "collect"), ("expired", "approve"),
]


def _bring_to(setup, state):
    reservation = reserve(setup.member_a, setup.chairs, 2)
    if state == "approved":
        services.approve(setup.caretaker_a, reservation)
    elif state == "rejected":
        services.reject(setup.caretaker_a, reservation, "Already promised away")
    elif state == "cancelled":
        services.cancel(setup.member_a, reservation)
    elif state == "collected":
        handover.collect(setup.caretaker_a, reservation)
    elif state == "expired":
        services.expire_reservations(SOON + timedelta(days=6))
    return reservation


@pytest.mark.parametrize("state, action", FORBIDDEN_TRANSITIONS)
def test_forbidden_transitions_are_refused(setup, state, action):
    reservation = _bring_to(setup, state)
    available = setup.chairs.quantity_available
    events = db.session.scalar(select(func.count(ReuseEvent.id)))
    do = {
        "approve": lambda: services.approve(setup.caretaker_a, reservation),
        "collect": lambda: handover.collect(setup.caretaker_a, reservation),
        "cancel": lambda: services.cancel(setup.member_a, reservation),
        "reject": lambda: services.reject(setup.caretaker_a, reservation, "No"),
    }[action]
    with pytest.raises(services.TransitionError):
        do()
    assert setup.chairs.quantity_available == available
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == events


def test_requester_may_not_collect_before_approval(setup):
    reservation = reserve(setup.member_a, setup.chairs, 2)
    with pytest.raises(services.TransitionError):
        handover.collect(setup.member_a, reservation)
    handover.collect(setup.caretaker_a, reservation)  # the owner side records a hand-over that happened


def test_permission_matrix(setup):
    reservation = reserve(setup.member_b, setup.chairs, 2, now=T0 + timedelta(days=4))
    outsiders = [setup.member_a, setup.caretaker_b, setup.member_c, setup.partner_user, setup.network_admin]
    for user in outsiders:
        with pytest.raises(Forbidden):
            services.approve(user, reservation)
        with pytest.raises(Forbidden):
            services.reject(user, reservation, "x")
    for user in [setup.caretaker_a, setup.member_a, setup.caretaker_b, setup.member_c]:
        with pytest.raises(Forbidden):
            services.cancel(user, reservation)
    for user in [setup.member_a, setup.member_c, setup.partner_user]:
        with pytest.raises(NotVisible):
            services.find_reservation(user, reservation.id)
    assert services.find_reservation(setup.caretaker_b, reservation.id) == reservation  # the requester's side
    assert services.find_reservation(setup.caretaker_a, reservation.id) == reservation  # the owner side
    assert overview.newest_first(setup.caretaker_b, overview.INCOMING, None, 1, 25) == ListPage([], 0, 1, 25)
    assert overview.newest_first(setup.caretaker_a, overview.INCOMING, None, 1, 25) == ListPage([reservation], 1, 1, 25)
    assert overview.newest_first(setup.member_b, overview.MINE, None, 1, 25) == ListPage([reservation], 1, 1, 25)
    # The home page's "waiting for an answer": the owner side's caretakers only, in the statuses asked for.
    assert [services.count_incoming_reservations(user, [ReservationStatus.REQUESTED])
            for user in (setup.caretaker_a, setup.caretaker_b, setup.member_a)] == [1, 0, 0]
    assert services.count_incoming_reservations(setup.caretaker_a, [ReservationStatus.APPROVED]) == 0
    services.cancel(setup.member_b, reservation)
    assert services.count_incoming_reservations(setup.caretaker_a, [ReservationStatus.REQUESTED]) == 0
    assert services.count_incoming_reservations(setup.caretaker_a) == 1  # every status
    assert setup.chairs.quantity_available == 10


def test_cannot_reserve_what_you_cannot_see_or_more_than_there_is(setup):
    with pytest.raises(NotVisible):
        reserve(setup.member_b, setup.chairs, 1, now=T0 + timedelta(days=1))  # not shared with B yet
    with pytest.raises(NotVisible):
        reserve(setup.member_c, setup.chairs, 1, now=T0 + timedelta(days=30))
    with pytest.raises(services.InsufficientQuantity):
        reserve(setup.member_a, setup.chairs, 11)
    reserve(setup.member_a, setup.chairs, 8)
    with pytest.raises(services.InsufficientQuantity):
        reserve(setup.member_b, setup.chairs, 3, now=T0 + timedelta(days=4))
    for bad in ("0", "-1", "1.5"):
        with pytest.raises(services.ReservationError):
            reserve(setup.member_a, setup.chairs, bad)
    with pytest.raises(services.ReservationError):
        reserve(setup.caretaker_a, setup.chairs, 1)  # listed it themselves
    assert setup.chairs.quantity_available == 2


def test_editing_cannot_drop_below_what_is_held(setup):
    from marketplace.listings import services as listings
    from tests.factories import item_input

    reserve(setup.member_a, setup.chairs, 6)
    with pytest.raises(listings.ListingError):
        listings.update_item(setup.caretaker_a, setup.chairs, item_input("office_chair", quantity=Decimal(5)))
    listings.update_item(setup.caretaker_a, setup.chairs, item_input("office_chair", quantity=Decimal(8)))
    assert setup.chairs.quantity_available == 2


def test_expiry_of_unanswered_and_uncollected_holds(setup):
    waiting = reserve(setup.member_a, setup.chairs, 2)
    approved = reserve(setup.member_b, setup.chairs, 3, now=T0 + timedelta(days=4))
    services.approve(setup.caretaker_a, approved, pickup_at=T0 + timedelta(days=6), now=T0 + timedelta(days=4))
    assert setup.chairs.quantity_available == 5
    assert services.expire_reservations(SOON + timedelta(days=4)) == []
    assert services.remind_pending(SOON + timedelta(days=4, hours=1)) == 1
    assert services.remind_pending(SOON + timedelta(days=4, hours=2)) == 0  # once
    assert services.expire_reservations(SOON + timedelta(days=5, minutes=1)) == [waiting]
    assert setup.chairs.quantity_available == 7
    assert services.expire_reservations(T0 + timedelta(days=8, hours=1)) == [approved]  # pickup + 2 grace days
    assert setup.chairs.quantity_available == 10
    assert waiting.status == approved.status == ReservationStatus.EXPIRED


def test_waitlist_offer_then_lapse_then_next_in_line(setup):
    first = reserve(setup.member_a, setup.chairs, 10)
    later = T0 + timedelta(days=4)
    entry_b = services.join_waitlist(setup.member_b, setup.chairs.id, Decimal(4), now=later)
    other_b = make_user("other@b.example", Role.MEMBER, setup.b, setup.school_b)
    entry_other = services.join_waitlist(other_b, setup.chairs.id, Decimal(2), now=later + timedelta(minutes=1))
    with pytest.raises(services.TransitionError):
        services.join_waitlist(setup.member_b, setup.chairs.id, Decimal(1), now=later)
    services.cancel(setup.member_a, first, now=later + timedelta(hours=1))
    assert entry_b.status == WaitlistStatus.OFFERED and entry_b.offered_quantity == 4
    assert entry_other.status == WaitlistStatus.OFFERED and entry_other.offered_quantity == 2
    assert setup.chairs.quantity_available == 4
    offer = db.session.scalar(select(Notification).where(Notification.kind == "waitlist_offer",
                                                          Notification.user_id == setup.member_b.id))
    assert offer is not None
    # B takes 3 of the 4 kept; the other lets the offer lapse.
    taken = reserve(setup.member_b, setup.chairs, 3, now=later + timedelta(hours=2))
    assert taken.quantity == 3 and entry_b.status == WaitlistStatus.RESERVED
    assert setup.chairs.quantity_available == 5
    services.expire_reservations(later + timedelta(hours=1, days=2, minutes=1))
    assert entry_other.status == WaitlistStatus.LAPSED and setup.chairs.quantity_available == 7


def test_race_fifty_requests_for_seven(make_app, region, catalogue):
    """50 threads, each its own session and real commit, reserve 1 of 7 at once: exactly 7 win."""
    item = make_item(region.caretaker_a, "office_chair", quantity=Decimal(7), now=T0)
    users = [make_user(f"racer{n}@a.example", Role.MEMBER, region.a, region.school_a) for n in range(50)]
    db.session.commit()
    app = make_app()
    outcomes: list[str] = []
    barrier = threading.Barrier(50)

    def attempt(email):
        with app.test_request_context(method="POST"):
            barrier.wait()
            try:
                user = find_user(email)
                services.reserve(user, item.id, Decimal(1), would_buy_new=YES)
                db.session.commit()
                outcomes.append("won")
            except services.InsufficientQuantity:
                db.session.rollback()
                outcomes.append("409")

    threads = [threading.Thread(target=attempt, args=(user.email,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["409"] * 43 + ["won"] * 7
    db.session.expire_all()
    assert db.session.get(Item, item.id).quantity_available == 0
    held = db.session.scalar(select(func.sum(services.Reservation.quantity)).where(
        services.Reservation.item_id == item.id))
    assert held == 7


@pytest.mark.parametrize("pair", [("collect", "cancel"), ("collect", "collect"), ("reject", "cancel"),
                                  ("collect", "reject"), ("cancel", "cancel")])
def test_race_on_one_reservation_leaves_one_outcome(make_app, setup, pair):
    """Two final answers to the same reservation at once: exactly one wins, the other is refused."""
    reservation = reserve(setup.member_a, setup.chairs, 2)
    db.session.commit()
    app = make_app()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(action):
        with app.test_request_context(method="POST"):
            barrier.wait()
            try:
                caretaker, member = find_user("caretaker@a.example"), find_user("member@a.example")
                mine = services.find_reservation(caretaker, reservation.id)
                {"reject": lambda: services.reject(caretaker, mine, "Gone"),
                 "cancel": lambda: services.cancel(member, mine),
                 "collect": lambda: handover.collect(caretaker, mine)}[action]()
                db.session.commit()
                results.append(action)
            except services.TransitionError:
                db.session.rollback()
                results.append("refused")

    threads = [threading.Thread(target=act, args=(action,)) for action in pair]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results.count("refused") == 1, results
    db.session.expire_all()
    events = db.session.scalar(select(func.count(ReuseEvent.id)))
    item = db.session.get(Item, setup.chairs.id)
    winner = next(result for result in results if result != "refused")
    assert events == (1 if winner == "collect" else 0)
    assert item.quantity_available == (8 if winner == "collect" else 10)


def test_the_check_constraint_refuses_overselling_even_past_the_service(setup):
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE items SET quantity_available = -1 WHERE id = :id"),
                               {"id": setup.chairs.id})


def test_latest_of_mine_lists_the_newest_of_my_own_in_the_statuses_asked(setup):
    """The home page's short list: the person's own reservations only, in the statuses asked for, newest first,
    at most ``limit``."""
    mine = [reserve(setup.member_a, setup.chairs, 1, now=SOON + timedelta(minutes=minute)) for minute in range(4)]
    services.cancel(setup.member_a, mine[1], now=SOON + timedelta(hours=1))
    colleague = make_user("colleague@a.example", Role.MEMBER, setup.a, unit=setup.school_a)
    reserve(colleague, setup.chairs, 1, now=SOON + timedelta(minutes=9))  # someone else's, newer
    db.session.commit()
    open_statuses = [ReservationStatus.REQUESTED, ReservationStatus.APPROVED]
    assert services.latest_of_mine(setup.member_a, open_statuses, limit=2) == [mine[3], mine[2]]
    assert services.latest_of_mine(setup.member_a, open_statuses, limit=5) == [mine[3], mine[2], mine[0]]
    assert services.latest_of_mine(setup.member_a, [ReservationStatus.CANCELLED], limit=5) == [mine[1]]
