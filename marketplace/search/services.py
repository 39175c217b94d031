"""Search: what the viewer may see, matched, filtered, counted and ordered, all in the database.

Visibility is part of every query here (never a filter on results afterwards), so totals, facet counts and
pages can never reveal an item the viewer may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, delete, func, null, or_, select, type_coerce, union_all
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from marketplace.accounts import signals as account_signals
from marketplace.accounts.models import User
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from marketplace.i18n import oslo_date
from marketplace.inputs import MAX_ID
from marketplace.listings import lists
from marketplace.listings.models import Category, CategoryGroup, Condition, Item, ItemOffer, ItemStatus
from marketplace.listings.signals import item_deleting, item_saved
from marketplace.listings.visibility import Visibility, visibility, visible_since_expression
from marketplace.notifications import services as notifications
from marketplace.organisations.models import Organisation
from marketplace.search import permissions, text, vocabulary
from marketplace.search.facets import Facets, FacetValue
from marketplace.search.index import Matches, SearchIndex
from marketplace.search.models import SavedSearch, SavedSearchHit

SORTS = ("relevance", "newest", "quantity")
PER_PAGE_CHOICES = (12, 24, 48)
MAX_PAGE = 10_000
MAX_QUERY_LENGTH = 200
# Matches counted exactly (and ranked, for a text search): above it, "more than 1 000" (decision 46). Setting
# ``SEARCH_EXACT_COUNT_LIMIT`` changes it; it is never below what the typo suggestions count.
EXACT_COUNT_LIMIT = 1000
FEW_HITS_COUNTED = 3
# A text search's sample, as plain columns (type_coerce renders as the column): a table's columns copy their foreign
# keys into every derived table they pass through, a fifth of the Python of building the statement (decision 58).
_SAMPLED = tuple(type_coerce(column, column.type).label(column.key) for column in (
    Item.id, Item.published_at, Item.quantity, Item.category_id, Item.condition, Item.municipality_id, Item.unit_id))


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    group: str = ""
    categories: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    unit: int | None = None
    location: int | None = None  # the pickup location or store where the items stand
    available_now: bool = False
    offer: str = ""  # "lend": only items lent out (and returned); "give": only those given away
    min_quantity: Decimal | None = None
    sort: str = ""
    page: int = 1
    per_page: int = 24
    ignored: tuple[str, ...] = field(default=(), compare=False)  # parameters that made no sense

    @classmethod
    def from_args(cls, args) -> SearchParams:
        """Read a search from URL parameters; nonsense is ignored (and listed), never an error."""
        ignored: list[str] = []

        def one_of(name: str, allowed) -> str:
            value = (args.get(name) or "").strip()
            if value and value not in allowed:
                ignored.append(name)
                return ""
            return value

        def many(name: str, allowed=None) -> tuple[str, ...]:
            values = [value.strip() for value in args.getlist(name) if value.strip()][:50]
            kept = tuple(dict.fromkeys(v for v in values if allowed is None or v in allowed))
            if len(kept) < len(set(values)):
                ignored.append(name)
            return kept

        def number(name: str, cast, low, high, default):
            raw = (args.get(name) or "").strip().replace(",", ".")
            if not raw:
                return default
            try:
                if not raw.isascii():  # int() and Decimal() would read other scripts' digits too
                    raise ValueError(raw)
                value = cast(raw)
            except (ValueError, InvalidOperation):
                ignored.append(name)
                return default
            if not value == value or value < low:  # NaN or too small
                ignored.append(name)
                return default
            return min(value, high)

        per_page = number("per_page", int, 1, max(PER_PAGE_CHOICES), 24)
        return cls(
            q=(args.get("q") or "")[:MAX_QUERY_LENGTH].strip(),
            group=one_of("group", {group.value for group in CategoryGroup}),
            categories=many("category"),
            conditions=many("condition", {condition.value for condition in Condition}),
            municipalities=many("municipality"),
            unit=number("unit", int, 1, MAX_ID, None),
            location=number("location", int, 1, MAX_ID, None),
            available_now=(args.get("available") or "") in {"1", "on", "true", "yes"},
            offer=one_of("offer", {offer.value for offer in ItemOffer}),
            min_quantity=number("min_quantity", Decimal, Decimal(0), Decimal(10**9), None),
            sort=one_of("sort", SORTS),
            page=number("page", int, 1, MAX_PAGE, 1),
            per_page=min(PER_PAGE_CHOICES, key=lambda choice: abs(choice - per_page)),
            ignored=tuple(ignored),
        )

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """URL parameters for this search with ``changes``; the page goes back to 1 unless given."""
        params = replace(self, **({"page": 1} | changes))
        args: dict[str, Any] = {
            "q": params.q or None, "group": params.group or None, "category": list(params.categories) or None,
            "condition": list(params.conditions) or None, "municipality": list(params.municipalities) or None,
            "unit": params.unit, "location": params.location, "available": "1" if params.available_now else None,
            "offer": params.offer or None,
            "min_quantity": format(params.min_quantity.normalize(), "f") if params.min_quantity else None,
            "sort": params.sort or None, "page": params.page if params.page > 1 else None,
            "per_page": params.per_page if params.per_page != 24 else None,
        }
        return {key: value for key, value in args.items() if value is not None}

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.group or self.categories or self.conditions or self.municipalities
                    or self.unit or self.location or self.available_now or self.offer or self.min_quantity)


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


# The filters that are also facets: each is a function of an item's category, condition, municipality and unit,
# so one pass grouped by those columns counts every facet, with or without any of these filters.
FACET_FILTERS = frozenset({"group", "category", "condition", "municipality", "unit"})


def _facet_conditions(params: SearchParams, columns, skip: frozenset[str] = frozenset()) -> list:
    """The facet filters of ``params`` (but those named in ``skip``) on ``columns``: the items table, or a
    derived table with the same category_id, condition, municipality_id and unit_id columns."""
    conditions = []
    if params.group and "group" not in skip:
        conditions.append(columns.category_id.in_(
            select(Category.id).where(Category.group == CategoryGroup(params.group))))
    if params.categories and "category" not in skip:
        conditions.append(columns.category_id.in_(select(Category.id).where(Category.slug.in_(params.categories))))
    if params.conditions and "condition" not in skip:
        conditions.append(columns.condition.in_([Condition(value) for value in params.conditions]))
    if params.municipalities and "municipality" not in skip:
        # One-row subqueries, one a slug: SQLite seeks the visibility index by these, not every reachable one.
        conditions.append(columns.municipality_id.in_([select(Organisation.id).where(Organisation.slug == slug)
                                                       .scalar_subquery() for slug in params.municipalities]))
    if params.unit and "unit" not in skip:
        conditions.append(columns.unit_id == params.unit)
    return conditions


def _filtered(visible: Visibility, params: SearchParams, now: datetime, skip: frozenset[str] = frozenset(),
              walked: bool = False, matches: Matches | None = None):
    """The published items matching ``params`` that the viewer may see (``visible``, built once per search),
    leaving out the filters named in ``skip`` (so the facets can be counted without their own choices).
    Returns the query and the text index's matches (``index.Matches``, with their rank; None without words)."""
    query = select(Item).where(visible.clause, Item.status == ItemStatus.PUBLISHED,
                               *_facet_conditions(params, Item, skip))
    matches = matches or (search_index().matches(params.q, visible.municipality_ids) if params.q else None)
    if matches is not None and walked:  # the word as a filter (``SearchIndex.newest_or_walked``)
        query = query.where((Item.id + 0).in_(matches.ids))
    elif matches is not None:
        query = query.join(matches.table, matches.table.c.item_id == Item.id)
    if params.available_now:
        query = query.where(or_(Item.available_from.is_(None), Item.available_from <= oslo_date(now)))
    if params.min_quantity:
        query = query.where(Item.quantity >= params.min_quantity)
    if params.offer:
        query = query.where(Item.offer == params.offer)
    if params.location:  # not a facet: under the visibility clause, so it reveals nothing hidden
        query = query.where(Item.location_id == params.location)
    return query, matches


