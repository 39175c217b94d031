from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base, utcnow
from marketplace.listings.models import Item

# Every search, count, facet and page runs under the visibility condition
# (listings.permissions.visible_items_clause): status, then the reachable municipalities, then a per-municipality
# rule on the stage times and erasure. These two indexes hold every column that condition and the search
# filters, groups and sorts on, so a search reads the (wide) item rows only for the page it shows:
# - by municipality: counts and facets seek status and each reachable municipality; with the id last, a text
#   search joins its matches to the visible items from this index alone (PostgreSQL reads no item row);
# - newest first: a page in publication order walks the index in that order (id right after the date, so it
#   gives the whole ORDER BY), stopping after the page, however many items match.
_VISIBILITY_COLUMNS = (Item.network_visible_at, Item.partner_visible_at, Item.category_id, Item.erasure_recorded_at,
                       Item.created_by_id, Item.condition, Item.quantity, Item.unit_id, Item.available_from)
Index("ix_items_visibility", Item.status, Item.municipality_id, *_VISIBILITY_COLUMNS, Item.published_at, Item.id)
Index("ix_items_visibility_newest", Item.status, Item.published_at, Item.id, Item.municipality_id,
      *_VISIBILITY_COLUMNS)


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


class SearchWord(Base):
    """A word of the vocabulary: every distinct word (and compound ending) the text index has been given, so a
    query word that matches nothing can be corrected to a close one (``suggest.py``). It only grows; what a
    viewer may see is decided by searching for a word, never by this table."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(String(40), primary_key=True)  # folded, as the index holds it
    spelling: Mapped[str] = mapped_column(String(40))  # as first written, lower-case: "bjørk" for "bjork"
    whole: Mapped[bool] = mapped_column(default=True)  # a whole word somewhere, not only an ending


class SearchVariant(Base):
    """The vocabulary's words by their one-edit variants: each word itself and the word with one letter left out
    (`stol`: `stol`, `tol`, `sol`, `stl`, `sto`). Two words are one edit apart (a letter added, left out,
    changed, or two neighbours swapped) only if they share a variant, so the words close to a misspelt one are
    found by a few key lookups of its own variants, on either engine, however large the vocabulary."""

    __tablename__ = "search_variants"

    variant: Mapped[str] = mapped_column(String(40), primary_key=True)
    word: Mapped[str] = mapped_column(String(40), primary_key=True)
