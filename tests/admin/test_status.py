"""The system status page (site admins) and the record `marketplace tick` leaves for it."""

from datetime import datetime, timezone

from marketplace.db import db, head_revision
from marketplace.errors import Forbidden
from marketplace.admin import site_status
from marketplace.site import services as site
from tests.conftest import fresh, login
from tests.factories import make_item

import pytest


def test_tick_records_its_last_run(app, runner):
    assert site.last_tick() is None
    before = datetime.now(timezone.utc)
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    fresh()
    first = site.last_tick()
    assert first is not None and first.started_at >= before and first.seconds >= 0
    assert set(first.counts) >= {"expired_listings", "lapsed_reservations", "emails"}
    runner.invoke(args=["tick"])
    fresh()
    assert site.last_tick().started_at > first.started_at  # one row, updated


def test_status_is_for_site_admins_only(region):
    for actor in (region.network_admin, region.admin_a, region.member_a):
        with pytest.raises(Forbidden):
            site_status.system_status(actor)


def test_status_reports_versions_migrations_counts_tick_and_mail(region, catalogue):
    make_item(region.caretaker_a)
    make_item(region.caretaker_a, publish=False)
    site.record_tick(datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc), 1.25, emails=4)
    db.session.commit()
    status = site_status.system_status(region.site_admin)
    assert status.database_revision == status.code_revision == head_revision() and status.migrations_current
    assert status.engine in ("sqlite", "postgresql") and status.server_version
    assert status.version not in ("", "unknown")
    assert status.counts == {"networks": 2, "municipalities": 3, "partners": 1, "users": 11, "reuse_events": 0}
    assert status.items_by_status == {"draft": 1, "published": 1}
    assert status.last_tick.seconds == 1.25 and status.last_tick.counts == {"emails": 4}
    assert status.mail["backend"] == "outbox"


def test_mail_summary_never_shows_the_password():
    config = {"MAIL_BACKEND": "smtp", "MAIL_FROM": "x@k.example", "SMTP_HOST": "smtp.k.example", "SMTP_PORT": 587,
              "SMTP_USERNAME": "robot", "SMTP_PASSWORD": "hunter2-secret", "SMTP_STARTTLS": True, "MAIL_OUTBOX": ""}
    summary = site_status.mail_summary(config)
    assert summary["server"] == "smtp.k.example:587" and summary["login"] == "yes"
    assert "hunter2-secret" not in repr(summary) and "robot" not in repr(summary)


def test_status_page_shows_the_last_tick(client, region, runner):
    login(client, "root@site.example")
    html = client.get("/admin/status").get_data(as_text=True)
    assert 'id="last-tick"' in html and "<time" not in html  # never ran
    assert head_revision() in html
    assert runner.invoke(args=["tick"]).exit_code == 0
    html = client.get("/admin/status").get_data(as_text=True)
    assert '<dl class="facts" id="last-tick">' in html and "<time datetime=" in html
    assert "SMTP_PASSWORD" not in html
