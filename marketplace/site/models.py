from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, utcnow

if TYPE_CHECKING:  # the site room sits below accounts: it knows people by id
    from marketplace.accounts.models import User


class SiteSetting(Base):
    """One site-wide value under a fixed key (``last_tick``, ``accessibility_statement``), with who changed it
    last and when. Few rows, read one at a time; not a place for anything secret."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()
