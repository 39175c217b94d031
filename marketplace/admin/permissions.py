"""Who may administer what: pure predicates. (Who administers a municipality or a network is the accounts room's
``can_administer_municipality`` and ``is_network_admin``; these are the rules only administration has.)"""

from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_administer_municipality, is_network_admin, is_site_admin
from marketplace.organisations.models import Municipality, Organisation


def can_bring_into_network(user: User, organisation: Organisation) -> bool:
    """A site admin may bring any organisation into a network; a network admin only one that belongs to no
    network, or only to networks they administer too, so nobody takes a municipality from another network."""
    return is_site_admin(user) or all(is_network_admin(user, other) for other in organisation.networks)


def can_read_audit_log(user: User, municipality: Municipality | None) -> bool:
    """A municipality's audit log is for its administrators (and site admins)."""
    return can_administer_municipality(user, municipality)
