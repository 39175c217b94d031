from __future__ import annotations

from typing import TYPE_CHECKING, Any


from marketplace.audit.models import AuditEvent
from marketplace.db import db

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
