import re

import pytest

from marketplace.accounts.models import EmailPreference
from marketplace.db import db
from marketplace.notifications import services
from tests.conftest import fresh, login
from tests.factories import find_user


def test_the_preference_page_saves_a_choice(client, region):
    login(client, "member@a.example")
    page = client.get("/account/notifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Varsler på e-post" in html
    checked = re.findall(r'<input [^>]*\bchecked\b[^>]*>', html)
    assert len(checked) == 1 and 'value="immediate"' in checked[0]
    response = client.post("/account/notifications", data={"email_notifications": "daily"})
    assert response.status_code == 303 and response.headers["Location"] == "/account/notifications"
    fresh()
    assert find_user("member@a.example").email_notifications == EmailPreference.DAILY
    saved = client.get("/account/notifications").get_data(as_text=True)
    assert "E-postinnstillingene dine er lagret." in saved


@pytest.mark.parametrize("data", [{"email_notifications": "weekly"}, {"email_notifications": ""}, {}])
def test_bad_choices_are_refused_and_change_nothing(client, region, data):
    login(client, "member@a.example")
    response = client.post("/account/notifications", data=data)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True)
    fresh()
    assert find_user("member@a.example").email_notifications == EmailPreference.IMMEDIATE


def test_the_page_needs_a_signed_in_user(client, region):
    assert client.get("/account/notifications").status_code == 302
    assert client.post("/account/notifications", data={"email_notifications": "off"}).status_code == 302
    fresh()
    assert find_user("member@a.example").email_notifications == EmailPreference.IMMEDIATE


def test_the_user_menu_and_the_inbox_link_to_the_page(client, region):
    services.notify(region.member_a, "reservation_message", {"title": "Stoler"}, "/reservations/1")
    db.session.commit()
    login(client, "member@a.example")
    assert 'href="/account/notifications"' in client.get("/").get_data(as_text=True)
    inbox = client.get("/notifications").get_data(as_text=True)
    assert 'href="/account/notifications"' in inbox and "Ny melding om «Stoler»." in inbox
