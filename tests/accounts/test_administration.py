"""User administration: who may manage whom, role and unit changes, deactivation and erasure."""

import pytest
from sqlalchemy import select

from marketplace.accounts import administration
from marketplace.accounts.models import LoginSession, Role
from marketplace.accounts.permissions import can_manage_users
from marketplace.accounts.services import AccountError, authenticate
from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from tests.conftest import fresh, login
from tests.factories import find_user, make_user

USERS_A = "/admin/organisations/kommune-a/users"


# --- Services -----------------------------------------------------------------------------------------------

def test_who_manages_whose_users(region):
    assert can_manage_users(region.admin_a, region.a) and not can_manage_users(region.admin_a, region.b)
    assert not can_manage_users(region.caretaker_a, region.a) and not can_manage_users(region.member_a, region.a)
    assert can_manage_users(region.network_admin, region.partner)  # the partner is in the network "vest"
    assert not can_manage_users(region.network_admin, region.a)  # municipalities run their own people
    assert not can_manage_users(region.admin_a, region.partner) and not can_manage_users(region.partner_user,
                                                                                           region.partner)
    assert all(can_manage_users(region.site_admin, org) for org in (region.a, region.c, region.partner))


def test_the_list_shows_only_the_organisations_people(region):
    emails = [m.user.email for m in administration.memberships(region.admin_a, region.a)]
    assert sorted(emails) == ["admin@a.example", "caretaker@a.example", "member@a.example", "store@a.example",
                              "transport@a.example"]
    with pytest.raises(Forbidden):
        administration.memberships(region.admin_a, region.b)


def test_another_organisations_user_is_not_found(region):
    with pytest.raises(NotVisible):
        administration.membership_for_admin(region.admin_a, region.a, region.member_b.id)
    with pytest.raises(NotVisible):
        administration.organisation_for_admin(region.admin_a, "kommune-b")
    with pytest.raises(Forbidden):  # own organisation, but no admin
        administration.organisation_for_admin(region.member_a, "kommune-a")


def test_change_role_and_unit(region):
    administration.change_membership(region.admin_a, region.a, region.member_a.id, role="caretaker",
                                     unit_id=region.depot_a.id)
    assert region.member_a.roles == {Role.CARETAKER} and region.member_a.unit == region.depot_a
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "membership_changed")).one()
    assert event.details["role_from"] == "member" and event.details["role_to"] == "caretaker"
    assert event.municipality_id == region.a.id


def test_the_last_admin_cannot_step_down(region):
    for change in (
        lambda: administration.change_membership(region.admin_a, region.a, region.admin_a.id, role="member",
                                                 unit_id=None),
        lambda: administration.set_user_active(region.admin_a, region.a, region.admin_a.id, False),
        lambda: administration.erase_member(region.admin_a, region.a, region.admin_a.id),
    ):
        with pytest.raises((AccountError, Forbidden)):
            change()
    assert region.admin_a.active and region.admin_a.roles == {Role.MUNICIPAL_ADMIN}
    # With a second admin, stepping down is fine.
    make_user("admin2@a.example", Role.MUNICIPAL_ADMIN, region.a)
    administration.change_membership(region.admin_a, region.a, region.admin_a.id, role="member", unit_id=None)
    assert region.admin_a.roles == {Role.MEMBER}


def test_deactivation_ends_sessions_and_sign_in(region):
    signed = authenticate("member@a.example", "correct horse battery", "127.0.0.1")
    assert signed is not None
    administration.set_user_active(region.admin_a, region.a, region.member_a.id, False)
    assert not region.member_a.active
    assert all(s.ended_at is not None for s in db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == region.member_a.id)))
    assert authenticate("member@a.example", "correct horse battery", "127.0.0.2") is None
    administration.set_user_active(region.admin_a, region.a, region.member_a.id, True)
    assert authenticate("member@a.example", "correct horse battery", "127.0.0.3") is not None


def test_the_network_admin_erases_a_partner_user(region):
    administration.erase_member(region.network_admin, region.partner, region.partner_user.id)
    assert region.partner_user.email.endswith("@invalid") and not region.partner_user.active
    with pytest.raises(AccountError):  # erased stays erased
        administration.set_user_active(region.network_admin, region.partner, region.partner_user.id, True)


# --- Pages --------------------------------------------------------------------------------------------------

