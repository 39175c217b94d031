"""Loans: the state machine with a controlled clock, renewals, reminders once, returns (partial, lost units),
permissions and the race of two returns."""

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.impact.models import ReuseEvent
from marketplace.listings import services as listings
from marketplace.listings.models import Condition, Item, ItemOffer, ItemStatus
from marketplace.notifications.models import Notification
from marketplace.reservations import handover, loans, overview, services
from marketplace.reservations.forms import OverviewQuery
from marketplace.reservations.models import LoanReturn, ReservationStatus, WouldBuyNew
from marketplace.accounts.models import Role
from tests.factories import find_user, item_input, make_item, make_user

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def lent(region, catalogue):
    """25 iPads lent for 14 days by municipality A."""
    region.ipads = make_item(region.caretaker_a, "tablet", title="Klassesett iPad", quantity=Decimal(25),
                             offer=ItemOffer.LEND, loan_days=14, now=T0)
    db.session.commit()
    return region


def start_loan(region, quantity=25, borrower=None, now=T0):
    borrower = borrower or region.member_a
    reservation = services.reserve(borrower, region.ipads.id, Decimal(quantity), would_buy_new=WouldBuyNew.YES,
                                   now=now)
    services.approve(region.caretaker_a, reservation, now=now)
    assert handover.collect(borrower, reservation, now=now) is None
    return reservation


def kinds(user, kind):
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id,
                                                                        Notification.kind == kind))


def test_collecting_a_lent_item_starts_a_loan_without_a_reuse_event(lent):
    reservation = start_loan(lent)
    assert reservation.status == ReservationStatus.ON_LOAN
    assert reservation.due_at == T0 + timedelta(days=14)
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 0
    assert lent.ipads.status == ItemStatus.PUBLISHED and lent.ipads.quantity_available == 0
    assert kinds(lent.caretaker_a, "loan_started") == 1


def test_the_preview_of_a_loan_shows_its_due_date_and_no_event(lent):
    reservation = services.reserve(lent.member_a, lent.ipads.id, Decimal(2), would_buy_new=WouldBuyNew.NO, now=T0)
    services.approve(lent.caretaker_a, reservation, now=T0)
    preview = handover.preview(lent.member_a, reservation, now=T0)
    assert preview.event is None and preview.due_at == T0 + timedelta(days=14)
    with pytest.raises(services.ReservationError):
        handover.collect(lent.member_a, reservation, now=T0, price_paid_nok=Decimal(100))
    assert reservation.status == ReservationStatus.APPROVED


def test_a_give_item_is_still_handed_over_for_good(lent):
    chairs = make_item(lent.caretaker_a, "office_chair", quantity=Decimal(2), now=T0)
    reservation = services.reserve(lent.member_a, chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES, now=T0)
    services.approve(lent.caretaker_a, reservation, now=T0)
    assert handover.collect(lent.member_a, reservation, now=T0) is not None
    assert reservation.status == ReservationStatus.COLLECTED and reservation.due_at is None


def test_reminders_before_due_and_when_overdue_each_once(lent):
    reservation = start_loan(lent)
    assert loans.remind_loans(T0 + timedelta(days=10)) == 0  # four days left: nothing yet
    assert loans.remind_loans(T0 + timedelta(days=13)) == 1
    assert loans.remind_loans(T0 + timedelta(days=13, hours=1)) == 0
    assert kinds(lent.member_a, "loan_due_soon") == 1
    assert loans.remind_loans(T0 + timedelta(days=15)) == 1
    assert loans.remind_loans(T0 + timedelta(days=16)) == 0
    assert kinds(lent.member_a, "loan_overdue") == 1
    assert kinds(lent.caretaker_a, "loan_overdue_lender") == 1 and kinds(lent.admin_a, "loan_overdue_lender") == 1
    assert reservation.overdue(T0 + timedelta(days=15))
    def listed(user, tab, loan_filter, now):
        return overview.reservations_page(user, tab, OverviewQuery(loans=loan_filter), now).rows

    assert [loan.id for loan in listed(lent.member_a, overview.MINE, "overdue", T0 + timedelta(days=15))] \
        == [reservation.id]
    assert [loan.id for loan in listed(lent.caretaker_a, overview.INCOMING, "overdue", T0 + timedelta(days=15))] \
        == [reservation.id]
    assert listed(lent.caretaker_a, overview.INCOMING, "overdue", T0 + timedelta(days=1)) == []
    assert listed(lent.caretaker_b, overview.INCOMING, "all", T0) == []  # another municipality's loans are not theirs


