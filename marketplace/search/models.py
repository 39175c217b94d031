from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow
from marketplace.listings.models import Item

# Every search, count and facet runs under the visibility condition (listings.permissions.visible_items_clause):
# status, then one municipality at a time, then the network stage. Led by those columns and holding every other
# column a search filters, groups or sorts on, this index answers them without reading the (wide) item rows:
# the planner seeks status and each reachable municipality, and counts, groups and picks a page's ids in the
# index alone. The rows are read only for the page it shows.
Index(
    "ix_items_visibility",
    Item.status, Item.municipality_id, Item.network_visible_at, Item.partner_visible_at, Item.category_id,
    Item.erasure_recorded_at, Item.created_by_id, Item.condition, Item.published_at, Item.quantity, Item.unit_id,
    Item.available_from,
)


class SavedSearch(Base):
    """A search a user wants to hear about: new matching items that become visible to them are announced."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The search as its URL query parameters (q, group, category, condition, ...), parsed again when run.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_until: Mapped[datetime] = mapped_column(default=utcnow)


class SavedSearchHit(Base):
    """An item already announced for a saved search, so it is announced once only."""

    __tablename__ = "saved_search_hits"
    __table_args__ = (UniqueConstraint("saved_search_id", "item_id", name="uq_saved_search_hits_search_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    saved_search_id: Mapped[int] = mapped_column(ForeignKey("saved_searches.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
