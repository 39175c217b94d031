"""Who may read which climate report, and set factors: pure predicates, no queries."""

from __future__ import annotations

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import (can_administer_municipality, has_organisation_role, is_network_admin,
                                              is_site_admin)
from marketplace.organisations.models import Municipality, Network, PartnerOrganisation


def can_see_site_report(user: User) -> bool:
    return is_site_admin(user)


def can_see_network_report(user: User, network: Network) -> bool:
    return is_network_admin(user, network)


def can_see_municipality_report(user: User, municipality: Municipality) -> bool:
    """Staff of a municipality read its report (and its units'); network admins read their members' reports."""
    if is_site_admin(user) or has_organisation_role(user, municipality, Role.MEMBER):
        return True
    return any(is_network_admin(user, network) for network in municipality.networks)


def can_see_partner_report(user: User, partner: PartnerOrganisation) -> bool:
    """A partner organisation's people read what it received; so do the admins of its networks."""
    if is_site_admin(user) or has_organisation_role(user, partner, Role.MEMBER):
        return True
    return any(is_network_admin(user, network) for network in partner.networks)


def can_set_factors(user: User, municipality: Municipality) -> bool:
    """A municipality's own figures (overrides of the default factors) are its admins' to set."""
    return can_administer_municipality(user, municipality)
