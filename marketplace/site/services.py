"""Site settings (get and put one value) and the record of the last `marketplace tick`. Functions flush, never
commit. (The system status page is the admin room's.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from marketplace.db import db, utcnow
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