def test_renewal_asked_once_approved_moves_the_due_date_and_allows_new_reminders(lent):
    reservation = start_loan(lent)
    loans.remind_loans(T0 + timedelta(days=13))
    loans.ask_renewal(lent.member_a, reservation, 7, now=T0 + timedelta(days=13))
    with pytest.raises(services.TransitionError):
        loans.ask_renewal(lent.member_a, reservation, 3, now=T0 + timedelta(days=13))
    assert kinds(lent.caretaker_a, "loan_renewal_asked") == 1
    loans.answer_renewal(lent.caretaker_a, reservation, approve=True, now=T0 + timedelta(days=13))
    assert reservation.due_at == T0 + timedelta(days=21) and reservation.renewal_days is None
    assert loans.remind_loans(T0 + timedelta(days=15)) == 0  # not overdue any more
    assert loans.remind_loans(T0 + timedelta(days=20)) == 1  # a new reminder for the new date
    assert kinds(lent.member_a, "loan_due_soon") == 2 and kinds(lent.member_a, "loan_renewed") == 1
    with pytest.raises(services.TransitionError):
        loans.answer_renewal(lent.caretaker_a, reservation, approve=True)  # nothing pending


def test_a_declined_renewal_keeps_the_date(lent):
    reservation = start_loan(lent)
    loans.ask_renewal(lent.member_a, reservation, 7, now=T0)
    loans.answer_renewal(lent.caretaker_a, reservation, approve=False, now=T0)
    assert reservation.due_at == T0 + timedelta(days=14) and reservation.renewal_days is None
    assert kinds(lent.member_a, "loan_renewal_declined") == 1


@pytest.mark.parametrize("days", [0, 366, None, True, -1])
def test_a_renewal_needs_a_sensible_number_of_days(lent, days):
    reservation = start_loan(lent)
    with pytest.raises(services.ReservationError):
        loans.ask_renewal(lent.member_a, reservation, days)
    assert reservation.renewal_days is None


def test_only_the_borrower_renews_and_only_the_owner_side_answers_and_returns(lent):
    reservation = start_loan(lent)
    for user in (lent.caretaker_a, lent.member_b, lent.site_admin):
        with pytest.raises(Forbidden):
            loans.ask_renewal(user, reservation, 7)
    loans.ask_renewal(lent.member_a, reservation, 7)
    for user in (lent.member_a, lent.caretaker_b, lent.member_b):
        with pytest.raises(Forbidden):
            loans.answer_renewal(user, reservation, approve=True)
        with pytest.raises(Forbidden):
            loans.record_return(user, reservation)
    assert reservation.status == ReservationStatus.ON_LOAN and reservation.renewal_days == 7


def test_a_full_return_restores_the_quantity_and_ends_the_loan(lent):
    reservation = start_loan(lent)
    entry = loans.record_return(lent.caretaker_a, reservation, now=T0 + timedelta(days=10))
    assert entry.quantity_back == 25 and entry.quantity_lost == 0 and entry.condition == Condition.GOOD
    assert reservation.status == ReservationStatus.RETURNED
    assert reservation.returned_at == T0 + timedelta(days=10)
    assert lent.ipads.quantity_available == 25 and lent.ipads.quantity == 25
    assert kinds(lent.member_a, "loan_returned") == 1
    with pytest.raises(services.TransitionError):
        loans.record_return(lent.caretaker_a, reservation)
    assert loans.remind_loans(T0 + timedelta(days=30)) == 0  # a returned loan is never overdue


