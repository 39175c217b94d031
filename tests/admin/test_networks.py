"""Network administration: members, partners and their people, policy defaults; one network's admin never
reaches another network."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.admin import networks as network_admin
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Conflict, NotVisible
from marketplace.organisations import services
from marketplace.organisations.models import Municipality, PartnerOrganisation
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import fresh, login
from tests.factories import make_item

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
POLICY = {"network_share_days": 0, "partner_share_days": None, "hold_days": 9, "pickup_grace_days": 4,
          "waitlist_offer_hours": 12, "displacement_unknown": Decimal("0.5")}
POLICY_FORM = {"network_share_days": "0", "hold_days": "9", "pickup_grace_days": "4", "waitlist_offer_hours": "12",
               "displacement_unknown": "0,5"}


def actions():
    return [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


# --- services -------------------------------------------------------------------------------------------------

def test_a_network_admin_administers_only_their_network(region):
    assert network_admin.administered_networks(region.network_admin) == [region.vest]
    assert [n.slug for n in network_admin.administered_networks(region.site_admin)] == ["nord", "vest"]
    assert network_admin.administered_networks(region.admin_a) == []
    assert network_admin.administered_network(region.network_admin, "vest") == region.vest
    for slug in ("nord", "nowhere"):
        with pytest.raises(NotVisible):
            network_admin.administered_network(region.network_admin, slug)
    with pytest.raises(NotVisible):
        network_admin.network_member(region.network_admin, region.vest, "kommune-c")
    for outsider in (region.admin_a, region.member_a):
        with pytest.raises(NotVisible):
            network_admin.network_overview(outsider, region.vest)
    with pytest.raises(NotVisible):
        network_admin.remove_from_network(region.network_admin, region.nord, region.c)
    with pytest.raises(NotVisible):
        network_admin.update_network_policy(region.network_admin, region.nord, **POLICY)


def test_overview_counts_users_units_and_listings(region, catalogue):
    make_item(region.caretaker_a)
    make_item(region.caretaker_a, publish=False)
    rows = {row.organisation.slug: row for row in network_admin.network_overview(region.network_admin, region.vest)}
    assert set(rows) == {"kommune-a", "kommune-b", "hjelpen"}
    assert (rows["kommune-a"].users, rows["kommune-a"].units, rows["kommune-a"].listed) == (5, 2, 1)
    assert (rows["kommune-b"].users, rows["kommune-b"].units, rows["kommune-b"].listed) == (2, 1, 0)
    assert rows["hjelpen"].users == 1


def test_policy_defaults_apply_to_municipalities_created_in_or_joining_the_network(region):
    network_admin.update_network_policy(region.network_admin, region.vest, **POLICY)
    assert region.vest.hold_days == 9 and region.vest.partner_share_days is None
    assert region.a.hold_days == 5  # members keep the rules they have
    created = network_admin.create_in_network(region.network_admin, region.vest, Municipality, "kommune-d", "D kommune")
    assert (created.network_share_days, created.partner_share_days, created.hold_days, created.pickup_grace_days,
            created.waitlist_offer_hours, created.displacement_unknown) == (0, None, 9, 4, 12, Decimal("0.500"))
    assert created.networks == [region.vest]

    orphan = services.create_organisation(Municipality, "kommune-e", "E kommune")
    assert orphan.hold_days == 5
    network_admin.add_to_network(region.network_admin, region.vest, orphan)
    assert orphan.hold_days == 9 and orphan.networks == [region.vest]
    assert actions()[-3:] == ["network_policy_changed", "network_member_created", "network_member_added"]


def test_a_municipality_staying_in_another_network_keeps_its_rules(region):
    network_admin.update_network_policy(region.site_admin, region.vest, **POLICY)
    network_admin.add_to_network(region.site_admin, region.vest, region.c)
    assert region.c.hold_days == 5 and set(region.c.networks) == {region.vest, region.nord}


def test_a_network_admin_cannot_take_a_municipality_from_another_network(region):
    assert region.c not in network_admin.joinable_organisations(region.network_admin, region.vest, Municipality)
    with pytest.raises(NotVisible):
        network_admin.add_to_network(region.network_admin, region.vest, region.c)
    assert region.c.networks == [region.nord]
    assert region.c in network_admin.joinable_organisations(region.site_admin, region.vest, Municipality)
    with pytest.raises(services.OrganisationError):
        network_admin.add_to_network(region.network_admin, region.vest, region.a)  # already a member


def test_bad_input_changes_nothing(region):
    for bad in ({"hold_days": 0}, {"displacement_unknown": Decimal("1.5")}, {"network_share_days": -1},
                {"partner_share_days": 400}, {"displacement_unknown": "many"}):
        with pytest.raises(services.OrganisationError):
            network_admin.update_network_policy(region.network_admin, region.vest, **{**POLICY, **bad})
    assert region.vest.hold_days == 5
    for slug, name in (("Bad Slug", "X"), ("kommune-a", "Again"), ("ok", "  ")):
        with pytest.raises(services.OrganisationError):
            network_admin.create_in_network(region.network_admin, region.vest, Municipality, slug, name)


def test_removing_a_member_stops_sharing_and_waits_for_open_reservations(region, catalogue):
    chairs = make_item(region.caretaker_a, now=T0)
    reservation = reservations.reserve(region.member_b, chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                                       now=T0 + timedelta(days=4))
    assert network_admin.open_reservations_lost(region.b, []) == 1
    assert network_admin.open_reservations_lost(region.b, [region.vest]) == 0
    with pytest.raises(Conflict):
        network_admin.remove_from_network(region.network_admin, region.vest, region.b)
    assert region.vest in region.b.networks
    reservations.cancel(region.member_b, reservation, now=T0 + timedelta(days=5))
    network_admin.remove_from_network(region.network_admin, region.vest, region.b)
    assert region.b.networks == [] and region.b not in region.vest.organisations
    assert actions()[-1] == "network_member_removed"
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.municipality_id == region.b.id and event.details["network"] == "vest"


def test_partner_users_only_for_the_partners_network(region):
    people = network_admin.partner_users(region.network_admin, region.vest, region.partner)
    assert [(m.user.email, m.role) for m in people] == [("helper@hjelpen.example", "member")]
    nord_admin = _nord_admin(region)
    with pytest.raises(NotVisible):
        network_admin.partner_users(nord_admin, region.vest, region.partner)
    with pytest.raises(NotVisible):
        network_admin.partner_users(nord_admin, region.nord, region.partner)


def _nord_admin(region):
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    return make_user("coordinator@nord.example", Role.NETWORK_ADMIN, network=region.nord)


# --- pages ----------------------------------------------------------------------------------------------------

NETWORK_PAGES = ["/admin/networks/vest", "/admin/networks/vest/add/municipality", "/admin/networks/vest/add/partner",
                 "/admin/networks/vest/policy", "/admin/networks/vest/partners/hjelpen",
                 "/admin/networks/vest/members/kommune-b/remove"]


@pytest.mark.parametrize("email, status", [("coordinator@vest.example", 200), ("root@site.example", 200),
                                           ("admin@a.example", 404), ("member@a.example", 404),
                                           ("helper@hjelpen.example", 404), ("coordinator@nord.example", 404)])
def test_network_pages_for_the_network_admin_only(client, region, email, status):
    _nord_admin(region)
    db.session.commit()
    login(client, email)
    assert {path: client.get(path).status_code for path in NETWORK_PAGES} == dict.fromkeys(NETWORK_PAGES, status)


def test_network_list_redirects_a_single_network_admin_and_refuses_others(client, region):
    login(client, "coordinator@vest.example")
    response = client.get("/admin/networks")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/networks/vest")
    other = client.application.test_client()
    login(other, "admin@a.example")
    assert other.get("/admin/networks").status_code == 403


def test_the_menu_links_the_network_pages(client, region):
    login(client, "coordinator@vest.example")
    assert 'href="/admin/networks"' in client.get("/").get_data(as_text=True)
    member = client.application.test_client()
    login(member, "member@a.example")
    assert 'href="/admin/networks"' not in member.get("/").get_data(as_text=True)


def test_overview_page_shows_members_and_hides_other_networks(client, region):
    login(client, "coordinator@vest.example")
    html = client.get("/admin/networks/vest").get_data(as_text=True)
    assert "A kommune" in html and "B kommune" in html and "Hjelpen" in html and "C kommune" not in html


def test_create_and_add_members_through_the_pages(client, region):
    login(client, "coordinator@vest.example")
    response = client.post("/admin/networks/vest/add/municipality/new",
                           data={"new-name": "D kommune", "new-slug": "kommune-d", "new-org_number": "123456789"})
    assert response.status_code == 303
    assert client.post("/admin/networks/vest/add/municipality/new",
                       data={"new-name": "E kommune", "new-slug": "Bad slug"}).status_code == 400
    assert client.post("/admin/networks/vest/add/partner/new",
                       data={"new-name": "F", "new-slug": "f", "new-org_number": "12"}).status_code == 400
    assert client.post("/admin/networks/vest/add/partner/new",
                       data={"new-name": "Kirkens hjelp", "new-slug": "kirkens-hjelp"}).status_code == 303
    # Another network's municipality is not a choice: 400, nothing changed.
    assert client.post("/admin/networks/vest/add/municipality/existing",
                       data={"join-organisation": "kommune-c"}).status_code == 400
    fresh()
    assert services.find_municipality("kommune-d").networks[0].slug == "vest"
    assert services.find_municipality("kommune-d").org_number == "123456789"
    assert isinstance(services.find_organisation("kirkens-hjelp"), PartnerOrganisation)
    assert services.find_organisation("f") is None and services.find_organisation("bad-slug") is None
    assert [n.slug for n in services.find_municipality("kommune-c").networks] == ["nord"]
    # Out and back in again.
    assert client.post("/admin/networks/vest/members/kommune-d/remove").status_code == 303
    fresh()
    assert services.find_municipality("kommune-d").networks == []
    assert client.post("/admin/networks/vest/add/municipality/existing",
                       data={"join-organisation": "kommune-d"}).status_code == 303
    fresh()
    assert [n.slug for n in services.find_municipality("kommune-d").networks] == ["vest"]


def test_another_networks_admin_changes_nothing(client, region):
    _nord_admin(region)
    db.session.commit()
    login(client, "coordinator@nord.example")
    assert client.post("/admin/networks/vest/members/kommune-b/remove").status_code == 404
    assert client.post("/admin/networks/vest/policy", data=POLICY_FORM).status_code == 404
    assert client.post("/admin/networks/vest/add/municipality/new",
                       data={"new-name": "D kommune", "new-slug": "kommune-d"}).status_code == 404
    assert client.post("/admin/networks/nord/members/kommune-a/remove").status_code == 404
    assert client.post("/admin/networks/vest/name", data={"rename-name": "Mine"}).status_code == 404
    fresh()
    vest = services.find_network("vest")
    assert {org.slug for org in vest.organisations} == {"kommune-a", "kommune-b", "hjelpen"}
    assert vest.hold_days == 5 and vest.name == "Vest-nettverket"


def test_removal_page_refuses_while_reservations_are_open(client, region, catalogue):
    chairs = make_item(region.caretaker_a, now=T0)
    reservations.reserve(region.member_b, chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                         now=T0 + timedelta(days=4))
    db.session.commit()
    login(client, "coordinator@vest.example")
    page = client.get("/admin/networks/vest/members/kommune-b/remove").get_data(as_text=True)
    assert 'id="open-reservations"' in page
    assert client.post("/admin/networks/vest/members/kommune-b/remove").status_code == 409
    fresh()
    assert [n.slug for n in services.find_municipality("kommune-b").networks] == ["vest"]


def test_policy_page(client, region):
    login(client, "coordinator@vest.example")
    assert client.post("/admin/networks/vest/policy", data={**POLICY_FORM, "hold_days": "0"}).status_code == 400
    assert client.post("/admin/networks/vest/policy",
                       data={**POLICY_FORM, "displacement_unknown": "2"}).status_code == 400
    fresh()
    assert services.find_network("vest").hold_days == 5
    assert client.post("/admin/networks/vest/policy",
                       data={**POLICY_FORM, "partners_allowed": "y", "partner_share_days": "7"}).status_code == 303
    fresh()
    vest = services.find_network("vest")
    assert (vest.network_share_days, vest.partner_share_days, vest.hold_days, vest.displacement_unknown) == \
        (0, 7, 9, Decimal("0.500"))
    assert client.post("/admin/networks/vest/policy", data=POLICY_FORM).status_code == 303
    fresh()
    assert services.find_network("vest").partner_share_days is None


def test_partner_page_lists_its_people_read_only(client, region):
    login(client, "coordinator@vest.example")
    page = client.get("/admin/networks/vest/partners/hjelpen")
    assert page.status_code == 200 and "helper@hjelpen.example" in page.get_data(as_text=True)
    assert client.get("/admin/networks/vest/partners/kommune-a").status_code == 404  # not a partner
    assert client.post("/admin/networks/vest/partners/hjelpen").status_code == 405