def _rank(matches: Matches | None):
    return None if matches is None else matches.rank


def matching_items(visible: Visibility, params: SearchParams, now: datetime) -> Select:
    """The visible published items matching ``params``, every filter applied (for ``suggest.py``)."""
    return _filtered(visible, params, now)[0]


def _order(params: SearchParams, columns, rank=None) -> list:
    """The ORDER BY of a page on ``columns`` (the items table or a derived table): stable, the id last."""
    sort = params.effective_sort
    if sort == "relevance" and rank is not None:
        return [rank, columns.published_at.desc(), columns.id.desc()]
    if sort == "quantity":
        return [columns.quantity.desc(), columns.id.desc()]
    return [columns.published_at.desc(), columns.id.desc()]


def _ordered(query: Select, params: SearchParams, rank) -> Select:
    return query.order_by(*_order(params, Item, rank))


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


def _page_ids(query: Select, params: SearchParams, rank) -> list[int]:
    """The ids of the page, picked and ordered from the items' visibility index alone (a deep page skips
    thousands of entries, not thousands of rows); ``_rows_of`` then reads the rows of those ids only."""
    return list(db.session.scalars(
        _ordered(query.with_only_columns(Item.id), params, rank)
        .limit(params.per_page).offset((params.page - 1) * params.per_page)))


