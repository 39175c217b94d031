"""The accessibility statement: a default from the code, editable by site admins, public, always escaped."""

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.pages import services
from tests.conftest import fresh, login


def test_the_default_statement_is_public(client):
    page = client.get("/accessibility")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h2>" in html and "uutilsynet.no" in html and 'id="statement-updated"' not in html


def test_rendering_is_a_small_safe_subset():
    html = services.render_statement("Lead <b>bold</b>\n\n## Heading & more\n- one\n- <script>two</script>\n\nText\nwraps")
    assert html == ('<p class="lead">Lead &lt;b&gt;bold&lt;/b&gt;</p>\n<h2>Heading &amp; more</h2>\n'
                    "<ul><li>one</li><li>&lt;script&gt;two&lt;/script&gt;</li></ul>\n<p>Text wraps</p>")


def test_only_site_admins_change_it_and_bad_text_changes_nothing(region):
    for actor in (region.network_admin, region.admin_a):
        with pytest.raises(Forbidden):
            services.update_accessibility_statement(actor, "Mine")
    for bad in ("", "   \n ", "x" * (services.MAX_STATEMENT_CHARS + 1), "bell\x07"):
        with pytest.raises(services.StatementError):
            services.update_accessibility_statement(region.site_admin, bad)
    assert services.accessibility_statement().stored is False
    services.update_accessibility_statement(region.site_admin, "Ny erklæring\r\n\r\n## Kontakt")
    statement = services.accessibility_statement()
    assert statement.text == "Ny erklæring\n\n## Kontakt" and statement.updated_by == region.site_admin
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "accessibility_statement_changed")).one()
    assert event.actor_id == region.site_admin.id and event.details == {"characters": len(statement.text)}


def test_edit_page(client, region, web_app):
    login(client, "root@site.example")
    form = client.get("/admin/accessibility").get_data(as_text=True)
    assert 'name="text"' in form and "uutilsynet.no" in form  # starts from the default
    assert client.post("/admin/accessibility", data={"text": "  "}).status_code == 400
    assert client.post("/admin/accessibility", data={"text": "x" * 20_001}).status_code == 400
    fresh()
    assert services.accessibility_statement().stored is False
    response = client.post("/admin/accessibility",
                           data={"text": "Vi svarer innen fem dager.\n\n## Meld fra\n<script>alert(1)</script>"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/accessibility")

    visitor = web_app.test_client()
    html = visitor.get("/accessibility").get_data(as_text=True)
    assert "Vi svarer innen fem dager." in html and "<h2>Meld fra</h2>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert 'id="statement-updated"' in html and "Root" not in html  # when, not who, for the public
    assert 'id="statement-changed"' in client.get("/admin/accessibility").get_data(as_text=True)

    member = web_app.test_client()
    login(member, "admin@a.example")
    assert member.get("/admin/accessibility").status_code == 403
    assert member.post("/admin/accessibility", data={"text": "Hacked"}).status_code == 403
    fresh()
    assert services.accessibility_statement().text.startswith("Vi svarer")
