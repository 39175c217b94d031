"""Items shown as cards, a bounded number at a time: the home page's newest and "our listings" page by page.

A card shows one photo: its id comes with the item's row (``CARD_OPTIONS``, a subquery per card) instead of every
photo of every card in a second statement, which cost more than the rest of the card. The ids of a list are chosen
first, by a query that may match many rows, so the photo subquery runs for the cards shown alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload, with_expression

from marketplace.accounts.models import User
from marketplace.db import db, utcnow
from marketplace.listings.models import INVENTORY_STATUSES, Item, ItemStatus, Photo
from marketplace.listings.visibility import visible_items_clause

OURS_PER_PAGE = 48  # a grid of cards one to four across

_FIRST_PHOTO_ID = (select(Photo.id).where(Photo.item_id == Item.id).order_by(Photo.position, Photo.id).limit(1)
                   .correlate(Item).scalar_subquery())
CARD_OPTIONS = (with_expression(Item.thumbnail_id, func.coalesce(_FIRST_PHOTO_ID, 0)), lazyload(Item.photos))


def items_for_cards(ids: list[int]) -> list[Item]:
    """The items with these ids, in this order, read as cards show them (``CARD_OPTIONS``)."""
    found = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_(ids)).options(*CARD_OPTIONS).execution_options(populate_existing=True))}
    return [found[item_id] for item_id in ids if item_id in found]


def recent_items(user: User, limit: int = 6) -> list[Item]:
    """The newest published items ``user`` can see, for the home page."""
    newest = select(Item.id).where(visible_items_clause(user, utcnow()), Item.status == ItemStatus.PUBLISHED) \
        .order_by(Item.published_at.desc(), Item.id.desc()).limit(limit)
    return items_for_cards(list(db.session.scalars(newest)))


@dataclass(frozen=True)
class ItemsPage:
    """One page of a list of cards, and how many the whole list holds."""

    items: list[Item]
    total: int
    page: int
    per_page: int

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.per_page))


def my_municipality_items(user: User, statuses: list[ItemStatus] | None = None, page: int = 1,
                          per_page: int | None = None) -> ItemsPage:
    """The items of the user's municipality that they may see, last changed first, a page at a time (the "our
    listings" page; ``OURS_PER_PAGE`` unless given); a page past the last is the last."""
    per_page = per_page or OURS_PER_PAGE
    municipality = user.municipality
    if municipality is None:
        return ItemsPage([], 0, 1, per_page)
    ours = select(Item.id).where(visible_items_clause(user, utcnow()), Item.municipality_id == municipality.id,
                                 Item.status.in_(statuses) if statuses else Item.status.not_in(INVENTORY_STATUSES))
    total = db.session.scalar(ours.with_only_columns(func.count(Item.id))) or 0
    page = max(1, min(page, -(-total // per_page) or 1))
    ids = db.session.scalars(ours.order_by(Item.updated_at.desc(), Item.id.desc())
                             .limit(per_page).offset((page - 1) * per_page)) if total else []
    return ItemsPage(items_for_cards(list(ids)), total, page, per_page)
