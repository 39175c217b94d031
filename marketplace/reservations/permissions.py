"""Who may see and handle a reservation: pure predicates."""

from __future__ import annotations

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role, is_site_admin
from marketplace.listings.permissions import can_manage_item
from marketplace.organisations.models import Organisation
from marketplace.reservations.models import Reservation


def is_requester(user: User, reservation: Reservation) -> bool:
    return getattr(user, "id", None) is not None and reservation.requester_id == user.id


def is_owner_side(user: User, reservation: Reservation) -> bool:
    """Caretakers and admins of the item's municipality handle its reservations."""
    return can_manage_item(user, reservation.item)


def can_see_reservation(user: User, reservation: Reservation) -> bool:
    if is_site_admin(user) or is_requester(user, reservation) or is_owner_side(user, reservation):
        return True
    # Colleagues with the same role on the requesting side (e.g. the unit's caretaker) may follow it too.
    return has_organisation_role(user, reservation.requester_organisation, Role.CARETAKER)


def can_see_hand_over(user: User, giver: Organisation | None, receiver: Organisation | None) -> bool:
    """A hand-over's reuse event is seen by the people of its two sides (and site admins); to anyone else it
    does not exist."""
    return is_site_admin(user) or has_organisation_role(user, giver, Role.MEMBER) \
        or has_organisation_role(user, receiver, Role.MEMBER)


def can_correct_hand_over(user: User, giver: Organisation | None, receiver: Organisation | None) -> bool:
    """A hand-over found wrong later is corrected by an administrator of either side (or of the site)."""
    return is_site_admin(user) or has_organisation_role(user, giver, Role.MUNICIPAL_ADMIN) \
        or has_organisation_role(user, receiver, Role.MUNICIPAL_ADMIN)
