"""Notifications reach the right people once each, in the inbox and by e-mail (to the outbox in tests)."""

import smtplib
import threading
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.accounts import services as accounts
from marketplace.config import ConfigurationError
from marketplace.db import db, utcnow
from marketplace.i18n import OSLO, oslo_date
from marketplace.listings import services as listings
from marketplace import mail
from marketplace.notifications import services
from marketplace.notifications.models import Notification
from marketplace.reservations import pickup, services as reservations
from marketplace.reservations.models import WouldBuyNew
from tests.factories import item_input, make_item

# Notifications are stamped with the real clock, so the test times are set from it (never more than two days
# ahead, well inside the age limit for e-mail); nothing here waits or measures time.
NOW = utcnow().replace(microsecond=0)
TOMORROW = oslo_date(NOW) + timedelta(days=1)


def oslo(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(timezone.utc)


def outbox(app):
    """The messages written to the outbox, oldest first."""
    directory = Path(app.config["MAIL_OUTBOX"])
    return [message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(directory.glob("*.eml"))] if directory.exists() else []


def recipients(messages):
    return sorted(message["To"].addresses[0].addr_spec for message in messages)


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()


@pytest.fixture
def setup(region, catalogue):
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10),
                              now=NOW - timedelta(days=10))  # shared with the network by now
    db.session.commit()
    return region


def reserve(user, item, quantity=1):
    reservation = reservations.reserve(user, item.id, Decimal(quantity), would_buy_new=WouldBuyNew.YES,
                                       now=NOW - timedelta(hours=1))
    db.session.commit()
    return reservation


def prefer(user, choice):
    accounts.set_email_notifications(user, choice)
    db.session.commit()


def test_a_reservation_mails_the_owner_side_once_each(app, setup):
    reservation = reserve(setup.member_b, setup.chairs)
    told = db.session.execute(select(Notification.user_id, func.count()).group_by(Notification.user_id)).all()
    assert sorted(told) == sorted([(setup.caretaker_a.id, 1), (setup.admin_a.id, 1)])

    report = services.send_pending_email(NOW)
    assert (report.emails, report.notifications, report.failed) == (2, 2, 0)
    messages = outbox(app)
    assert recipients(messages) == ["admin@a.example", "caretaker@a.example"]
    assert all(f"/reservations/{reservation.id}" in text_of(message) for message in messages)
    assert db.session.scalar(select(func.count()).where(Notification.emailed_at.is_(None))) == 0

    again = services.send_pending_email(NOW + timedelta(minutes=5))
    assert again.emails == 0 and len(outbox(app)) == 2


def test_the_requester_hears_of_answers_pickup_and_messages(app, setup):
    reservation = reserve(setup.member_b, setup.chairs)
    services.send_pending_email(NOW)
    first = len(outbox(app))
    caretaker = setup.caretaker_a
    pickup.propose_pickup(caretaker, reservation, NOW + timedelta(days=2), now=NOW)
    reservations.approve(caretaker, reservation, now=NOW)
    reservations.add_message(caretaker, reservation, "Velkommen")
    db.session.commit()
    services.send_pending_email(NOW + timedelta(minutes=5))
    new = outbox(app)[first:]
    # Three notifications, one e-mail, for the requester; the caretaker's colleague hears of the pickup time.
    assert recipients(new) == ["admin@a.example", "member@b.example"]
    body = text_of(new[recipients(new).index("member@b.example")])
    assert body.count(f"/reservations/{reservation.id}") == 3
    first = len(outbox(app))

    other = reserve(setup.member_b, setup.chairs)
    reservations.reject(caretaker, other, "Allerede lovet bort", now=NOW)
    db.session.commit()
    services.send_pending_email(NOW + timedelta(minutes=10))
    # The new request went to the owner side (caretaker and admin), the rejection to the requester.
    assert recipients(outbox(app)[first:]) == ["admin@a.example", "caretaker@a.example",
                                                "member@b.example"]


