"""Pure predicates about people and roles; used by services, views and templates alike."""

from __future__ import annotations

from marketplace.accounts.models import Role, User
from marketplace.organisations.models import Municipality, Network, Organisation

# Within an organisation, the roles each role includes: the caretaker, store keeper and transport coordinator
# are members with one job each, side by side; the municipal admin can do every job.
_INCLUDED_ROLES = {
    Role.MEMBER: {Role.MEMBER},
    Role.CARETAKER: {Role.MEMBER, Role.CARETAKER},
    Role.STORE_KEEPER: {Role.MEMBER, Role.STORE_KEEPER},
    Role.TRANSPORT_COORDINATOR: {Role.MEMBER, Role.TRANSPORT_COORDINATOR},
    Role.MUNICIPAL_ADMIN: {Role.MEMBER, Role.CARETAKER, Role.STORE_KEEPER, Role.TRANSPORT_COORDINATOR,
                           Role.MUNICIPAL_ADMIN},
}


def strongest_role(roles) -> Role | None:
    """The organisation role among ``roles`` that includes the most (the municipal admin's, if present)."""
    return max((role for role in roles if role in _INCLUDED_ROLES), key=lambda role: len(_INCLUDED_ROLES[role]),
               default=None)


def is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def permission_facts(user) -> tuple:
    """What every permission of ``user`` is decided by (each role and where it holds), as a key for what is
    rendered from those answers alone (a menu): two people with the same facts are allowed the same."""
    if not is_signed_in(user):
        return ()
    return tuple(sorted((m.role.value, m.organisation_id or 0, m.network_id or 0) for m in user.memberships))


def is_site_admin(user: User) -> bool:
    return is_signed_in(user) and Role.SITE_ADMIN in user.roles


def has_organisation_role(user: User, organisation: Organisation | None, role: Role) -> bool:
    """True if ``user`` holds ``role``, or a role that includes it, in ``organisation``."""
    if not is_signed_in(user) or organisation is None:
        return False
    return any(
        membership.organisation_id == organisation.id and role in _INCLUDED_ROLES[membership.role]
        for membership in user.memberships
        if membership.role in _INCLUDED_ROLES
    )


def is_network_admin(user: User, network: Network) -> bool:
    return is_signed_in(user) and (
        is_site_admin(user)
        or any(m.role == Role.NETWORK_ADMIN and m.network_id == network.id for m in user.memberships)
    )


def can_list_items(user: User) -> bool:
    """Caretakers and municipal admins list surplus for their own municipality."""
    return is_signed_in(user) and has_organisation_role(user, user.municipality, Role.CARETAKER)


def can_administer_municipality(user: User, municipality: Organisation | None) -> bool:
    return is_site_admin(user) or has_organisation_role(user, municipality, Role.MUNICIPAL_ADMIN)


def can_manage_users(user: User, organisation: Organisation | None) -> bool:
    """Invite, change, deactivate and erase the people of ``organisation``: a municipality's own admins; for
    a partner organisation, the admins of a network it belongs to; site admins everywhere."""
    if organisation is None or not is_signed_in(user):
        return False
    if isinstance(organisation, Municipality):
        return can_administer_municipality(user, organisation)
    return is_site_admin(user) or any(is_network_admin(user, network) for network in organisation.networks)


# The predicates templates may call to decide what to show; the services check them again on every action.
TEMPLATE_PREDICATES = {
    "can_list_items": can_list_items,
    "can_administer_municipality": can_administer_municipality,
    "can_manage_users": can_manage_users,
    "is_site_admin": is_site_admin,
    "permission_facts": permission_facts,
}
