"""Personal data can be exported and erased; erasure leaves the reuse ledger and the report whole."""

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.accounts import privacy
from marketplace.accounts import services as accounts
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.impact import report
from marketplace.notifications.models import Notification
from marketplace.reservations import handover
from marketplace.reservations import services as reservations
from marketplace.reservations.models import Reservation, ReservationMessage, WouldBuyNew
from marketplace.search import services as search
from tests.conftest import TEST_PASSWORD, fresh, login
from tests.factories import make_item

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def history(region, catalogue):
    chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10), would_be_discarded=True, now=T0)
    reservation = reservations.reserve(region.member_a, chairs.id, Decimal(4), would_buy_new=WouldBuyNew.YES,
                                       note="Til 7B, ring Ola på 99 88 77 66", now=T0 + timedelta(hours=1))
    reservations.add_message(region.member_a, reservation, "Jeg heter Ola og kommer kl. 14")
    handover.collect(region.caretaker_a, reservation, now=T0 + timedelta(days=1))
    search.save_search(region.member_a, search.SearchParams(q="stol"), "Mine stoler")
    accounts.authenticate("member@a.example", TEST_PASSWORD, "10.1.2.3")
    region.member_a.phone = "99887766"
    db.session.commit()
    return region


def test_a_person_downloads_their_data(client, history):
    login(client, "member@a.example")
    response = client.get("/account/export")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["profile"]["email"] == "member@a.example" and data["profile"]["phone"] == "99887766"
    assert data["reservations"][0]["note"].startswith("Til 7B")
    assert data["messages"][0]["body"].startswith("Jeg heter Ola")
    assert data["saved_searches"][0]["name"] == "Mine stoler"
    assert any(event["action"] == "login" for event in data["audit_log"])


def test_only_the_person_or_their_admin_may_export_or_erase(history):
    with pytest.raises(Forbidden):
        privacy.export_personal_data(history.member_b, history.member_a)
    with pytest.raises(Forbidden):
        privacy.erase_user(history.caretaker_a, history.member_a)
    with pytest.raises(Forbidden):
        privacy.erase_user(history.member_a, history.member_a)  # an admin erases, not the person alone
    assert privacy.export_personal_data(history.admin_a, history.member_a)["profile"]["name"] == "Member"


def test_erasure_removes_personal_data_everywhere_and_keeps_the_report(history, client):
    scope = report.resolve_scope(None, "municipality:kommune-a")
    before = report.build(scope, date(2026, 1, 1), date(2026, 12, 31)).totals
    user_id = history.member_a.id
    privacy.erase_user(history.admin_a, history.member_a)
    db.session.commit()
    fresh()
    user = db.session.get(type(history.member_a), user_id)
    assert (user.name, user.phone, user.password_hash, user.active) == (privacy.ERASED_NAME, None, None, False)
    assert "member@a.example" not in user.email
    assert login(client, "member@a.example").status_code == 401
    assert db.session.scalar(select(Reservation.note).where(Reservation.requester_id == user_id)) == ""
    assert "Ola" not in db.session.scalar(select(ReservationMessage.body).where(
        ReservationMessage.author_id == user_id))
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id)) == 0
    assert search.saved_searches(user) == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.actor_id == user_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.address == "10.1.2.3")) == 0
    after = report.build(scope, date(2026, 1, 1), date(2026, 12, 31)).totals
    assert after == before


def test_erase_and_export_from_the_command_line(runner, history):
    exported = runner.invoke(args=["users", "export", "--email", "member@a.example"])
    assert exported.exit_code == 0 and json.loads(exported.output)["profile"]["phone"] == "99887766"
    erased = runner.invoke(args=["users", "erase", "--email", "member@a.example", "--yes"])
    assert erased.exit_code == 0, erased.output
    fresh()
    assert accounts.find_user_by_email("member@a.example") is None
    missing = runner.invoke(args=["users", "erase", "--email", "nobody@a.example", "--yes"])
    assert missing.exit_code != 0 and "nobody@a.example" in missing.output
