import pytest

from marketplace.accounts import services as accounts
from marketplace.db import db
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Municipality
from tests.conftest import fresh, login


def test_welcome_page_for_visitors(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'href="/login"' in page.get_data(as_text=True)


def test_home_shows_my_municipality_unit_and_network(client, region):
    login(client, "member@a.example")
    html = client.get("/").get_data(as_text=True)
    assert "Member" in html and "A kommune" in html and "A skole" in html and "Vest-nettverket" in html
    assert "B kommune" in html and "Hjelpen" in html  # the network neighbours
    assert "C kommune" not in html  # another network


def test_home_names_the_first_neighbours_of_a_large_network_and_counts_the_rest(client, region):
    for number in range(13):
        organisations.create_organisation(Municipality, f"kommune-x{number:02}", f"X{number:02} kommune",
                                          networks=[region.vest])
    db.session.commit()
    login(client, "member@a.example")
    html = client.get("/").get_data(as_text=True)
    assert "B kommune" in html and "X09 kommune" in html  # the first twelve by name: B, Hjelpen, X00–X09
    assert "X10 kommune" not in html and "og 3 andre" in html


def test_list_item_shortcut_only_for_those_who_may_list(client, region, web_app):
    login(client, "member@a.example")
    caretaker = web_app.test_client()
    login(caretaker, "caretaker@a.example")
    caretaker.post("/language", data={"locale": "en"})
    client.post("/language", data={"locale": "en"})
    assert "List a surplus item" in caretaker.get("/").get_data(as_text=True)
    assert "List a surplus item" not in client.get("/").get_data(as_text=True)


def test_site_admin_without_municipality_sees_home(client, region):
    login(client, "root@site.example")
    assert client.get("/").status_code == 200


def test_language_switch_is_remembered_for_the_user(client, region, web_app):
    login(client, "member@a.example")
    assert '<html lang="nb">' in client.get("/").get_data(as_text=True)
    response = client.post("/language", data={"locale": "en", "next": "/account/password"})
    assert response.headers["Location"] == "/account/password"
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    fresh()
    assert accounts.find_user_by_email("member@a.example").locale == "en"
    other_device = web_app.test_client()
    login(other_device, "member@a.example")
    assert '<html lang="en">' in other_device.get("/").get_data(as_text=True)


@pytest.mark.parametrize("locale", ["de", "", "nb'><script>"])
def test_unknown_language_is_a_clear_400(client, locale):
    assert client.post("/language", data={"locale": locale}).status_code == 400


def test_language_switch_next_stays_on_site(client):
    response = client.post("/language", data={"locale": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/accessibility", "/privacy"])
def test_information_pages_are_public_and_linked_from_the_footer(client, path):
    assert client.get(path).status_code == 200
    assert f'href="{path}"' in client.get("/login").get_data(as_text=True)


def test_home_cards_show_each_item_s_first_photo_read_with_the_rows(client, region, catalogue):
    from marketplace.listings import services as listings
    from tests.factories import jpeg_bytes, make_item

    with_photos = make_item(region.caretaker_a, title="Stol med bilder")
    first, second = (listings.upload_photo(region.caretaker_a, jpeg_bytes(colour=colour), item=with_photos)
                     for colour in ((200, 0, 0), (0, 0, 200)))
    first.position, second.position = 1, 0  # reordered: the second upload is now the item's first photo
    make_item(region.caretaker_a, title="Bord uten bilde")
    db.session.commit()
    login(client, "member@a.example")
    html = client.get("/").get_data(as_text=True)
    card = html[html.index("Stol med bilder") - 600:html.index("Stol med bilder")]
    assert f"/photos/{second.id}/thumb" in card and f"/photos/{first.id}/" not in card
    bare = html[html.index("Bord uten bilde") - 400:html.index("Bord uten bilde")]
    assert "item-card__photo--none" in bare and "/thumb" not in bare.split("item-card__link")[-1]
