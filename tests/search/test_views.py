from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.db import db, utcnow
from marketplace.notifications import services as notifications
from marketplace.search import services
from tests.conftest import counting_queries, fresh, login
from tests.factories import make_item


@pytest.fixture
def setup(region, catalogue):
    long_ago = utcnow() - timedelta(days=10)
    for number in range(30):
        make_item(region.caretaker_a, "stackable_chair", title=f"Stablestol nr {number}", quantity=Decimal(number + 1),
                  now=long_ago + timedelta(minutes=number))
    make_item(region.caretaker_b, "desk", title="Skrivebord i eik", now=long_ago)
    db.session.commit()
    return region


def test_search_page_renders_results_facets_and_keeps_the_search_in_the_url(client, setup):
    login(client, "member@b.example")
    page = client.get("/items?q=stabl&condition=good&sort=quantity")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Stablestol nr 29" in html and "Skrivebord i eik" not in html
    assert 'value="stabl"' in html and 'value="good" checked' in html
    assert "(30)" in html  # the count beside a facet value
    assert 'rel="next"' in html and "q=stabl" in html.split('rel="next"')[0].rsplit("href=", 1)[1]


def test_query_count_does_not_grow_with_the_page_size(client, setup, web_app):
    login(client, "member@b.example")
    client.get("/items?per_page=12")  # warm up: the user and caches
    with counting_queries(web_app) as small:
        client.get("/items?per_page=12&q=stol")
    with counting_queries(web_app) as large:
        client.get("/items?per_page=48&q=stol")
    assert len(small) == len(large) <= 15  # the page is read as its ids first, then the rows of those ids


@pytest.mark.parametrize("query", ["?q=%22*()%3A%5E-", "?page=1000000000", "?q=" + "a" * 3000,
                                   "?min_quantity=1e999", "?unit=-1&municipality=x", "?q=%C3%28"])
def test_hostile_search_urls_never_fail(client, setup, query):
    login(client, "member@a.example")
    assert client.get("/items" + query).status_code == 200


@pytest.mark.parametrize("query", ["?category=%00", "?q=stol%00"])
def test_nul_bytes_are_a_clear_400(client, setup, query):
    login(client, "member@a.example")
    assert client.get("/items" + query).status_code == 400


def test_save_a_search_and_see_it_in_the_inbox(client, setup):
    login(client, "member@b.example")
    response = client.post("/searches", data={"q": "eik", "name": "Eik"})
    assert response.status_code == 303
    assert "Eik" in client.get("/searches").get_data(as_text=True)
    refused = client.post("/searches", data={"name": "Alt"})
    assert refused.status_code == 303 and "/items" in refused.headers["Location"]
    fresh()
    assert len(services.saved_searches(setup.member_b)) == 1
    make_item(setup.caretaker_b, "desk", title="Ny eikepult")
    db.session.commit()
    services.announce_saved_search_matches(utcnow() + timedelta(seconds=1))
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "inbox-link__count" in home
    inbox = client.get("/notifications").get_data(as_text=True)
    assert "Ny eikepult" in inbox
    client.post("/notifications/read")
    fresh()
    assert notifications.unread_count(setup.member_b) == 0


def test_saved_searches_are_private(client, setup, web_app):
    login(client, "member@b.example")
    client.post("/searches", data={"q": "eik"})
    fresh()
    saved = services.saved_searches(setup.member_b)[0]
    other = web_app.test_client()
    login(other, "member@a.example")
    assert other.post(f"/searches/{saved.id}/delete").status_code == 404
    assert "eik" not in other.get("/searches").get_data(as_text=True)


def test_the_search_page_reads_cards_and_other_searches_all_photos(client, setup):
    from marketplace.listings import services as listings
    from tests.factories import jpeg_bytes

    item = make_item(setup.caretaker_a, "desk", title="Hev-senk-pult med bilder")
    first, second = (listings.upload_photo(setup.caretaker_a, jpeg_bytes(colour=colour), item=item)
                     for colour in ((200, 0, 0), (0, 0, 200)))
    first.position, second.position = 1, 0
    db.session.commit()
    login(client, "member@a.example")
    html = client.get("/items?q=pult").get_data(as_text=True)
    card = html[html.index("Hev-senk-pult med bilder") - 600:html.index("Hev-senk-pult med bilder")]
    assert f"/photos/{second.id}/thumb" in card and f"/photos/{first.id}/" not in card
    fresh()
    params = services.SearchParams(q="pult")
    found = services.search(setup.member_a, params).items  # as the API and the notices' matching read it
    assert [photo.id for photo in found[0].photos] == [second.id, first.id]
    fresh()
    assert services.search(setup.member_a, params, cards=True).items[0].thumbnail_id == second.id
