"""Who may ask for, follow and run transport: pure predicates.

The requester's side (the reservation's requester, and the caretakers and admins of the requesting
organisation) asks for transport and may cancel it until it is picked up; the giving municipality's transport
coordinators and municipal admins run it; the owner side (the item's caretakers) follows it. Anybody else does
not see it at all (404)."""

from __future__ import annotations

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role, is_signed_in
from marketplace.organisations.models import Organisation
from marketplace.reservations.models import Reservation
from marketplace.reservations.permissions import is_owner_side, is_requester
from marketplace.transport.models import TransportRequest


def can_coordinate_transport(user: User, municipality: Organisation | None) -> bool:
    """The municipality's transport coordinators and municipal admins run its transport queue."""
    return has_organisation_role(user, municipality, Role.TRANSPORT_COORDINATOR)


def coordinates_any(user: User) -> bool:
    """Whether the menu shows "Transport": the user runs the transport of their municipality."""
    return is_signed_in(user) and can_coordinate_transport(user, user.municipality)


def is_requesting_side(user: User, reservation: Reservation) -> bool:
    """The reservation's requester, or a caretaker or admin of the requesting organisation."""
    return is_requester(user, reservation) or has_organisation_role(
        user, reservation.requester_organisation, Role.CARETAKER)


def can_request_transport(user: User, reservation: Reservation) -> bool:
    return is_requesting_side(user, reservation)


def can_see_transport(user: User, request: TransportRequest) -> bool:
    """The coordinators, the requester's side, and the owner side (the item's caretakers, told of each step),
    which follows it without running it."""
    return can_coordinate_transport(user, request.reservation.item.municipality) \
        or is_requesting_side(user, request.reservation) or is_owner_side(user, request.reservation)


def can_cancel_as_requester(user: User, request: TransportRequest) -> bool:
    return is_requesting_side(user, request.reservation)