def test_a_daily_user_gets_one_digest_after_seven(app, setup):
    prefer(setup.caretaker_a, "daily")
    reserve(setup.member_b, setup.chairs)
    services.send_pending_email(oslo(TOMORROW, 6, 30))
    assert recipients(outbox(app)) == ["admin@a.example"]  # immediate; the daily user waits

    reserve(setup.member_a, setup.chairs, 2)
    services.send_pending_email(oslo(TOMORROW, 6, 55))
    assert recipients(outbox(app)) == ["admin@a.example", "admin@a.example"]

    report = services.send_pending_email(oslo(TOMORROW, 7, 5))
    assert report.emails == 1
    digest = outbox(app)[-1]
    assert recipients([digest]) == ["caretaker@a.example"]
    assert "B kommune" in text_of(digest) and "A kommune" in text_of(digest)  # both requests, in one
    assert "2" in digest["Subject"]

    reserve(setup.member_b, setup.chairs)  # later the same day: it waits for tomorrow's digest
    for when in (oslo(TOMORROW, 7, 10), oslo(TOMORROW, 12, 0), oslo(TOMORROW, 23, 55)):
        services.send_pending_email(when)
    assert recipients(outbox(app)).count("caretaker@a.example") == 1
    services.send_pending_email(oslo(TOMORROW + timedelta(days=1), 7, 1))
    assert recipients(outbox(app)).count("caretaker@a.example") == 2
    services.send_pending_email(oslo(TOMORROW + timedelta(days=1), 7, 6))
    assert recipients(outbox(app)).count("caretaker@a.example") == 2


def test_a_daily_user_with_nothing_at_seven_waits_until_the_next_morning(app, setup):
    prefer(setup.caretaker_a, "daily")
    services.send_pending_email(oslo(TOMORROW, 7, 0))  # the digest time comes and goes with nothing to tell
    reserve(setup.member_b, setup.chairs)
    services.send_pending_email(oslo(TOMORROW, 9, 0))
    assert "caretaker@a.example" not in recipients(outbox(app))
    services.send_pending_email(oslo(TOMORROW + timedelta(days=1), 7, 0))
    assert recipients(outbox(app)).count("caretaker@a.example") == 1


def test_off_gets_no_email_but_keeps_the_inbox(app, setup):
    prefer(setup.admin_a, "off")
    reserve(setup.member_b, setup.chairs)
    services.send_pending_email(NOW)
    services.send_pending_email(oslo(TOMORROW, 8, 0))
    assert recipients(outbox(app)) == ["caretaker@a.example"]
    assert services.unread_count(setup.admin_a) == 1
    admins = select(Notification.emailed_at).where(Notification.user_id == setup.admin_a.id)
    assert db.session.scalar(admins) is None


def test_deactivated_users_get_no_email(app, setup):
    reserve(setup.member_b, setup.chairs)
    accounts.set_active(setup.site_admin, setup.admin_a, False)
    db.session.commit()
    services.send_pending_email(NOW)
    assert recipients(outbox(app)) == ["caretaker@a.example"]