def exact_count_limit() -> int:
    """How many matches a search counts exactly (app config ``SEARCH_EXACT_COUNT_LIMIT``); above it the total is
    "more than" that and the facets list their values without counts (decision 46)."""
    return max(FEW_HITS_COUNTED, int(current_app.config.get("SEARCH_EXACT_COUNT_LIMIT", EXACT_COUNT_LIMIT)))


@dataclass
class _Sample:
    """The newest matches of a search, at most the exact-count limit and one more, read in one statement."""

    page_ids: list[int]
    rows: list[tuple]  # grouped counts of the sample (``facets.Facets.count``), or empty
    size: int  # rows in the sample: over the limit means there are more matches than are counted
    matched: int  # of them, those that pass every filter


def _text_sample(visible, params: SearchParams, now: datetime, *, limit: int, grouped: bool, by_unit: bool,
                 skip: frozenset[str] = FACET_FILTERS) -> _Sample:
    """A text search in one statement with one pass over the text index: the newest visible matches (without
    the filters named in ``skip``), ``limit`` and one more to tell whether there are more, are materialised
    once with their rank, then the page (every filter applied, in the search's order, among the ``limit``
    newest) and either the grouped counts or the two counts of ``_Sample`` are read from them. Below the limit
    the sample is every match, so page, total and facets are exact and the page is ranked among all matches;
    above it, a broad word is answered from its newest matches instead of ranking and counting hundreds of
    thousands of them (decision 46)."""
    query, matches = _filtered(visible, params, now, skip=skip)
    windowed = search_index().windowed(visible.municipality_ids)
    if windowed:  # PostgreSQL, a national market: the newest matches a window of time at a time
        base = search_index().newest(query, matches, _SAMPLED, limit + 1, now).cte("base").prefix_with("MATERIALIZED")
    elif matches.published_at is not None:  # PostgreSQL, a regional market: every match ranked
        base = query.with_only_columns(*_SAMPLED, matches.rank.label("rank")).order_by(
            Item.published_at.desc(), Item.id.desc()).limit(limit + 1).cte("base").prefix_with("MATERIALIZED")
    else:  # SQLite: every match ranked, or the newest of a broad word's
        walked = _filtered(visible, params, now, skip=skip, walked=True, matches=matches)[0]
        narrowed = skip != FACET_FILTERS and _has_facet_filters(params)
        base = (search_index().newest_or_walked(query, walked, matches, _SAMPLED, limit + 1, narrowed).cte("base")
                .prefix_with("MATERIALIZED"))
    # The page is ordered among the ``limit`` newest (the sample's last row only tells that there are more).
    newest = select(base).order_by(base.c.published_at.desc(), base.c.id.desc()).limit(limit).subquery("newest")
    order = _order(params, newest.c, newest.c.rank)
    page = (
        select(newest.c.id, func.row_number().over(order_by=order).label("position"))
        .where(*_facet_conditions(params, newest.c, FACET_FILTERS - skip)).order_by(*order)
        .limit(params.per_page).offset((params.page - 1) * params.per_page).subquery("page")
    )
    filters = _facet_conditions(params, base.c, FACET_FILTERS - skip)
    if grouped:
        columns = [base.c.category_id, base.c.condition, base.c.municipality_id]
        columns += [base.c.unit_id] if by_unit else []
        counts = select(*columns, func.count()).group_by(*columns)
    else:
        passing = func.count(case((and_(*filters), 1))) if filters else func.count()
        counts = select(func.count(), passing).select_from(base)
    width = len(counts.selected_columns)
    # The counts come first (their column types are the statement's); the page's rows are told apart by their
    # position, which also orders them (a UNION ALL promises no order).
    statement = union_all(
        counts.add_columns(null().label("id"), null().label("position")),
        select(*[null()] * width, page.c.id, page.c.position),
    )
    page_ids: list[tuple[int, int]] = []
    count_rows = []
    with search_index().planned(db.session, windowed):
        rows = db.session.execute(statement).all()
    for row in rows:
        if row[-1] is None:
            count_rows.append(tuple(row[:width]))
        else:
            page_ids.append((row[-1], row[-2]))
    ids = [item_id for _position, item_id in sorted(page_ids)]
    if grouped:
        return _Sample(ids, count_rows, size=sum(row[-1] for row in count_rows), matched=0)
    size, matched = count_rows[0] if count_rows else (0, 0)
    return _Sample(ids, [], size=size, matched=matched)


