"""Who may see and change wanted notices and needs.

A notice travels like a listing: its own municipality sees it at once, the rest of the network from its
network stage, partner organisations from their stage. ``visible_notices_clause`` mirrors
``listings.permissions.visible_items_clause`` and uses the same building blocks, so the two cannot drift in
who belongs to which circle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, true

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role, is_signed_in, is_site_admin
from marketplace.listings.permissions import municipalities_in
from marketplace.organisations.models import Municipality, PartnerOrganisation
from marketplace.wanted.models import Need, NoticeStatus, WantedNotice


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


def can_post_notice(user: User) -> bool:
    """Every member of a municipality may post what their unit needs."""
    return is_signed_in(user) and has_organisation_role(user, user.municipality, Role.MEMBER)


def can_manage_notice(user: User, notice: WantedNotice) -> bool:
    """The poster, and the caretakers and administrators of the notice's municipality."""
    return is_site_admin(user) or (notice.created_by_id is not None and notice.created_by_id == user.id) \
        or has_organisation_role(user, notice.municipality, Role.CARETAKER)


def can_answer_notice(user: User, notice: WantedNotice) -> bool:
    """A caretaker of any municipality that sees the notice may offer an item of theirs."""
    return notice.is_open and is_signed_in(user) and has_organisation_role(user, user.municipality, Role.CARETAKER)


def can_see_need(user: User, need: Need) -> bool:
    """Needs are internal to their municipality (and the site administrator)."""
    return is_site_admin(user) or has_organisation_role(user, need.municipality, Role.MEMBER)


def can_manage_need(user: User, need: Need) -> bool:
    return is_site_admin(user) or (need.created_by_id is not None and need.created_by_id == user.id) \
        or has_organisation_role(user, need.municipality, Role.CARETAKER)


def can_approve_need(user: User, need: Need) -> bool:
    return is_site_admin(user) or has_organisation_role(user, need.municipality, Role.MUNICIPAL_ADMIN)


TEMPLATE_PREDICATES = {
    "can_post_notice": can_post_notice,
    "can_manage_notice": can_manage_notice,
    "can_answer_notice": can_answer_notice,
    "can_manage_need": can_manage_need,
    "can_approve_need": can_approve_need,
}
