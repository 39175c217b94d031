"""Items shown as cards a bounded number at a time: "our listings" page by page (marketplace/listings/lists.py)."""

import re
from decimal import Decimal

import pytest

from marketplace.db import db
from marketplace.listings import lists, services
from marketplace.listings.models import Item, ItemOffer, ItemStatus, MeasureUnit
from marketplace.locations import services as locations
from marketplace.locations.models import LocationKind
from tests.conftest import fresh, login
from tests.factories import jpeg_bytes, make_item


@pytest.fixture
def ours(region, catalogue):
    """Five listings of A (one a draft) changed one after the other, and one of B."""
    items = [make_item(region.caretaker_a, title=f"A-stol {number}", publish=number != 2) for number in range(5)]
    make_item(region.caretaker_b, title="B-stol")
    db.session.commit()
    return region, items


def test_our_listings_come_a_page_at_a_time_each_once_last_changed_first(ours):
    region, items = ours
    pages = [lists.my_municipality_items(region.caretaker_a, page=page, per_page=2) for page in (1, 2, 3)]
    assert [page.total for page in pages] == [5, 5, 5] and [page.last_page for page in pages] == [3, 3, 3]
    shown = [card.id for page in pages for card in page.rows]
    assert shown == [item.id for item in sorted(items, key=lambda item: (item.updated_at, item.id), reverse=True)]
    assert lists.my_municipality_items(region.caretaker_a, page=9, per_page=2).rows == pages[2].rows  # the last
    drafts = lists.my_municipality_items(region.caretaker_a, [ItemStatus.DRAFT], per_page=2)
    assert [card.id for card in drafts.rows] == [items[2].id] and drafts.total == 1
    assert {card.municipality_name for page in pages for card in page.rows} == {region.a.name}


def test_cards_of_our_listings_read_the_first_photo_with_the_rows(ours):
    region, items = ours
    photo = services.upload_photo(region.caretaker_a, jpeg_bytes(), item=items[0])
    db.session.commit()
    found = {card.id: card.thumbnail_id for card in lists.my_municipality_items(region.caretaker_a).rows}
    assert found[items[0].id] == photo.id and found[items[1].id] == 0


def test_our_listings_page_pages_and_keeps_the_status(client, ours, monkeypatch):
    monkeypatch.setattr(lists, "OURS_PER_PAGE", 2)
    login(client, "caretaker@a.example")
    first = client.get("/items/ours").get_data(as_text=True)
    assert "Viser 1–2 av 5" in first and "Side 1 av 3" in first and 'href="/items/ours?page=2"' in first
    assert "B-stol" not in first
    titles = [re.findall(r'item-card__title">([^<]+)<', client.get(f"/items/ours?page={page}").get_data(as_text=True))
              for page in (1, 2, 3)]
    assert sorted(title for page in titles for title in page) == [f"A-stol {number}" for number in range(5)]
    badges = [re.findall(r'badge--(\w+)">([^<]+)<', client.get(f"/items/ours?page={page}").get_data(as_text=True))
              for page in (1, 2, 3)]  # each card's status, in words
    assert sorted(badge for page in badges for badge in page) == [("draft", "Utkast")] + [("published", "Publisert")] * 4
    published = client.get("/items/ours?status=published&page=2").get_data(as_text=True)
    assert "Side 2 av 2" in published and 'href="/items/ours?status=published"' in published  # page 1: no number
    for nonsense in ("abc", "0", "-1", "99999999999999999999", "2.5"):
        response = client.get(f"/items/ours?page={nonsense}")
        assert response.status_code == 200 and "Side 1 av 3" in response.get_data(as_text=True)
    assert "Side 3 av 3" in client.get("/items/ours?page=40").get_data(as_text=True)


def test_a_card_read_as_a_row_is_the_card_of_the_loaded_item(region, catalogue):
    """``cards`` reads plain rows; ``Card.of`` makes the card of an item already loaded (a wanted notice's
    matches): both show the same, whatever the item has of photo, place and offer."""
    store = locations.create_location(region.admin_a, region.a, locations.LocationInput("Ombrukslageret",
                                                                                       LocationKind.STORE))
    at_store = make_item(region.caretaker_a, title="Stoler på lageret", unit=region.school_a, location=store)
    at_school = make_item(region.caretaker_a, title="Stoler på skolen", unit=region.school_a)
    lent = make_item(region.caretaker_a, "tablet", title="Nettbrett til utlån", offer=ItemOffer.LEND, loan_days=14,
                     quantity=Decimal(3))
    photo = services.upload_photo(region.caretaker_a, jpeg_bytes(), item=lent)
    db.session.commit()
    ids = [lent.id, at_store.id, at_school.id]
    read = lists.cards(ids + [999_999])  # an id not found is left out
    fresh()
    assert read == [lists.Card.of(db.session.get(Item, item_id)) for item_id in ids]
    assert [(card.place, card.thumbnail_id, card.lent) for card in read] == [
        ("A depot", photo.id, True), ("Ombrukslageret", 0, False), ("A skole", 0, False)]  # the caretaker's unit
    assert read[0].loan_days == 14 and read[0].unit == MeasureUnit.PIECE and read[0].municipality_name == "A kommune"
    assert lists.cards([]) == []
