"""Items shown as cards, a bounded number at a time: the home page's newest, "our listings" page by page, and
the search page's results.

A card is a ``Card``: the dozen values the card shows, read as plain rows in one statement built once (``cards``).
Loading the same as ``Item`` objects with their municipality, unit, location and category cost three times as
much, and the card shows one photo, whose id comes with the row. The ids of a list are chosen first, by a query
that may match many rows, so the photo subquery runs for the cards shown alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import aliased

from marketplace.accounts.models import User
from marketplace.db import ListPage, db, utcnow
from marketplace.listings.models import (INVENTORY_STATUSES, Category, Condition, Item, ItemOffer, ItemStatus,
                                         MeasureUnit, Photo)
from marketplace.listings.visibility import kept_clause, visibility_key, visible_items_clause
from marketplace.locations.models import Location
from marketplace.organisations.models import Organisation, Unit

OURS_PER_PAGE = 48  # a grid of cards one to four across


@dataclass(frozen=True, slots=True)
class Card:
    """What an item's card shows (``_macros/items.html``, ``item_card``)."""

    id: int
    title: str
    thumbnail_id: int  # the first photo's id; 0: none
    quantity: Decimal
    quantity_available: Decimal
    unit: MeasureUnit
    condition: Condition
    status: ItemStatus
    offer: ItemOffer
    loan_days: int | None
    municipality_name: str
    place: str | None  # where it stands: the location, else the unit

    @property
    def lent(self) -> bool:
        return self.offer == ItemOffer.LEND

    @classmethod
    def of(cls, item: Item) -> Card:
        """The card of an item already loaded (a wanted notice's matches and answers)."""
        return cls(item.id, item.title, item.photos[0].id if item.photos else 0, item.quantity,
                   item.quantity_available, item.category.unit, item.condition, item.status, item.offer,
                   item.loan_days, item.municipality.name,
                   item.location.name if item.location else item.unit.name if item.unit else None)


_FIRST_PHOTO_ID = (select(Photo.id).where(Photo.item_id == Item.id).order_by(Photo.position, Photo.id).limit(1)
                   .correlate(Item).scalar_subquery())
_MUNICIPALITY = aliased(Organisation)
# Built once: a statement built anew costs more to build and key for the statement cache than to run.
_CARDS = (select(Item.id, Item.title, func.coalesce(_FIRST_PHOTO_ID, 0), Item.quantity, Item.quantity_available,
                 Category.unit, Item.condition, Item.status, Item.offer, Item.loan_days, _MUNICIPALITY.name,
                 func.coalesce(Location.name, Unit.name))
          .join(Category, Category.id == Item.category_id)
          .join(_MUNICIPALITY, _MUNICIPALITY.id == Item.municipality_id)
          .outerjoin(Location, Location.id == Item.location_id)
          .outerjoin(Unit, Unit.id == Item.unit_id)
          .where(Item.id.in_(bindparam("ids", expanding=True))))


def cards(ids: list[int]) -> list[Card]:
    """The cards of the items with these ids, in this order (ids not found are left out)."""
    if not ids:
        return []
    found = {row[0]: Card(*row) for row in db.read(_CARDS, {"ids": ids})}
    return [found[item_id] for item_id in ids if item_id in found]


def recent_items(user: User, limit: int = 6) -> list[Card]:
    """The newest published items ``user`` can see, for the home page."""
    newest = _newest(visibility_key(user))
    return cards(list(db.read(newest, {"visible_at": utcnow(), "limit": limit}).scalars()))


@lru_cache(maxsize=1024)
def _newest(key) -> Select:
    """The statement of ``recent_items`` for a key of ``visibility_key``, built once per key (every home page runs
    it: building it anew cost more than running it)."""
    return (select(Item.id).where(kept_clause(key), Item.status == ItemStatus.PUBLISHED)
            .order_by(Item.published_at.desc(), Item.id.desc()).limit(bindparam("limit")))


def my_municipality_items(user: User, statuses: list[ItemStatus] | None = None, page: int = 1,
                          per_page: int | None = None) -> ListPage:
    """The items of the user's municipality that they may see, last changed first, a page at a time (the "our
    listings" page; ``OURS_PER_PAGE`` unless given); a page past the last is the last."""
    per_page = per_page or OURS_PER_PAGE
    municipality = user.municipality
    if municipality is None:
        return ListPage([], 0, 1, per_page)
    ours = select(Item.id).where(visible_items_clause(user, utcnow()), Item.municipality_id == municipality.id,
                                 Item.status.in_(statuses) if statuses else Item.status.not_in(INVENTORY_STATUSES))
    total = db.session.scalar(ours.with_only_columns(func.count(Item.id))) or 0
    page = max(1, min(page, -(-total // per_page) or 1))
    ids = db.session.scalars(ours.order_by(Item.updated_at.desc(), Item.id.desc())
                             .limit(per_page).offset((page - 1) * per_page)) if total else []
    return ListPage(cards(list(ids)), total, page, per_page)
