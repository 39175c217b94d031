"""The system status a site administrator checks first: versions, migrations, sizes, the periodic job, mail.
Read-only, and never a secret (no passwords, no full database address)."""

from __future__ import annotations

import platform
import sqlite3
from dataclasses import dataclass
from importlib import metadata

from alembic.runtime.migration import MigrationContext
from flask import current_app
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.accounts.permissions import is_site_admin
from marketplace.db import db, head_revision
from marketplace.errors import Forbidden
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Item
from marketplace.organisations.models import Municipality, Network, PartnerOrganisation
from marketplace.site.services import TickRun, last_tick


@dataclass(frozen=True)
class SystemStatus:
    version: str
    python: str
    engine: str
    server_version: str
    database_revision: str | None
    code_revision: str
    counts: dict[str, int]
    items_by_status: dict[str, int]
    last_tick: TickRun | None
    mail: dict[str, str]

    @property
    def migrations_current(self) -> bool:
        return self.database_revision == self.code_revision


def system_status(actor) -> SystemStatus:
    """What a site administrator checks first: versions, migrations, sizes, the periodic job, mail. Read-only,
    and never a secret (no passwords, no full database address)."""
    if not is_site_admin(actor):
        raise Forbidden
    engine = db.engine
    if engine.dialect.name == "sqlite":
        server_version = sqlite3.sqlite_version
    else:
        server_version = ".".join(str(part) for part in engine.dialect.server_version_info or ())
    counts = {
        "networks": db.count(select(Network.id)),
        "municipalities": db.count(select(Municipality.id)),
        "partners": db.count(select(PartnerOrganisation.id)),
        "users": db.count(select(User.id).where(User.active.is_(True))),
        "reuse_events": db.count(select(ReuseEvent.id)),
    }
    items_by_status = {str(status): number for status, number in db.session.execute(
        select(Item.status, func.count()).group_by(Item.status).order_by(Item.status)).all()}
    return SystemStatus(
        version=_version(),
        python=platform.python_version(),
        engine=engine.dialect.name,
        server_version=server_version,
        database_revision=MigrationContext.configure(db.session.connection()).get_current_revision(),
        code_revision=head_revision(),
        counts=counts,
        items_by_status=items_by_status,
        last_tick=last_tick(),
        mail=mail_summary(current_app.config),
    )


def _version() -> str:
    try:
        return metadata.version("ombruksmarkedet")
    except metadata.PackageNotFoundError:
        return "unknown"


def mail_summary(config) -> dict[str, str]:
    """How e-mail leaves the app, without the password or the user name."""
    summary = {"backend": config["MAIL_BACKEND"], "sender": config["MAIL_FROM"]}
    if config["MAIL_BACKEND"] == "smtp":
        summary["server"] = f"{config['SMTP_HOST'] or '–'}:{config['SMTP_PORT']}"
        summary["starttls"] = "on" if config["SMTP_STARTTLS"] else "off"
        summary["login"] = "yes" if config["SMTP_USERNAME"] else "no"
    else:
        summary["outbox"] = config["MAIL_OUTBOX"]
    return summary
