"""Personal data: what we hold about a person, as a download, and erasure that keeps the reuse ledger whole.

The reuse ledger and the reports name units and organisations, never people, so erasing a person changes no
figure. Erasure keeps the user row (other rows point at it) but empties every personal field, and removes or
blanks what the person wrote.

Each room keeps its own part of a person's data, so each room answers for it: rooms above this one connect to
``signals.personal_data_collecting`` (sections for the download) and ``signals.personal_data_erasing``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update

from marketplace.accounts import signals
from marketplace.accounts.models import Invitation, LoginSession, User
from marketplace.accounts.permissions import can_manage_users, is_site_admin
from marketplace.accounts.services import end_all_login_sessions
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden

ERASED_NAME = "Slettet bruker"


def when(moment) -> str | None:
    """A moment as ISO 8601 text for the download."""
    return moment.isoformat() if moment else None


def export_personal_data(actor: User | None, user: User) -> dict[str, Any]:
    """Everything stored about ``user`` as a person, for the person or their municipality's admin
    (``actor`` None: the operator on the command line)."""
    if actor is not None and actor.id != user.id and not _may_administer(actor, user):
        raise Forbidden
    data = {
        "profile": {"id": user.id, "email": user.email, "name": user.name, "phone": user.phone,
                    "locale": user.locale, "active": user.active, "created_at": when(user.created_at),
                    "last_login_at": when(user.last_login_at), "last_login_via": user.last_login_via,
                    "email_notifications": str(getattr(user, "email_notifications", ""))},
        "memberships": [{"role": m.role.value, "organisation": m.organisation.name if m.organisation else None,
                         "unit": m.unit.name if m.unit else None, "network": m.network.name if m.network else None}
                        for m in user.memberships],
        "sign_ins": [{"started": when(s.created_at), "ended": when(s.ended_at)} for s in db.session.scalars(
            select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.created_at))],
        "audit_log": [{"at": when(e.at), "action": e.action, "address": e.address} for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.at))],
        "invitations": [{"organisation": i.organisation.name, "name": i.name, "role": i.role.value,
                         "created_at": when(i.created_at), "accepted_at": when(i.accepted_at)}
                        for i in db.session.scalars(select(Invitation).where(_invitations_of(user)))],
    }
    for _receiver, sections in signals.personal_data_collecting.send(user):
        data.update(sections)
    return data


def erase_user(actor: User | None, user: User) -> None:
    """Remove a person's personal data for good, as their municipality's admin or the operator (``actor``
    None). The reuse ledger, reports and listings stay as they are."""
    if actor is not None and (actor.id == user.id or not _may_administer(actor, user)):
        raise Forbidden
    end_all_login_sessions(user)
    db.session.execute(delete(Invitation).where(_invitations_of(user)))
    user.email = f"erased-{user.id}@invalid"
    user.name = ERASED_NAME
    user.phone = None
    user.password_hash = None
    user.active = False
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    signals.personal_data_erasing.send(user)
    # The log keeps what happened, not who, nor from where.
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_id == user.id).values(actor_id=None, address=None))
    db.session.flush()
    audit.record("user_erased", actor=actor, municipality_id=_municipality_id(user), user_id=user.id)


def _invitations_of(user: User):
    return or_(Invitation.email == user.email, Invitation.accepted_by_id == user.id)


def _municipality_id(user: User) -> int | None:
    membership = next((m for m in user.memberships if m.organisation_id is not None), None)
    return membership.organisation_id if membership else None


def _may_administer(actor: User, user: User) -> bool:
    if is_site_admin(actor):
        return True
    organisations = [m.organisation for m in user.memberships if m.organisation is not None]
    return bool(organisations) and all(can_manage_users(actor, org) for org in organisations)

