"""Search: what the viewer may see, matched, filtered, counted and ordered, all in the database.

Visibility is part of every query here (never a filter on results afterwards), so totals, facet counts and
pages can never reveal an item the viewer may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from marketplace.accounts import signals as account_signals
from marketplace.accounts.models import User
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from marketplace.listings import lists
from marketplace.listings.models import Item
from marketplace.listings.signals import item_deleting, item_saved
from marketplace.listings.visibility import Plan, visibility_key, visible_since_expression
from marketplace.notifications import services as notifications
from marketplace.search import permissions, statements, text, vocabulary
from marketplace.search.facets import Facets, FacetValue
from marketplace.search.index import SearchIndex
from marketplace.search.models import SavedSearch, SavedSearchHit
from marketplace.search.params import MAX_PAGE, SearchParams

# What a search counts exactly is never below what the typo suggestions count (``exact_count_limit``).
FEW_HITS_COUNTED = 3


@dataclass
class SearchResult:
    params: SearchParams
    items: list[Item] | list[lists.Card]  # cards when the search was asked for them (``search(cards=True)``)
    total: int  # exact, or (``total_is_exact`` false) a lower bound: more than this many match
    facets: dict[str, list[FacetValue]]
    suggestion: Any = None  # a close match for a misspelt query (suggest.Suggestion), set by suggest.search
    total_is_exact: bool = True
    # How far the pages reach when the total is not exact: the counted matches (pages ordered among them), or
    # None when the pages come from the index in their order, as deep as there are items.
    reach: int | None = None
    facets_counted: bool = True  # false: the facets list the values of the newest matches, without counts

    @property
    def last_page(self) -> int:
        if self.total_is_exact or self.reach is not None:
            return max(1, -(-(self.total if self.total_is_exact else self.reach) // self.params.per_page))
        return MAX_PAGE

    @property
    def has_next_page(self) -> bool:
        return self.params.page < self.last_page and (self.total_is_exact or len(self.items) == self.params.per_page)


def search_index() -> SearchIndex:
    return SearchIndex(db.engine.dialect.name)


@item_saved.connect
def index_item(item: Item) -> None:
    """Write the item's searchable text to the index, in the caller's transaction."""
    category = item.category
    names = [item.title, category.name_nb, category.name_en, item.brand, item.model, item.colour]
    search_index().save(db.session, item.id, text.document(names, [item.description]))
    vocabulary.add(db.session, text.vocabulary(names, [item.description]))


@item_deleting.connect
def unindex_item(item: Item) -> None:
    search_index().remove(db.session, item.id)


def _prepared(key: Plan | bool, params: SearchParams, now: datetime) -> tuple[statements.Shape, dict[str, Any]]:
    """The shape of a search by a viewer who sees what ``key`` says, and its values at ``now``."""
    index = search_index()
    return statements.Shape.of(key, params, index), statements.values(params, now, index, limit=exact_count_limit())


def matching_items(user: User, params: SearchParams, now: datetime) -> Select:
    """The published items matching ``params`` that ``user`` may see at ``now``, every filter applied, with their
    values bound: a query to build on."""
    shape, values = _prepared(visibility_key(user), params, now)
    return statements.matching(shape).params(values)


def count_matching(key: Plan | bool, params: SearchParams, now: datetime, limit: int) -> int:
    """How many items match ``params`` for a viewer who sees what ``key`` says, counting no further than ``limit``."""
    return _capped_count(*_prepared(key, params, now), limit)


def _rows_of(ids: list[int], cards: bool) -> list[Item] | list[lists.Card]:
    """The items of ``ids``, in that order, read in one query: as cards, or as items with all their photos (the
    API lists them)."""
    if not ids:
        return []
    if cards:
        return lists.cards(ids)
    by_id = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_(ids)).options(joinedload(Item.photos))).unique()}
    return [by_id[item_id] for item_id in ids]


def exact_count_limit() -> int:
    """How many matches a search counts exactly, and ranks for a text search (``SEARCH_EXACT_COUNT_LIMIT``, 1,000
    unless set); above it the total is "more than" that and the facets list their values without counts
    (decision 46)."""
    return max(FEW_HITS_COUNTED, int(current_app.config["SEARCH_EXACT_COUNT_LIMIT"]))


@dataclass
class _Sample:
    """The newest matches of a search, at most the exact-count limit and one more, read in one statement."""

    page_ids: list[int]
    rows: list[tuple]  # grouped counts of the sample (``facets.Facets.count``), or empty
    size: int  # rows in the sample: over the limit means there are more matches than are counted
    matched: int  # of them, those that pass every filter


def _text_sample(shape: statements.Shape, values: dict[str, Any], *, grouped: bool, by_unit: bool,
                 skip: frozenset[str] = statements.FACET_FILTERS) -> _Sample:
    """The page and counts of a text search from its sample (``statements.text_sample``). Run it inside
    ``SearchIndex.planned``."""
    rows = db.read(statements.text_sample(shape, grouped, by_unit, skip), values).all()
    page_ids = sorted((row[-1], row[-2]) for row in rows if row[-1] is not None)
    count_rows = [tuple(row[:-2]) for row in rows if row[-1] is None]
    ids = [item_id for _position, item_id in page_ids]
    if grouped:
        return _Sample(ids, count_rows, size=sum(row[-1] for row in count_rows), matched=0)
    size, matched = count_rows[0] if count_rows else (0, 0)
    return _Sample(ids, [], size=size, matched=matched)


def _page_ids(shape: statements.Shape, values: dict[str, Any]) -> list[int]:
    return list(db.read(statements.page(shape), values).scalars())


def _capped_count(shape: statements.Shape, values: dict[str, Any], limit: int) -> int:
    """How many items match ``shape`` with ``values``, counting no further than ``limit``."""
    return db.read(statements.capped_count(shape), values | {"count_limit": limit}).scalar_one()


def search(user: User, params: SearchParams, *, locale: str = "nb", now: datetime | None = None,
           with_facets: bool = True, key: Plan | bool | None = None, cards: bool = False) -> SearchResult:
    """The page, total and facets of ``params`` for ``user`` (who sees what ``key`` says, if given: see
    ``visibility_key``). Up to ``exact_count_limit()`` matches everything is exact and a text search is ranked
    among all its matches; above it (decision 46) the total is a lower bound (``total_is_exact``), the facets list
    the values of the newest matches without counts, and a page in relevance or quantity order is ordered among
    the newest matches (``reach``), while a page newest first, or of a search without words, comes from the index
    in that order. With ``cards``, the items are read as cards show them (``listings.lists``), not with all their
    photos. Its statements are kept per shape (``statements``)."""
    now = now or utcnow()
    shape, values = _prepared(visibility_key(user) if key is None else key, params, now)
    limit = exact_count_limit()
    # The unit facet is shown once the search is narrowed to municipalities (units belong to one) or a unit.
    by_unit = bool(params.municipalities or params.unit)
    reach = None
    if shape.words:
        with shape.index.planned(db.session, shape.windowed):  # set once for both samples
            sample = _text_sample(shape, values, grouped=with_facets, by_unit=by_unit)
            page_ids, rows, exact = sample.page_ids, sample.rows, sample.size <= limit
            total = sample.matched if exact else sample.size
            if not exact and shape.facet_filtered:  # more matches than counted, but the chosen facets may leave few
                chosen = _text_sample(shape, values, grouped=False, by_unit=False, skip=frozenset())
                page_ids, total = chosen.page_ids, chosen.size
        if total > limit:
            reach = None if params.effective_sort == "newest" else limit
            if reach is None and params.page * params.per_page > limit:  # beyond the newest: from the index
                page_ids = _page_ids(shape, values)
        items = _rows_of(page_ids, cards)
    else:
        items = _rows_of(_page_ids(shape, values), cards)
        rows = db.read(statements.grouped(shape, by_unit), values).all() if with_facets else []
        exact = with_facets and sum(row[-1] for row in rows) <= limit
        total = (0 if exact else limit + 1 if with_facets and not shape.facet_filtered
                 else _capped_count(shape, values, limit + 1))
    if with_facets:
        counted, facets = Facets(params, locale).count(rows, by_unit, exact)
        total = counted if exact else total
    else:
        facets = {}
    return SearchResult(params=params, items=items, total=min(total, limit), facets=facets,
                        total_is_exact=total <= limit, reach=reach, facets_counted=not facets or exact)


# --- Saved searches -------------------------------------------------------------------------------------

MAX_SAVED_SEARCHES = 20
MAX_ALERT_ITEMS = 50


class SavedSearchError(ValueError):
    """The search cannot be saved; the message is fit to show."""


def saved_searches(user: User) -> list[SavedSearch]:
    return list(db.session.scalars(
        select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.created_at.desc())))


def save_search(user: User, params: SearchParams, name: str, now: datetime | None = None) -> SavedSearch:
    """Remember a search; items that become visible to ``user`` after now and match it will be announced."""
    if not permissions.can_save_search(user):
        raise Forbidden
    name = (name or "").strip()[:120] or params.q or _("My search")
    if not params.is_filtered:
        raise SavedSearchError(_("Search for something or choose a filter before saving the search."))
    if len(saved_searches(user)) >= MAX_SAVED_SEARCHES:
        raise SavedSearchError(_("You can keep at most %(count)d saved searches. Delete one first.",
                                 count=MAX_SAVED_SEARCHES))
    saved = SavedSearch(user_id=user.id, name=name, params=params.to_args(page=1), checked_until=now or utcnow())
    db.session.add(saved)
    db.session.flush()
    return saved


def delete_saved_search(user: User, saved_search_id: int) -> None:
    saved = db.session.get(SavedSearch, saved_search_id)
    if saved is None or not permissions.owns_saved_search(user, saved):
        raise NotVisible
    db.session.delete(saved)
    db.session.flush()


def announce_saved_search_matches(now: datetime | None = None) -> int:
    """For `tick`: tell each saved search's owner about matching items that became visible to them since the
    last check, once per item. Returns how many notifications were made."""
    now = now or utcnow()
    made = 0
    for saved in db.session.scalars(select(SavedSearch).order_by(SavedSearch.id)).all():
        user = db.session.get(User, saved.user_id)
        if user is None or not user.active:
            continue
        params = SearchParams.from_args(MultiDict(saved.params))
        query = matching_items(user, replace(params, page=1), now)
        since = visible_since_expression(user)
        already = select(SavedSearchHit.item_id).where(SavedSearchHit.saved_search_id == saved.id)
        new_items = list(db.session.scalars(
            query.where(since > saved.checked_until, since <= now, Item.id.not_in(already))
            .order_by(Item.published_at.desc(), Item.id.desc()).limit(MAX_ALERT_ITEMS)
        ))
        saved.checked_until = now
        if not new_items:
            continue
        for item in new_items:
            db.session.add(SavedSearchHit(saved_search_id=saved.id, item_id=item.id))
        link = f"/items/{new_items[0].id}" if len(new_items) == 1 else f"/items?{urlencode(saved.params, doseq=True)}"
        notifications.notify(user, "saved_search_match",
                             {"search": saved.name, "item_ids": [item.id for item in new_items],
                              "title": new_items[0].title}, link)
        made += 1
    db.session.flush()
    return made


@account_signals.personal_data_collecting.connect
def _personal_searches(user: User) -> dict[str, Any]:
    return {"saved_searches": [{"name": s.name, "search": s.params} for s in db.session.scalars(
        select(SavedSearch).where(SavedSearch.user_id == user.id))]}


@account_signals.personal_data_erasing.connect
def _erase_searches(user: User) -> None:
    db.session.execute(delete(SavedSearch).where(SavedSearch.user_id == user.id))