def _grouped_sample(visible, params, now, limit: int, by_unit: bool) -> list[tuple]:
    """The newest visible items of the search without its facet filters, at most ``limit``, counted by category,
    condition and municipality (and unit, when its facet is shown) from the items' visibility indexes. The facet
    filters are applied to these rows in Python (``facets.Facets``): below the limit the total and every facet,
    with or without its own choice, come from this one pass."""
    query, _matches = _filtered(visible, params, now, skip=FACET_FILTERS)
    columns = [Item.category_id, Item.condition, Item.municipality_id] + ([Item.unit_id] if by_unit else [])
    sample = (query.with_only_columns(*columns).order_by(Item.published_at.desc(), Item.id.desc()).limit(limit)
              .subquery("sample"))
    columns = [sample.c[column.key] for column in columns]
    return db.session.execute(select(*columns, func.count()).group_by(*columns)).all()


def _capped_count(query: Select, limit: int) -> int:
    """How many rows ``query`` has, counting no further than ``limit``: the count stops there."""
    return db.session.scalar(select(func.count()).select_from(query.with_only_columns(Item.id).limit(limit)
                                                              .order_by(None).subquery()))


def _has_facet_filters(params: SearchParams) -> bool:
    return bool(params.group or params.categories or params.conditions or params.municipalities or params.unit)


def search(user: User, params: SearchParams, *, locale: str = "nb", now: datetime | None = None,
           with_facets: bool = True, visible: Visibility | None = None, cards: bool = False) -> SearchResult:
    """The page, total and facets of ``params`` for ``user``. Up to ``exact_count_limit()`` matches everything is
    exact and a text search is ranked among all its matches; above it (decision 46) the total is a lower bound
    (``total_is_exact``), the facets list the values of the newest matches without counts, and a page in
    relevance or quantity order is ordered among the newest matches (``reach``), while a page newest first, or
    of a search without words, comes from the index in that order. With ``cards``, the items are read as cards
    show them (``listings.lists``), not with all their photos."""
    now = now or utcnow()
    visible = visible or visibility(user, now)  # built once (or given): every query of this search shares it
    limit = exact_count_limit()
    # The unit facet is shown once the search is narrowed to municipalities (units belong to one) or a unit.
    by_unit = bool(params.municipalities or params.unit)
    faceted = _has_facet_filters(params)
    reach = None
    if text.query_terms(params.q):
        sample = _text_sample(visible, params, now, limit=limit, grouped=with_facets, by_unit=by_unit)
        page_ids, rows, exact = sample.page_ids, sample.rows, sample.size <= limit
        total = sample.matched if exact else sample.size
        if not exact and faceted:  # more matches than counted, but the chosen facets may leave few of them
            chosen = _text_sample(visible, params, now, limit=limit, grouped=False, by_unit=False,
                                  skip=frozenset())
            page_ids, total = chosen.page_ids, chosen.size
        if total > limit:
            reach = None if params.effective_sort == "newest" else limit
            if reach is None and params.page * params.per_page > limit:  # beyond the newest: from the index
                query, matches = _filtered(visible, params, now)
                page_ids = _page_ids(query, params, _rank(matches))
        items = _rows_of(page_ids, cards)
    else:
        query, matches = _filtered(visible, params, now)
        items = _rows_of(_page_ids(query, params, _rank(matches)), cards)
        rows = _grouped_sample(visible, params, now, limit + 1, by_unit) if with_facets else []
        exact = with_facets and sum(row[-1] for row in rows) <= limit
        total = 0 if exact else limit + 1 if with_facets and not faceted else _capped_count(query, limit + 1)
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
        query, _matches = _filtered(visibility(user, now), replace(params, page=1), now)
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
