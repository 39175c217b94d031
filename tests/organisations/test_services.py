import pytest

from marketplace.admin import services as admin
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.organisations import services
from marketplace.organisations.models import Municipality
from tests.conftest import fresh, login


def test_slugs_and_names_are_checked(app):
    with pytest.raises(services.OrganisationError):
        services.create_network("Bad Slug!", "X")
    network = services.create_network("vest", "Vest")
    with pytest.raises(services.OrganisationError):
        services.create_network("vest", "Again")
    with pytest.raises(services.OrganisationError):
        services.create_organisation(Municipality, "k", "K", networks=[network], org_number="12")
    municipality = services.create_organisation(Municipality, "k", "K kommune", networks=[network])
    services.create_unit(municipality, "Skole")
    with pytest.raises(services.OrganisationError):
        services.create_unit(municipality, "Skole")
    with pytest.raises(services.OrganisationError):
        services.create_unit(municipality, "  ")


def test_network_overview(region):
    overview = services.network_overview(region.a)
    network = region.a.networks[0].name
    # The others of the network, by name (B kommune, Hjelpen); C is in no network with A.
    assert overview == services.NetworkOverview([network], [region.b.name, region.partner.name], 2)
    assert services.network_overview(region.a, limit=1) == services.NetworkOverview([network], [region.b.name], 2)
    assert services.network_overview(region.a, limit=1).more_neighbours == 1 and overview.more_neighbours == 0
    assert services.network_overview(region.c) == services.NetworkOverview([region.nord.name], [], 0)  # alone there


def test_network_overview_of_two_networks_names_both_and_each_neighbour_once(region):
    region.nord.organisations.append(region.a)  # C's network too; B is in both of A's networks from now on
    region.nord.organisations.append(region.b)
    db.session.flush()
    overview = services.network_overview(region.a)
    assert overview.networks == sorted([region.vest.name, region.nord.name])
    assert overview.neighbours == [region.b.name, region.c.name, region.partner.name] and overview.neighbour_count == 3


def test_sharing_policy_only_by_the_municipal_admin(region):
    admin.update_sharing_policy(region.admin_a, region.a, network_share_days=0, partner_share_days=None)
    assert region.a.network_share_days == 0 and region.a.partner_share_days is None
    for outsider in (region.caretaker_a, region.admin_a):
        with pytest.raises(Forbidden):
            admin.update_sharing_policy(outsider, region.b, network_share_days=1, partner_share_days=1)
    with pytest.raises(services.OrganisationError):
        admin.update_sharing_policy(region.admin_a, region.a, network_share_days=-1, partner_share_days=1)


def test_sharing_page(client, region, web_app):
    login(client, "admin@a.example")
    assert client.get("/admin/sharing").status_code == 200
    rules = {"hold_days": "5", "pickup_grace_days": "2", "waitlist_offer_hours": "48", "displacement_unknown": "0.7"}
    assert client.post("/admin/sharing", data={"network_share_days": "-4", **rules}).status_code == 400
    assert client.post("/admin/sharing", data={"network_share_days": "3", **rules,
                                               "displacement_unknown": "1.5"}).status_code == 400
    assert client.post("/admin/sharing", data={"network_share_days": "7", "partners_allowed": "y",
                                               "partner_share_days": "10", **rules, "hold_days": "9",
                                               "displacement_unknown": "0,5"}).status_code == 303
    fresh()
    municipality = services.find_municipality("kommune-a")
    assert (municipality.network_share_days, municipality.partner_share_days) == (7, 10)
    assert (municipality.hold_days, str(municipality.displacement_unknown)) == (9, "0.500")
    client.post("/admin/sharing", data={"network_share_days": "2", **rules})
    fresh()
    assert services.find_municipality("kommune-a").partner_share_days is None
    member = web_app.test_client()
    login(member, "caretaker@a.example")
    assert member.post("/admin/sharing", data={"network_share_days": "0", **rules}).status_code == 403