def test_role_change_takes_effect_at_the_next_request(client, region, web_app):
    member = web_app.test_client()
    login(member, "member@a.example")
    assert member.get("/items/ours").status_code == 403
    login(client, "admin@a.example")
    response = client.post(f"{USERS_A}/{region.member_a.id}", data={"role": "caretaker", "unit": ""})
    assert response.status_code == 303
    assert member.get("/items/ours").status_code == 200  # same session, no new sign-in
    client.post(f"{USERS_A}/{region.member_a.id}", data={"role": "member", "unit": ""})
    assert member.get("/items/ours").status_code == 403


def test_deactivation_signs_the_user_out_at_once(client, region, web_app):
    member = web_app.test_client()
    login(member, "member@a.example")
    assert member.get("/account/password").status_code == 200
    login(client, "admin@a.example")
    assert client.post(f"{USERS_A}/{region.member_a.id}/active", data={"active": "0"}).status_code == 303
    assert member.get("/account/password").status_code == 302  # back to the login page
    assert client.post(f"{USERS_A}/{region.member_a.id}/active", data={"active": "maybe"}).status_code == 400
    assert client.post(f"{USERS_A}/{region.admin_a.id}/active", data={"active": "0"}).status_code == 400
    fresh()
    assert not find_user("member@a.example").active and find_user("admin@a.example").active


@pytest.mark.parametrize("email, status", [
    ("admin@a.example", 200), ("root@site.example", 200),
    ("member@a.example", 403), ("caretaker@a.example", 403),
    ("member@b.example", 404), ("coordinator@vest.example", 404), ("helper@hjelpen.example", 404),
])
def test_who_sees_the_users_page(client, region, email, status):
    login(client, email)
    assert client.get(USERS_A).status_code == status
    assert client.get(f"{USERS_A}/{region.member_a.id}").status_code == status
    assert client.get(f"{USERS_A}/invite").status_code == status
    assert client.get(f"{USERS_A}/{region.member_a.id}/erase").status_code == status


def test_the_users_page_lists_people_and_never_another_municipality(client, region):
    login(client, "admin@a.example")
    html = client.get(USERS_A).get_data(as_text=True)
    assert "member@a.example" in html and "caretaker@a.example" in html and "member@b.example" not in html
    assert client.get("/admin/users").headers["Location"].endswith(USERS_A)
    assert client.get(f"{USERS_A}/{region.member_b.id}").status_code == 404
    assert client.post(f"{USERS_A}/{region.member_b.id}", data={"role": "caretaker"}).status_code == 404
    assert client.post(f"{USERS_A}/{region.member_b.id}/active", data={"active": "0"}).status_code == 404
    assert client.post(f"{USERS_A}/{region.member_b.id}/erase").status_code == 404
    assert client.get("/admin/organisations/kommune-b/users").status_code == 404
    assert client.get("/admin/organisations/no-such-place/users").status_code == 404
    fresh()
    assert find_user("member@b.example").active and find_user("member@b.example").roles == {Role.MEMBER}


def test_partner_users_page_for_the_network_admin(client, region):
    login(client, "coordinator@vest.example")
    html = client.get("/admin/organisations/hjelpen/users").get_data(as_text=True)
    assert "helper@hjelpen.example" in html
    assert client.post(f"/admin/organisations/hjelpen/users/{region.partner_user.id}",
                       data={"role": "caretaker"}).status_code == 400  # partners have members only
    assert client.get(f"/admin/organisations/hjelpen/users/{region.member_a.id}").status_code == 404


def test_bad_role_or_unit_is_a_400_and_changes_nothing(client, region):
    login(client, "admin@a.example")
    for data in ({"role": "site_admin"}, {"role": ""}, {"role": "caretaker", "unit": str(region.school_b.id)},
                 {"role": "caretaker", "unit": "999999"}):
        assert client.post(f"{USERS_A}/{region.member_a.id}", data=data).status_code == 400
    assert client.post(f"{USERS_A}/{region.admin_a.id}", data={"role": "member"}).status_code == 400  # last admin
    fresh()
    assert find_user("member@a.example").roles == {Role.MEMBER}
    assert find_user("member@a.example").unit.name == "A skole"
    assert find_user("admin@a.example").roles == {Role.MUNICIPAL_ADMIN}


def test_erase_asks_first_then_erases(client, region):
    login(client, "admin@a.example")
    assert client.get(f"{USERS_A}/{region.member_a.id}/erase").status_code == 200
    fresh()
    assert find_user("member@a.example") is not None  # a GET changes nothing
    assert client.post(f"{USERS_A}/{region.member_a.id}/erase").status_code == 303
    fresh()
    assert find_user("member@a.example") is None
    assert login(client.application.test_client(), "member@a.example").status_code == 401
