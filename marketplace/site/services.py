"""Site settings (get and put one value), the lock and the record of `marketplace tick`, and whether this
instance is ready to take requests. Functions flush, never commit. (The system status page is the admin room's.)"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from marketplace.db import db, head_revision, utcnow
from marketplace.site.models import SiteSetting

LAST_TICK = "last_tick"
# PostgreSQL's advisory locks are named by a number; this one is ours in the marketplace's database ("ombr").
TICK_LOCK = 0x6F6D6272


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


@contextmanager
def tick_lock() -> Iterator[bool]:
    """Whether this `marketplace tick` may run: False while another holds the lock, on this host or another
    (cron on two app servers), so no e-mail or offer goes out twice. PostgreSQL: an advisory lock on a
    connection of its own, held across the tick's commits and let go when the connection ends, even if the
    process dies. SQLite (one host): an exclusive lock on a file beside the database."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": TICK_LOCK}).scalar()
            try:
                yield bool(held)
            finally:
                if held:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": TICK_LOCK})
        return
    database = db.engine.url.database
    lock_file = Path(database + ".tick-lock") if database and database != ":memory:" \
        else Path(current_app.instance_path) / "tick-lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


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
