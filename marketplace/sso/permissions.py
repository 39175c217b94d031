"""Who may set up identity providers: site admins for any municipality, a municipal admin for their own.
A provider shared by several municipalities is managed by someone who administers every one of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marketplace.accounts.models import User
from marketplace.accounts.permissions import can_administer_municipality, is_site_admin

if TYPE_CHECKING:
    from marketplace.organisations.models import Municipality
    from marketplace.sso.models import IdentityProvider


def can_set_up_providers_for(user: User, municipality: Municipality | None) -> bool:
    return can_administer_municipality(user, municipality)


def can_manage_provider(user: User, provider: IdentityProvider) -> bool:
    return is_site_admin(user) or (
        bool(provider.municipalities)
        and all(can_set_up_providers_for(user, served.municipality) for served in provider.municipalities))


def can_administer_sign_in(user: User) -> bool:
    """Shows the "Sign-in" page in the admin menu."""
    return is_site_admin(user) or can_administer_municipality(user, user.municipality)
