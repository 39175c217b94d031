from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from marketplace.audit.models import AuditEvent
from marketplace.db import db


def test_times_round_trip_as_aware_utc(app):
    oslo_summer = timezone(timedelta(hours=2))
    moment = datetime(2026, 6, 1, 14, 30, tzinfo=oslo_summer)
    db.session.add(AuditEvent(action="test", at=moment, details={}))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(AuditEvent.at))
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == moment and stored.hour == 12


def test_naive_times_are_refused(app):
    db.session.add(AuditEvent(action="test", at=datetime(2026, 6, 1, 12, 0), details={}))
    with pytest.raises(StatementError, match="naive"):
        db.session.flush()


def test_get_or_404(app):
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        db.get_or_404(AuditEvent, 123456)