def test_a_partial_return_then_the_rest_with_a_lost_unit(lent):
    reservation = start_loan(lent)
    loans.record_return(lent.caretaker_a, reservation, quantity=Decimal(20), condition=Condition.WORN,
                        note="Fem kommer neste uke", now=T0 + timedelta(days=14))
    assert reservation.status == ReservationStatus.ON_LOAN and reservation.on_loan_quantity == 5
    assert lent.ipads.quantity_available == 20 and lent.ipads.condition == Condition.WORN
    with pytest.raises(services.ReservationError):
        loans.record_return(lent.caretaker_a, reservation, quantity=Decimal(5), lost=Decimal(1))  # 6 > 5 out
    with pytest.raises(services.ReservationError):
        loans.record_return(lent.caretaker_a, reservation, quantity=Decimal("1.5"))  # whole pieces
    loans.record_return(lent.caretaker_a, reservation, lost=Decimal(1), now=T0 + timedelta(days=20))
    assert reservation.status == ReservationStatus.RETURNED
    assert (reservation.quantity_returned, reservation.quantity_lost) == (24, 1)
    assert lent.ipads.quantity == 24 and lent.ipads.quantity_available == 24
    assert [(e.quantity_back, e.quantity_lost) for e in loans.returns_of(reservation)] == [(20, 0), (4, 1)]
    history = loans.history_of_item(lent.caretaker_a, lent.ipads)
    assert [(loan.id, len(returns)) for loan, returns in history] == [(reservation.id, 2)]
    assert loans.history_of_item(lent.member_a, lent.ipads) == []


def test_a_returned_data_bearing_device_needs_erasure_again(lent):
    reservation = start_loan(lent, quantity=2)
    lent.ipads.erasure_recorded_at = T0
    loans.record_return(lent.caretaker_a, reservation, quantity=Decimal(1))
    assert lent.ipads.category.holds_data and lent.ipads.erasure_recorded_at is None and lent.ipads.needs_erasure


def test_returned_units_go_to_the_waitlist_first(lent):
    reservation = start_loan(lent)
    teacher = make_user("teacher@a.example", Role.MEMBER, lent.a, lent.school_a)
    services.join_waitlist(teacher, lent.ipads.id, Decimal(3), now=T0)
    loans.record_return(lent.caretaker_a, reservation, quantity=Decimal(10), now=T0 + timedelta(days=1))
    assert lent.ipads.quantity_available == 7  # three kept for the first in line


def test_a_lend_item_needs_a_sensible_loan_period(lent):
    for days in (None, 0, 366):
        with pytest.raises(listings.ListingError) as error:
            listings.create_item(lent.caretaker_a, item_input("tablet", offer=ItemOffer.LEND, loan_days=days))
        assert "loan_days" in error.value.errors
    given = listings.create_item(lent.caretaker_a, item_input("tablet", loan_days=14))
    assert given.offer == ItemOffer.GIVE and given.loan_days is None


def test_the_offer_cannot_change_while_units_are_out(lent):
    start_loan(lent, quantity=1)
    with pytest.raises(listings.ListingError) as error:
        listings.update_item(lent.caretaker_a, lent.ipads, item_input("tablet", title="Klassesett iPad",
                                                                      quantity=Decimal(25)))
    assert "offer" in error.value.errors


def test_two_simultaneous_returns_restore_once(make_app, lent):
    """Two caretakers record the same full return at the same moment: one wins, the units come back once."""
    reservation = start_loan(lent)
    db.session.commit()
    app = make_app()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(email):
        with app.test_request_context(method="POST"):
            barrier.wait()
            try:
                user = find_user(email)
                loans.record_return(user, services.find_reservation(user, reservation.id))
                db.session.commit()
                results.append("returned")
            except services.TransitionError:
                db.session.rollback()
                results.append("refused")

    threads = [threading.Thread(target=act, args=(email,)) for email in ("caretaker@a.example", "admin@a.example")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["refused", "returned"], results
    db.session.expire_all()
    assert db.session.get(Item, lent.ipads.id).quantity_available == 25
    assert db.session.scalar(select(func.count(LoanReturn.id))) == 1


def test_loan_history_is_in_the_data_export_and_notes_are_erased(lent):
    from marketplace.accounts import privacy

    reservation = start_loan(lent)
    loans.record_return(lent.caretaker_a, reservation, quantity=Decimal(25), note="Alt i orden")
    exported = privacy.export_personal_data(lent.member_a, lent.member_a)
    assert [loan["reservation"] for loan in exported["loans"]] == [reservation.id]
    recorded = privacy.export_personal_data(lent.caretaker_a, lent.caretaker_a)
    assert recorded["loan_returns_recorded"][0]["note"] == "Alt i orden"
    privacy.erase_user(lent.admin_a, lent.caretaker_a)
    entry = loans.returns_of(reservation)[0]
    db.session.refresh(entry)
    assert entry.note != "Alt i orden" and entry.recorded_by_id is None
