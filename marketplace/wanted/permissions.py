"""Who may post, change, answer and approve wanted notices and needs: pure predicates. Who may *see* a notice
is one SQL condition, in ``visibility.py``."""

from __future__ import annotations

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role, is_signed_in, is_site_admin
from marketplace.wanted.models import Need, WantedNotice


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
