"""The store keeper and the transport coordinator sit beside the caretaker: members with one job each, which the
municipal admin can do too; none of them holds a role anywhere but in their own municipality."""

import pytest

from marketplace.accounts import invitations
from marketplace.accounts.models import Role
from marketplace.accounts.permissions import can_list_items, has_organisation_role
from marketplace.accounts.services import AccountError, find_user_by_email


@pytest.mark.parametrize("person, holds", [
    ("member_a", {Role.MEMBER}),
    ("caretaker_a", {Role.MEMBER, Role.CARETAKER}),
    ("store_keeper_a", {Role.MEMBER, Role.STORE_KEEPER}),
    ("transport_a", {Role.MEMBER, Role.TRANSPORT_COORDINATOR}),
    ("admin_a", {Role.MEMBER, Role.CARETAKER, Role.STORE_KEEPER, Role.TRANSPORT_COORDINATOR, Role.MUNICIPAL_ADMIN}),
])
def test_each_role_includes_exactly_its_own_line(region, person, holds):
    user = getattr(region, person)
    organisation_roles = {Role.MEMBER, Role.CARETAKER, Role.STORE_KEEPER, Role.TRANSPORT_COORDINATOR,
                          Role.MUNICIPAL_ADMIN}
    assert {role for role in organisation_roles if has_organisation_role(user, region.a, role)} == holds
    assert not any(has_organisation_role(user, region.b, role) for role in organisation_roles)


def test_store_keepers_and_transport_coordinators_do_not_list_items(region):
    assert not can_list_items(region.store_keeper_a)
    assert not can_list_items(region.transport_a)
    assert can_list_items(region.caretaker_a)


@pytest.mark.parametrize("role", ["store_keeper", "transport_coordinator"])
def test_the_command_line_creates_the_new_roles(runner, region, role):
    result = runner.invoke(args=["users", "create", "--email", f"{role}@b.example", "--name", "Ny Bruker",
                                 "--municipality", "kommune-b", "--role", role], input="et langt passord\n")
    assert result.exit_code == 0, result.output
    assert find_user_by_email(f"{role}@b.example").roles == {Role(role)}


def test_an_invitation_gives_a_new_role_and_a_partner_cannot_hold_it(region):
    _invitation, token = invitations.invite(region.admin_a, region.a, email="lager@a.example", name="Lena Lager",
                                            role="store_keeper", unit_id=region.depot_a.id)
    invitations.accept(token, signed_in=None, password="a long enough new password")
    assert find_user_by_email("lager@a.example").roles == {Role.STORE_KEEPER}
    with pytest.raises(AccountError):
        invitations.invite(region.network_admin, region.partner, email="x@hjelpen.example", name="X",
                           role="transport_coordinator", unit_id=None)
