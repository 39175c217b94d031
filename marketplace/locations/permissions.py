"""Who may manage a municipality's locations and who may run its reuse stores: pure predicates."""

from __future__ import annotations

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import can_administer_municipality, has_organisation_role, is_site_admin
from marketplace.organisations.models import Organisation


def can_manage_locations(user: User, municipality: Organisation | None) -> bool:
    """Create, change, archive and restore the municipality's pickup locations and stores: its administrators."""
    return can_administer_municipality(user, municipality)


def can_run_store(user: User, municipality: Organisation | None) -> bool:
    """Take items into the municipality's stores, see their stock, move items and write them off: its store
    keepers and caretakers (the administrator holds both roles)."""
    return is_site_admin(user) or has_organisation_role(user, municipality, Role.STORE_KEEPER) \
        or has_organisation_role(user, municipality, Role.CARETAKER)
