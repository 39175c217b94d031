"""Telling the two sides of a reservation what happened: the owner side (the caretakers and admins of the
item's municipality) and the requester, through their notifications (which are e-mailed as each user chose)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from marketplace.accounts.models import Membership, Role, User
from marketplace.db import db
from marketplace.notifications import services as notifications
from marketplace.reservations.models import Reservation


def _owner_side_users(reservation: Reservation) -> list[int]:
    return list(db.session.scalars(select(Membership.user_id).join(User, User.id == Membership.user_id).where(
        Membership.organisation_id == reservation.municipality_id,
        Membership.role.in_([Role.CARETAKER, Role.MUNICIPAL_ADMIN]), User.active.is_(True),
    ).distinct()))


def tell_owner_side(reservation: Reservation, kind: str) -> None:
    data = _notification_data(reservation)
    for user_id in _owner_side_users(reservation):
        if user_id != reservation.requester_id:
            notifications.notify(user_id, kind, data, f"/reservations/{reservation.id}")


def tell_requester(reservation: Reservation, kind: str) -> None:
    if reservation.requester_id is not None:
        notifications.notify(reservation.requester_id, kind, _notification_data(reservation),
                             f"/reservations/{reservation.id}")


def tell_other_side(reservation: Reservation, kind: str, *, owner_side_acted: bool) -> None:
    """Tell the requester what the owner side did, or the owner side what the requester did."""
    (tell_requester if owner_side_acted else tell_owner_side)(reservation, kind)


def tell_both_sides(reservation: Reservation, kind: str, actor: User, *, when: datetime | None = None) -> None:
    """Tell everyone involved but the actor: the requester and the owner side (the actor's colleagues too)."""
    data = _notification_data(reservation)
    if when is not None:
        data["when"] = when.isoformat()
    told = {None, getattr(actor, "id", None)}
    for user_id in [reservation.requester_id, *_owner_side_users(reservation)]:
        if user_id not in told:
            told.add(user_id)
            notifications.notify(user_id, kind, data, f"/reservations/{reservation.id}")


def _notification_data(reservation: Reservation) -> dict:
    return {"title": reservation.item.title, "quantity": str(reservation.quantity.normalize()),
            "unit": reservation.item.category.unit.value, "requester": reservation.requester_organisation.name,
            "reservation_id": reservation.id,
            **({"due_at": reservation.due_at.isoformat()} if reservation.due_at else {})}