def test_email_is_in_the_users_language_with_absolute_links(app, setup, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://ombruk.kommune.example")
    setup.caretaker_a.locale = "en"
    db.session.commit()
    reservation = reserve(setup.member_b, setup.chairs)
    services.send_pending_email(NOW)
    by_address = {message["To"].addresses[0].addr_spec: message for message in outbox(app)}
    link = f"https://ombruk.kommune.example/reservations/{reservation.id}"

    norwegian, english = by_address["admin@a.example"], by_address["caretaker@a.example"]
    assert norwegian["Content-Language"] == "nb" and english["Content-Language"] == "en"
    assert text_of(norwegian).startswith("Hei Admin,") and 'lang="nb"' in html_of(norwegian)
    assert text_of(english).startswith("Hello Caretaker,") and 'lang="en"' in html_of(english)
    assert "B kommune wants to reserve 1 piece of “Kontorstoler, grå”." == english["Subject"]
    for message in (norwegian, english):
        assert link in text_of(message) and f'href="{link}"' in html_of(message)
        assert "https://ombruk.kommune.example/account/notifications" in text_of(message)
        assert message["From"] == "Ombruksmarkedet <noreply@ombruk.example>"
        assert message["Auto-Submitted"] == "auto-generated"


def test_titles_cannot_inject_headers_or_markup(app, setup):
    item = make_item(setup.caretaker_a, "office_chair", title="Stol\r\nBcc: victim@example.com <b>fet</b>",
                     now=NOW - timedelta(days=10))
    db.session.commit()
    reserve(setup.member_b, item)
    services.send_pending_email(NOW)
    message = outbox(app)[0]
    assert "Bcc" not in message.keys() and "\n" not in message["Subject"]
    assert "<b>fet</b>" not in html_of(message) and "&lt;b&gt;fet&lt;/b&gt;" in html_of(message)


def test_an_unwritable_outbox_keeps_everything_for_the_next_tick(app, setup, monkeypatch, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(blocked / "outbox"))
    reserve(setup.member_b, setup.chairs)
    report = services.send_pending_email(NOW)
    assert (report.emails, report.failed) == (0, 1)  # the first failure stops the round
    assert db.session.scalar(select(func.count()).where(Notification.emailed_at.is_(None))) == 2

    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    assert services.send_pending_email(NOW + timedelta(minutes=5)).emails == 2
    assert recipients(outbox(app)) == ["admin@a.example", "caretaker@a.example"]


def test_a_long_list_is_cut_short_with_a_link_to_the_inbox(app, setup, monkeypatch):
    monkeypatch.setattr(services, "MAX_LISTED", 2)
    for title in ("Stoler", "Bord", "Tavle", "Skap"):
        services.notify(setup.member_a, "reservation_message", {"title": title}, "/reservations/1")
    db.session.commit()
    assert services.send_pending_email(NOW).notifications == 4
    message = outbox(app)[0]
    assert message["Subject"] == "Ombruksmarkedet: 4 nye varsler"
    body = text_of(message)
    assert "«Tavle»" in body and "«Skap»" in body and "«Stoler»" not in body  # the newest
    assert "… og 2 varsler til i innboksen din." in body and "http://127.0.0.1:5000/notifications" in body


def test_old_notifications_are_not_mailed(app, setup):
    reserve(setup.member_b, setup.chairs)
    assert services.send_pending_email(NOW + services.EMAIL_MAX_AGE + timedelta(hours=1)).emails == 0
    assert outbox(app) == []


def test_two_ticks_at_once_send_each_email_once(make_app, setup):
    for n in range(3):
        reserve(setup.member_b, setup.chairs)
    apps = [make_app(), make_app()]
    barrier = threading.Barrier(2)
    reports = []

    def tick(app):
        with app.app_context():
            barrier.wait()
            reports.append(services.send_pending_email(NOW))

    threads = [threading.Thread(target=tick, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(report.emails for report in reports) == 2 and len(reports) == 2
    assert recipients(outbox(apps[0])) == ["admin@a.example", "caretaker@a.example"]


# --- The item-expiring reminder -------------------------------------------------------------------------

def test_an_expiring_listing_is_announced_once_to_the_owner_side(app, setup):
    today = oslo_date(NOW)
    later = make_item(setup.caretaker_a, "office_chair", advertise_until=today + timedelta(days=5), now=NOW)
    soon = make_item(setup.admin_a, "office_chair", title="Pulter", advertise_until=today + timedelta(days=2),
                     now=NOW)
    in_b = make_item(setup.caretaker_b, "office_chair", advertise_until=today + timedelta(days=1), now=NOW)
    db.session.commit()

    assert listings.remind_expiring_items(NOW) == 2  # soon (A) and the one in B
    db.session.commit()
    assert listings.remind_expiring_items(NOW + timedelta(minutes=5)) == 0
    db.session.commit()
    told = db.session.execute(select(Notification.user_id, Notification.link)
                              .where(Notification.kind == "item_expiring")).all()
    assert sorted(told) == sorted([(setup.caretaker_a.id, f"/items/{soon.id}"),
                                   (setup.admin_a.id, f"/items/{soon.id}"),
                                   (setup.caretaker_b.id, f"/items/{in_b.id}")])  # B has no admin

    services.send_pending_email(NOW)
    admin_mail = next(m for m in outbox(app) if recipients([m]) == ["admin@a.example"])
    assert "Pulter" in admin_mail["Subject"]

    # Three days on, `later` is two days from its end; and a new end date earns a new reminder.
    assert listings.remind_expiring_items(NOW + timedelta(days=3)) == 1
    db.session.commit()
    assert listings.remind_expiring_items(NOW + timedelta(days=3, minutes=5)) == 0
    listings.update_item(setup.admin_a, soon,
                         item_input(title="Pulter", advertise_until=today + timedelta(days=4)))
    db.session.commit()
    assert listings.remind_expiring_items(NOW + timedelta(days=3, minutes=10)) == 1


def test_describe_item_expiring_in_both_languages(app):
    from flask_babel import force_locale

    notification = Notification(kind="item_expiring", data={"title": "Pulter", "until": "2026-12-03"})
    with force_locale("en"):
        assert services.describe(notification) == ("The listing “Pulter” ends December 3, 2026. Extend the "
                                                   "date, or withdraw it if it is gone.")
    with force_locale("nb"):
        assert "3. desember 2026" in services.describe(notification)


# --- SMTP -----------------------------------------------------------------------------------------------

class FakeSMTP:
    """Stands in for smtplib.SMTP: records what the transport does; ``refuse`` addresses get a 550."""

    instances: list = []
    refuse: set = set()
    unreachable = False

    def __init__(self, host, port, timeout):
        if FakeSMTP.unreachable:
            raise ConnectionRefusedError(111, "Connection refused")
        self.calls = [("connect", host, port, timeout)]
        FakeSMTP.instances.append(self)

    def ehlo(self):
        self.calls.append(("ehlo",))

    def starttls(self, context):
        self.calls.append(("starttls", context.verify_mode))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        address = message["To"].addresses[0].addr_spec
        if address in FakeSMTP.refuse:
            raise smtplib.SMTPRecipientsRefused({address: (550, b"No such user")})
        self.calls.append(("send", address))

    def quit(self):
        self.calls.append(("quit",))

    def close(self):
        self.calls.append(("close",))


@pytest.fixture
def fake_smtp(app, monkeypatch):
    FakeSMTP.instances, FakeSMTP.refuse, FakeSMTP.unreachable = [], set(), False
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    for key, value in {"MAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.kommune.example", "SMTP_PORT": 587,
                       "SMTP_USERNAME": "ombruk", "SMTP_PASSWORD": "hemmelig", "SMTP_TIMEOUT": 7}.items():
        monkeypatch.setitem(app.config, key, value)
    return FakeSMTP


def test_smtp_sends_over_starttls_on_one_connection(app, setup, fake_smtp):
    import ssl

    reserve(setup.member_b, setup.chairs)
    assert services.send_pending_email(NOW).emails == 2
    assert len(fake_smtp.instances) == 1
    calls = fake_smtp.instances[0].calls
    assert calls[:5] == [("connect", "smtp.kommune.example", 587, 7), ("ehlo",),
                         ("starttls", ssl.CERT_REQUIRED), ("ehlo",),
                         ("login", "ombruk", "hemmelig")]  # TLS before the password goes out
    assert sorted(calls[5:7]) == [("send", "admin@a.example"), ("send", "caretaker@a.example")]
    assert calls[7:] == [("quit",)]
    assert outbox(app) == []


def test_a_refused_recipient_is_retried_and_others_go_through(app, setup, fake_smtp):
    fake_smtp.refuse = {"admin@a.example"}
    reserve(setup.member_b, setup.chairs)
    report = services.send_pending_email(NOW)
    assert (report.emails, report.failed) == (1, 1)
    fake_smtp.refuse = set()
    assert services.send_pending_email(NOW + timedelta(minutes=5)).emails == 1
    sent = [call[1] for smtp in fake_smtp.instances for call in smtp.calls if call[0] == "send"]
    assert sorted(sent) == ["admin@a.example", "caretaker@a.example"]


def test_an_unreachable_server_does_not_stop_the_tick(app, setup, fake_smtp, runner):
    fake_smtp.unreachable = True
    reserve(setup.member_b, setup.chairs)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "Sent 0 e-mail(s) about 0 notification(s); 1 could not be sent" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Notification.emailed_at.is_(None))) == 2
    fake_smtp.unreachable = False
    result = runner.invoke(args=["tick"])
    assert "Sent 2 e-mail(s) about 2 notification(s)." in result.output


# --- Configuration --------------------------------------------------------------------------------------

def test_production_refuses_to_start_without_an_smtp_host(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))
    for name in ("MARKETPLACE_SMTP_HOST", "MARKETPLACE_MAIL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    settings = {"ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    with pytest.raises(ConfigurationError, match="MARKETPLACE_SMTP_HOST"):
        create_app(settings)
    assert create_app({**settings, "SMTP_HOST": "smtp.kommune.example"}).config["MAIL_BACKEND"] == "smtp"
    assert create_app({**settings, "MAIL_BACKEND": "outbox"}).config["MAIL_BACKEND"] == "outbox"
    with pytest.raises(ConfigurationError, match="MARKETPLACE_MAIL_BACKEND"):
        create_app({**settings, "MAIL_BACKEND": "pigeon"})


def test_development_writes_to_the_outbox_by_default(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path))
    for name in ("MARKETPLACE_MAIL_BACKEND", "MARKETPLACE_MAIL_OUTBOX", "MARKETPLACE_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    config = create_app({"SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}).config
    assert config["MAIL_BACKEND"] == "outbox" and config["MAIL_OUTBOX"] == str(tmp_path / "outbox")
    assert config["BASE_URL"] == "http://127.0.0.1:5000"
    assert config["SMTP_PORT"] == 587 and config["SMTP_STARTTLS"] is True
