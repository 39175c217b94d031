from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from marketplace.accounts.permissions import can_administer_municipality
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden

if TYPE_CHECKING:  # the audit room sits below accounts: it knows people by id
    from marketplace.accounts.models import User


def record(
    action: str,
    *,
    actor: User | None = None,
    address: str | None = None,
    municipality_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction. Callers pass ids and facts, never passwords or tokens."""
    if municipality_id is None and actor is not None and actor.municipality is not None:
        municipality_id = actor.municipality.id
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        municipality_id=municipality_id,
        address=address,
        details=details,
    )
    db.session.add(event)
    return event


PAGE_SIZE = 100


def events_for_municipality(actor: User, municipality, page: int = 1, action: str = "") -> tuple[list[AuditEvent], int]:
    """The audit log of one municipality, newest first, for its administrators."""
    if not can_administer_municipality(actor, municipality):
        raise Forbidden
    query = select(AuditEvent).where(AuditEvent.municipality_id == municipality.id)
    if action:
        query = query.where(AuditEvent.action == action)
    total = db.count(query)
    events = db.session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)).all()
    return list(events), total


def actions_for_municipality(municipality) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.municipality_id == municipality.id)
                                   .distinct().order_by(AuditEvent.action)))
