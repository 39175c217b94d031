"""Policy: a municipality may require a safety-check note before an electrical (ICT) item is published."""

import pytest
from sqlalchemy import func, select

from marketplace.admin import services as admin
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.listings import services as listings
from marketplace.listings.models import Item, ItemStatus
from marketplace.organisations import services
from tests.conftest import fresh, login
from tests.factories import item_input, make_item

RULES = {"network_share_days": "3", "hold_days": "5", "pickup_grace_days": "2", "waitlist_offer_hours": "48",
         "displacement_unknown": "0.7"}


@pytest.fixture
def strict(region, catalogue):
    admin.update_listing_policy(region.admin_a, region.a, electrical_safety_note_required=True)
    db.session.commit()
    return region


def test_an_electrical_item_needs_the_note_to_be_published(strict):
    with pytest.raises(listings.ListingError) as refused:
        make_item(strict.caretaker_a, "laptop")
    assert "safety_check_note" in refused.value.errors
    laptop = make_item(strict.caretaker_a, "laptop", safety_check_note="Kari N. checked cable and PSU, 2026-11-28")
    assert laptop.status == ItemStatus.PUBLISHED
    assert make_item(strict.caretaker_a, "office_chair").status == ItemStatus.PUBLISHED  # furniture: no note
    assert make_item(strict.caretaker_a, "laptop", publish=False).status == ItemStatus.DRAFT  # drafts are fine
    with pytest.raises(listings.ListingError):  # a published item cannot lose its note
        listings.update_item(strict.caretaker_a, laptop, item_input("laptop", safety_check_note="  "))


def test_other_municipalities_are_not_bound(strict):
    assert make_item(strict.caretaker_b, "laptop").status == ItemStatus.PUBLISHED


def test_only_the_admin_sets_the_rule(region):
    with pytest.raises(Forbidden):
        admin.update_listing_policy(region.caretaker_a, region.a, electrical_safety_note_required=True)
    with pytest.raises(Forbidden):
        admin.update_listing_policy(region.admin_a, region.b, electrical_safety_note_required=True)


def test_the_rule_on_the_sharing_page(client, region, catalogue):
    login(client, "admin@a.example")
    html = client.get("/admin/sharing").get_data(as_text=True)
    assert 'name="electrical_safety_note_required"' in html
    assert client.post("/admin/sharing", data={**RULES, "electrical_safety_note_required": "y"}).status_code == 303
    fresh()
    assert services.find_municipality("kommune-a").electrical_safety_note_required
    assert client.post("/admin/sharing", data={**RULES, "hold_days": "0",
                                               "electrical_safety_note_required": ""}).status_code == 400
    fresh()
    assert services.find_municipality("kommune-a").electrical_safety_note_required  # a 400 changes nothing


def test_the_listing_form_asks_for_the_note(client, strict):
    login(client, "caretaker@a.example")
    data = {"title": "Bærbar PC", "category": "laptop", "condition": "good", "quantity": "3",
            "publish": "1"}
    refused = client.post("/items/new", data=data)
    assert refused.status_code == 400 and 'id="safety_check_note-error"' in refused.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
    assert client.post("/items/new", data={**data, "safety_check_note": "Sjekket av Kari"}).status_code in (302, 303)
    fresh()
    assert db.session.scalar(select(Item.safety_check_note)) == "Sjekket av Kari"


def test_the_api_asks_for_the_note_too(client, strict):
    from marketplace.api.services import create_token

    secret = create_token(strict.caretaker_a, "test").secret
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"title": "Bærbar PC", "category": "laptop", "condition": "good", "quantity": "3"}
    refused = client.post("/api/v1/items", json=body, headers=headers)
    assert refused.status_code == 422 and "safety_check_note" in refused.get_json()["error"]["fields"]
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
    created = client.post("/api/v1/items", json={**body, "safety_check_note": "Sjekket"}, headers=headers)
    assert created.status_code == 201 and created.get_json()["safety_check_note"] == "Sjekket"


def test_the_edit_page_keeps_the_note(client, strict):
    """The edit form shows the item's note, so saving a change neither loses it nor is refused for lack of it."""
    laptop = make_item(strict.caretaker_a, "laptop", safety_check_note="Sjekket av Kari")
    db.session.commit()
    login(client, "caretaker@a.example")
    assert "Sjekket av Kari</textarea>" in client.get(f"/items/{laptop.id}/edit").get_data(as_text=True)
