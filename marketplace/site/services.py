"""Site settings (get and put one value), the record of the last `marketplace tick`, and whether this instance
is ready to take requests. Functions flush, never commit. (The system status page is the admin room's.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import DBAPIError

from marketplace.db import db, head_revision, utcnow
from marketplace.site.models import SiteSetting

LAST_TICK = "last_tick"


def setting(key: str) -> SiteSetting | None:
    return db.session.get(SiteSetting, key)


def put_setting(key: str, value: dict[str, Any], actor=None) -> None:
    """Store ``value`` under ``key`` in one statement (an upsert), so two writers at once cannot collide on
    the first insert."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    row = {"key": key, "value": value, "updated_at": utcnow(), "updated_by_id": actor.id if actor else None}
    statement = insert(SiteSetting).values(**row)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[SiteSetting.key], set_={name: statement.excluded[name] for name in row if name != "key"}))
    db.session.get(SiteSetting, key, populate_existing=True)  # the session may hold the row from before


def record_tick(started_at: datetime, seconds: float, **counts: int) -> None:
    """Remember when `marketplace tick` last ran to the end, how long it took and what it did."""
    put_setting(LAST_TICK, {"started_at": started_at.isoformat(), "seconds": round(seconds, 3), "counts": counts})


@dataclass(frozen=True)
class TickRun:
    started_at: datetime
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


def last_tick() -> TickRun | None:
    stored = setting(LAST_TICK)
    if stored is None:
        return None
    value = stored.value
    return TickRun(datetime.fromisoformat(value["started_at"]), value["seconds"], value.get("counts", {}))


_newest_migration = cache(head_revision)  # the code's newest migration: read from disk once per process


def readiness_problem() -> str | None:
    """Why this instance should not take requests yet, or None: the database must answer and be at the newest
    migration (for a load balancer's readiness probe)."""
    try:
        revision = MigrationContext.configure(db.session.connection()).get_current_revision()
    except DBAPIError:
        return "database_unreachable"
    if revision != _newest_migration():
        return "database_not_migrated"
    return None
