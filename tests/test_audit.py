from decimal import Decimal

from tests.conftest import login
from tests.factories import make_item


def test_admins_read_their_municipalitys_audit_log_only(client, region, catalogue, web_app):
    make_item(region.caretaker_a, "office_chair", quantity=Decimal(3))
    make_item(region.caretaker_b, "desk", title="B sitt skrivebord")
    from marketplace.db import db

    db.session.commit()
    login(client, "admin@a.example")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "item_created" in page and "Caretaker" in page
    filtered = client.get("/admin/audit?action=login").get_data(as_text=True)
    assert "item_created" not in filtered.split("<tbody>")[1]
    assert client.get("/admin/audit?page=999999999").status_code == 200
    for email in ("caretaker@a.example", "member@a.example"):
        other = web_app.test_client()
        login(other, email)
        assert other.get("/admin/audit").status_code == 403
    caretaker_b = web_app.test_client()
    login(caretaker_b, "caretaker@b.example")
    assert caretaker_b.get("/admin/audit").status_code == 403


def test_the_audit_log_pages_keep_the_chosen_action(client, region, monkeypatch, web_app):
    from marketplace.admin import services as admin

    monkeypatch.setattr(admin, "AUDIT_PAGE_SIZE", 1)
    login(web_app.test_client(), "admin@a.example")  # each sign-in is an event of A's log
    login(client, "admin@a.example")
    first = client.get("/admin/audit?action=login").get_data(as_text=True)
    assert 'href="/admin/audit?page=2&amp;action=login"' in first and 'rel="prev"' not in first
    second = client.get("/admin/audit?action=login&page=2").get_data(as_text=True)
    assert 'href="/admin/audit?action=login" rel="prev"' in second
