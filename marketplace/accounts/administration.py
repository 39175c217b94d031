"""User administration: an organisation's admins see its people, change their role and unit, deactivate,
reactivate and erase them. Functions flush, never commit.

An organisation is a municipality or a partner organisation; who may manage its people is
``permissions.can_manage_users``. Changes take effect at the user's next request, because every request
loads the user's memberships afresh from their login session.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from marketplace.accounts import privacy, services
from marketplace.accounts.models import ORGANISATION_ROLES, Membership, Role, User
from marketplace.accounts.permissions import can_manage_users, is_site_admin
from marketplace.accounts.services import AccountError
from marketplace.audit import services as audit
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.organisations.models import Municipality, Organisation, Unit


def organisation_for_admin(actor: User, slug: str) -> Organisation:
    """The organisation whose people ``actor`` manages: 403 for its own people without the right, 404 for
    everyone else (another municipality is not even confirmed to exist)."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug[:60]))
    if organisation is None:
        raise NotVisible
    if not can_manage_users(actor, organisation):
        if any(m.organisation_id == organisation.id for m in actor.memberships):
            raise Forbidden
        raise NotVisible
    return organisation


def roles_for(organisation: Organisation) -> tuple[Role, ...]:
    """The roles a person can hold in ``organisation``: partners only search and reserve."""
    return ORGANISATION_ROLES if isinstance(organisation, Municipality) else (Role.MEMBER,)


def units_for(organisation: Organisation) -> list[Unit]:
    """The units new memberships may name (archived units keep their history but take no one new)."""
    if not isinstance(organisation, Municipality):
        return []
    return [unit for unit in organisation.units if unit.archived_at is None]


def memberships(actor: User, organisation: Organisation) -> list[Membership]:
    """Everyone in ``organisation``, by name, with their user loaded (one query, whatever the number)."""
    if not can_manage_users(actor, organisation):
        raise Forbidden
    return list(db.session.scalars(
        select(Membership).join(Membership.user).options(contains_eager(Membership.user))
        .where(Membership.organisation_id == organisation.id).order_by(func.lower(User.name), User.id)))


def membership_for_admin(actor: User, organisation: Organisation, user_id: int) -> Membership:
    """``user_id``'s membership of ``organisation``; 404 when they are not in it (whoever they are)."""
    if not can_manage_users(actor, organisation):
        raise Forbidden
    membership = db.session.scalar(select(Membership).where(
        Membership.organisation_id == organisation.id, Membership.user_id == user_id))
    if membership is None:
        raise NotVisible
    return membership


def _active_admin_count(organisation: Organisation) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).join(Membership.user)
        .where(Membership.organisation_id == organisation.id, Membership.role == Role.MUNICIPAL_ADMIN,
               User.active.is_(True))) or 0


def _keep_an_admin(actor: User, membership: Membership) -> None:
    """Nobody but a site admin may leave a municipality without an active administrator: the last admin
    cannot demote, deactivate or erase themselves (or be demoted by a colleague who is no admin there)."""
    if is_site_admin(actor) or membership.role != Role.MUNICIPAL_ADMIN or not membership.user.active:
        return
    if _active_admin_count(membership.organisation) <= 1:
        raise AccountError(_("%(name)s is the last administrator of %(organisation)s. Make someone else an "
                             "administrator first.", name=membership.user.name,
                             organisation=membership.organisation.name))


def check_role_and_unit(organisation: Organisation, role: str, unit_id: int | None,
                        keep_unit_id: int | None = None) -> tuple[Role, Unit | None]:
    """Parse a role and a unit chosen in a form for ``organisation``; ``keep_unit_id`` may be archived (a
    person already there keeps it)."""
    try:
        parsed = Role(role)
    except ValueError:
        parsed = None
    if parsed not in roles_for(organisation):
        raise AccountError(_("Choose one of the roles."))
    if unit_id is None:
        return parsed, None
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.municipality_id != organisation.id or (
            unit.archived_at is not None and unit.id != keep_unit_id):
        raise AccountError(_("Choose one of the organisation's units."))
    return parsed, unit


def change_membership(actor: User, organisation: Organisation, user_id: int, *, role: str,
                      unit_id: int | None, address: str | None = None) -> Membership:
    """Give a person another role or unit in the organisation; it applies from their next request."""
    membership = membership_for_admin(actor, organisation, user_id)
    new_role, unit = check_role_and_unit(organisation, role, unit_id, keep_unit_id=membership.unit_id)
    if new_role == membership.role and unit == membership.unit:
        return membership
    if new_role != membership.role:
        _keep_an_admin(actor, membership)
    audit.record("membership_changed", actor=actor, address=address, municipality_id=organisation.id,
                 user_id=user_id, role_from=membership.role.value, role_to=new_role.value,
                 unit_from=membership.unit_id, unit_to=unit.id if unit else None)
    membership.role = new_role
    membership.unit = unit
    db.session.flush()
    return membership


def set_user_active(actor: User, organisation: Organisation, user_id: int, active: bool,
                    address: str | None = None) -> User:
    """Deactivate (their sessions end at once; they cannot sign in) or reactivate a person."""
    membership = membership_for_admin(actor, organisation, user_id)
    user = membership.user
    if user.email.endswith("@invalid"):  # an erased person stays erased
        raise AccountError(_("This person's data is erased; the account cannot be used again."))
    if user.active == active:
        return user
    if not active:
        _keep_an_admin(actor, membership)
    services.set_active(actor, user, active, organisation_id=organisation.id, address=address)
    db.session.flush()
    return user


def erase_member(actor: User, organisation: Organisation, user_id: int) -> None:
    """Erase a person's personal data for good (see accounts.privacy); the ledger and reports stay whole."""
    membership = membership_for_admin(actor, organisation, user_id)
    _keep_an_admin(actor, membership)
    privacy.erase_user(actor, membership.user)
