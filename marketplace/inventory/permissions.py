"""Who sees and keeps the inventory: a municipality's own people see what it has in use (never anyone outside
it); its caretakers and administrators register items and change their status."""

from __future__ import annotations

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role, is_site_admin
from marketplace.listings.permissions import can_list_items_for
from marketplace.organisations.models import Municipality


def can_see_inventory(user: User, municipality: Municipality | None) -> bool:
    return municipality is not None and (is_site_admin(user) or has_organisation_role(user, municipality,
                                                                                        Role.MEMBER))


def can_keep_inventory(user: User, municipality: Municipality | None) -> bool:
    """Register items in use, change their status, offer them on the market."""
    return can_list_items_for(user, municipality)
