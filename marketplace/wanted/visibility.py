"""Who may see which wanted notices: one SQL condition, ``visible_notices_clause``.

A notice travels like a listing: its own municipality sees it at once, the rest of the network from its
network stage, partner organisations from their stage. It mirrors ``listings.visibility.visible_items_clause``
and uses the same building blocks, so the two cannot drift in who belongs to which circle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, true

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import is_signed_in, is_site_admin
from marketplace.listings.visibility import municipalities_in
from marketplace.organisations.models import Municipality, PartnerOrganisation
from marketplace.wanted.models import NoticeStatus, WantedNotice


def visible_notices_clause(user: User, now: datetime) -> ColumnElement[bool]:
    """The SQL condition for the notices ``user`` may see at ``now``: their own municipality's (any status),
    and other municipalities' open notices once the stage for the user's circle is reached. Deny by default."""
    if not is_signed_in(user):
        return false()
    if is_site_admin(user):
        return true()
    is_open = WantedNotice.status == NoticeStatus.OPEN
    conditions = []
    for membership in user.memberships:
        organisation = membership.organisation
        if isinstance(organisation, Municipality):
            conditions.append(WantedNotice.municipality_id == organisation.id)
            neighbours = municipalities_in([network.id for network in organisation.networks])
            if neighbours:
                conditions.append(and_(is_open, WantedNotice.municipality_id.in_(neighbours),
                                       WantedNotice.network_visible_at <= now))
        elif isinstance(organisation, PartnerOrganisation):
            neighbours = municipalities_in([network.id for network in organisation.networks])
            if neighbours:
                conditions.append(and_(is_open, WantedNotice.municipality_id.in_(neighbours),
                                       WantedNotice.partner_visible_at.is_not(None),
                                       WantedNotice.partner_visible_at <= now))
        elif membership.role == Role.NETWORK_ADMIN and membership.network_id is not None:
            members = municipalities_in([membership.network_id])
            if members:
                conditions.append(and_(is_open, WantedNotice.municipality_id.in_(members),
                                       WantedNotice.network_visible_at <= now))
    return or_(*conditions) if conditions else false()
