"""Site administration: networks (create, rename) and municipalities (create, move between networks)."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from marketplace.admin import networks as network_admin
from marketplace.errors import Conflict, Forbidden
from marketplace.organisations import services
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import fresh, login
from tests.factories import make_item

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
SITE_PAGES = ["/admin/networks", "/admin/municipalities", "/admin/status", "/admin/accessibility"]


@pytest.mark.parametrize("email", ["coordinator@vest.example", "admin@a.example", "member@a.example",
                                   "helper@hjelpen.example"])
def test_site_pages_refuse_everyone_but_site_admins(client, region, email):
    login(client, email)
    expected = {path: 403 for path in SITE_PAGES}
    if email == "coordinator@vest.example":
        expected["/admin/networks"] = 302  # to their own network
    assert {path: client.get(path).status_code for path in SITE_PAGES} == expected
    assert client.post("/admin/networks", data={"new-name": "Sør", "new-slug": "sor"}).status_code == 403
    assert client.post("/admin/municipalities", data={"new-name": "D", "new-slug": "d",
                                                      "new-network": "vest"}).status_code == 403
    assert client.post("/admin/municipalities/kommune-a/move",
                       data={"move-kommune-a-network": "nord"}).status_code == 403
    fresh()
    assert services.find_network("sor") is None and services.find_organisation("d") is None
    assert [n.slug for n in services.find_municipality("kommune-a").networks] == ["vest"]


def test_site_pages_for_the_site_admin(client, region):
    login(client, "root@site.example")
    assert {path: client.get(path).status_code for path in SITE_PAGES} == dict.fromkeys(SITE_PAGES, 200)
    html = client.get("/").get_data(as_text=True)
    for path in SITE_PAGES:
        assert f'href="{path}"' in html


def test_create_and_rename_networks(client, region):
    login(client, "root@site.example")
    assert client.post("/admin/networks", data={"new-name": "Sør-nettverket", "new-slug": "sor"}).status_code == 303
    assert client.post("/admin/networks", data={"new-name": "Again", "new-slug": "sor"}).status_code == 400
    assert client.post("/admin/networks", data={"new-name": "", "new-slug": "tom"}).status_code == 400
    assert client.post("/admin/networks/sor/name", data={"rename-name": "  "}).status_code == 400
    assert client.post("/admin/networks/sor/name", data={"rename-name": "Sørlandet"}).status_code == 303
    fresh()
    assert services.find_network("sor").name == "Sørlandet" and services.find_network("tom") is None
    coordinator = client.application.test_client()
    login(coordinator, "coordinator@vest.example")
    assert coordinator.post("/admin/networks/vest/name", data={"rename-name": "Mine"}).status_code == 403
    fresh()
    assert services.find_network("vest").name == "Vest-nettverket"


def test_create_and_move_municipalities(client, region):
    login(client, "root@site.example")
    assert client.post("/admin/municipalities", data={"new-name": "D kommune", "new-slug": "kommune-d",
                                                      "new-network": "nord"}).status_code == 303
    assert client.post("/admin/municipalities", data={"new-name": "E kommune", "new-slug": "kommune-e",
                                                      "new-network": "nowhere"}).status_code == 400
    assert client.post("/admin/municipalities/kommune-d/move",
                       data={"move-kommune-d-network": "nowhere"}).status_code == 400
    assert client.post("/admin/municipalities/kommune-d/move",
                       data={"move-kommune-d-network": "nord"}).status_code == 400  # already there
    assert client.post("/admin/municipalities/kommune-x/move",
                       data={"move-kommune-x-network": "nord"}).status_code == 404
    assert client.post("/admin/municipalities/kommune-d/move",
                       data={"move-kommune-d-network": "vest"}).status_code == 303
    fresh()
    assert services.find_organisation("kommune-e") is None
    assert [n.slug for n in services.find_municipality("kommune-d").networks] == ["vest"]


def test_moving_takes_the_new_networks_defaults_and_waits_for_open_reservations(region, catalogue):
    region.nord.hold_days = 11
    chairs = make_item(region.caretaker_a, now=T0)
    reservation = reservations.reserve(region.member_b, chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                                       now=T0 + timedelta(days=4))
    with pytest.raises(Conflict):
        network_admin.move_municipality(region.site_admin, region.b, region.nord)
    with pytest.raises(Forbidden):
        network_admin.move_municipality(region.network_admin, region.c, region.vest)
    reservations.cancel(region.member_b, reservation, now=T0 + timedelta(days=5))
    network_admin.move_municipality(region.site_admin, region.b, region.nord)
    assert region.b.networks == [region.nord] and region.b.hold_days == 11
