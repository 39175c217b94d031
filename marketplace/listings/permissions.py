"""Who may list and change listings: pure predicates. Who may *see* them is one SQL condition, in
``visibility.py``."""

from __future__ import annotations

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role, is_site_admin
from marketplace.listings.models import Item
from marketplace.organisations.models import Municipality


def can_manage_item(user: User, item: Item) -> bool:
    """Caretakers and admins of the owning municipality edit, publish, withdraw and handle the item."""
    return is_site_admin(user) or has_organisation_role(user, item.municipality, Role.CARETAKER)


def can_list_items_for(user: User, municipality: Municipality | None) -> bool:
    return municipality is not None and (is_site_admin(user) or has_organisation_role(user, municipality,
                                                                                       Role.CARETAKER))


def can_import_items(user: User, municipality: Municipality | None) -> bool:
    """A spreadsheet of listings for ``municipality``: whoever may list its items one by one may list many
    at once (its caretakers and administrators; site admins through the command). docs/decisions.md 32."""
    return can_list_items_for(user, municipality)


def can_print_labels(user: User, municipality: Municipality | None) -> bool:
    """Labels with QR codes for ``municipality``'s items (one, or a sheet): whoever handles its items (caretakers,
    administrators, site admins) and its store keepers, who label what their stores hold. docs/decisions.md 39."""
    return can_list_items_for(user, municipality) or has_organisation_role(user, municipality, Role.STORE_KEEPER)
