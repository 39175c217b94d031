"""`marketplace ledger reverse EVENT_ID --reason TEXT --by EMAIL`: as that user, with that user's permissions."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from marketplace.db import db, utcnow
from marketplace.impact.models import ReuseEvent
from marketplace.reservations import handover, services
from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew
from tests.conftest import fresh
from tests.factories import make_item


def test_ledger_reverse_acts_as_the_user_and_explains_every_refusal(runner, region, catalogue):
    chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10), now=utcnow() - timedelta(days=10))
    when = utcnow() - timedelta(days=2)
    reservation = services.reserve(region.member_b, chairs.id, Decimal(3), would_buy_new=WouldBuyNew.YES,
                                   now=when - timedelta(hours=1))
    event = handover.collect(region.caretaker_a, reservation, now=when)
    db.session.commit()
    event_id, reservation_id = event.id, reservation.id

    def reverse(*args):
        return runner.invoke(args=["ledger", "reverse", *args])

    cases = [
        ((str(event_id), "--reason", "Feil", "--by", "nobody@x.example"), "No active user"),
        (("999999", "--reason", "Feil", "--by", "admin@a.example"), "No reuse event 999999"),
        ((str(event_id), "--reason", "Feil", "--by", "member@c.example"), f"No reuse event {event_id}"),
        ((str(event_id), "--reason", "Feil", "--by", "caretaker@a.example"), "may not reverse"),
        ((str(event_id), "--reason", "  ", "--by", "admin@a.example"), "Say why"),
        ((str(event_id), "--by", "admin@a.example"), "--reason"),
    ]
    for args, message in cases:
        result = reverse(*args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    fresh()
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 1

    done = reverse(str(event_id), "--reason", "Registrert to ganger", "--by", "admin@a.example")
    assert done.exit_code == 0, done.output
    assert "Corrected the hand-over" in done.output
    fresh()
    assert db.session.get(Reservation, reservation_id).status == ReservationStatus.CORRECTED
    again = reverse(str(event_id), "--reason", "Igjen", "--by", "admin@a.example")
    assert again.exit_code != 0 and "already been reversed" in again.output
