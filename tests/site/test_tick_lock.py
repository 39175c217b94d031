"""`marketplace tick` runs once at a time, whichever host starts it: the second waits for nothing and does nothing."""

from marketplace.db import db
from marketplace.notifications import services as notifications
from marketplace.site import services as site
from tests.conftest import fresh


def test_only_one_holder_of_the_tick_lock_at_a_time(app):
    with site.tick_lock() as first:
        with site.tick_lock() as second:
            assert first is True and second is False
    with site.tick_lock() as after:
        assert after is True  # let go when the first tick ended


def test_a_tick_started_while_another_runs_does_nothing(app, runner, region):
    notifications.notify(region.member_a, "reservation_approved", {"title": "Stoler"}, "/reservations")
    db.session.commit()
    with site.tick_lock() as running:
        assert running
        result = runner.invoke(args=["tick"])
    assert result.exit_code == 0
    assert "Another `marketplace tick` is running" in result.output
    fresh()
    assert site.last_tick() is None  # it did not run, so it recorded no run either
    result = runner.invoke(args=["tick"])
    assert "Sent 1 e-mail(s)" in result.output and site.last_tick() is not None
