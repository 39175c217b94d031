"""The SQL of a search, built once per shape and kept per worker.

A search's statements are large (the visibility clause, the text index, the sample with its page and counts), and
building one, with its key for SQLAlchemy's statement cache, cost more Python than running it (decision 58). So
each is built from a ``Shape``, what decides its SQL (whose visibility, which filters are chosen, the order), with
every value a named parameter (``values``), and kept: the next search of the same shape only binds its values. A
parameter left without a value is an error when the statement runs, never a value of an earlier search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, null, or_, select, type_coerce, union_all

from marketplace.i18n import oslo_date
from marketplace.listings.models import Category, CategoryGroup, Condition, Item, ItemStatus
from marketplace.listings.visibility import Plan, kept_clause, reachable_municipalities
from marketplace.organisations.models import Organisation
from marketplace.search.index import Matches, SearchIndex
from marketplace.search.params import SearchParams
from marketplace.search.text import query_terms

# The filters that are also facets: each is a function of an item's category, condition, municipality and unit,
# so one pass grouped by those columns counts every facet, with or without any of these filters.
FACET_FILTERS = frozenset({"group", "category", "condition", "municipality", "unit"})
# A text search's sample, as plain columns (type_coerce renders as the column): a table's columns copy their foreign
# keys into every derived table they pass through, a fifth of the Python of building the statement (decision 58).
_SAMPLED = tuple(type_coerce(column, column.type).label(column.key) for column in (
    Item.id, Item.published_at, Item.quantity, Item.category_id, Item.condition, Item.municipality_id, Item.unit_id))
# Statements kept per worker, of each kind: a few shapes for each person searching (``Shape.key``: a member's is
# their own). A text sample is about 100 kB (measured), so at most about 25 MB a worker.
KEPT = 256


@dataclass(frozen=True)
class Shape:
    """What decides a search's SQL: whose visibility (``listings.visibility.visibility_key``), on which engine and
    whether a national market's text search reads its matches a window at a time, whether it has words, which
    filters are chosen (how many municipalities: each is its own subquery), and the order. Everything else is a
    value (``values``)."""

    key: Plan | bool
    postgres: bool
    windowed: bool
    words: bool
    group: bool
    categories: bool
    conditions: bool
    municipalities: int
    unit: bool
    location: bool
    available_now: bool
    min_quantity: bool
    offer: bool
    sort: str

    @classmethod
    def of(cls, key: Plan | bool, params: SearchParams, index: SearchIndex) -> Shape:
        return cls(key, index.postgres, index.windowed(reachable_municipalities(key)), bool(query_terms(params.q)),
                   bool(params.group), bool(params.categories), bool(params.conditions), len(params.municipalities),
                   params.unit is not None, params.location is not None, params.available_now,
                   bool(params.min_quantity), bool(params.offer), params.effective_sort)

    @property
    def facet_filtered(self) -> bool:
        return self.group or self.categories or self.conditions or bool(self.municipalities) or self.unit

    @property
    def index(self) -> SearchIndex:
        return SearchIndex("postgresql" if self.postgres else "sqlite")


def values(params: SearchParams, now: datetime, index: SearchIndex, *, limit: int) -> dict[str, Any]:
    """The parameters of every statement of this module for a search of ``params`` at ``now``, counting exactly up
    to ``limit`` matches (``count_limit`` is set where a count is capped: ``capped_count``)."""
    found: dict[str, Any] = {
        "visible_at": now, "per_page": params.per_page, "offset": (params.page - 1) * params.per_page,
        "sample_limit": limit, "sample_size": limit + 1, "group": CategoryGroup(params.group) if params.group else None,
        "categories": list(params.categories), "conditions": [Condition(value) for value in params.conditions],
        "unit": params.unit, "location": params.location, "available_on": oslo_date(now),
        "min_quantity": params.min_quantity, "offer": params.offer,
        **{f"municipality_{number}": slug for number, slug in enumerate(params.municipalities)},
    }
    return found | index.values(params.q, now)


def _facet_conditions(shape: Shape, columns, skip: frozenset[str] = frozenset()) -> list:
    """The facet filters of ``shape`` (but those named in ``skip``) on ``columns``: the items table, or a derived
    table with the same category_id, condition, municipality_id and unit_id columns."""
    conditions = []
    if shape.group and "group" not in skip:
        conditions.append(columns.category_id.in_(select(Category.id).where(Category.group == bindparam("group"))))
    if shape.categories and "category" not in skip:
        conditions.append(columns.category_id.in_(
            select(Category.id).where(Category.slug.in_(bindparam("categories", expanding=True)))))
    if shape.conditions and "condition" not in skip:
        conditions.append(columns.condition.in_(bindparam("conditions", expanding=True)))
    if shape.municipalities and "municipality" not in skip:
        conditions.append(columns.municipality_id.in_(_chosen_municipalities(shape)))
    if shape.unit and "unit" not in skip:
        conditions.append(columns.unit_id == bindparam("unit"))
    return conditions


def _chosen_municipalities(shape: Shape) -> list:
    """The chosen municipalities' ids as one-row subqueries, one a slug: SQLite seeks the visibility index by
    these, not every reachable one; a slug that names no municipality is NULL, and matches nothing."""
    return [select(Organisation.id).where(Organisation.slug == bindparam(f"municipality_{number}")).scalar_subquery()
            for number in range(shape.municipalities)]


def _filtered(shape: Shape, skip: frozenset[str] = frozenset(), walked: bool = False,
              matches: Matches | None = None) -> tuple[Select, Matches | None]:
    """The published items of ``shape`` that the viewer may see, leaving out the filters named in ``skip`` (so the
    facets can be counted without their own choices). Returns the query and the text index's matches
    (``index.Matches``, with their rank; None without words); ``walked``: the word as a filter instead of a join
    (``SearchIndex.newest_or_walked``), with the ``matches`` of the joined query."""
    query = select(Item).where(kept_clause(shape.key), Item.status == ItemStatus.PUBLISHED,
                               *_facet_conditions(shape, Item, skip))
    if shape.words:
        chosen = _chosen_municipalities(shape) if shape.municipalities and "municipality" not in skip else None
        matches = matches or shape.index.matches(reachable_municipalities(shape.key), chosen)
        if walked:
            query = query.where((Item.id + 0).in_(matches.ids))
        else:
            query = query.join(matches.table, matches.table.c.item_id == Item.id)
    if shape.available_now:
        query = query.where(or_(Item.available_from.is_(None), Item.available_from <= bindparam("available_on")))
    if shape.min_quantity:
        query = query.where(Item.quantity >= bindparam("min_quantity"))
    if shape.offer:
        query = query.where(Item.offer == bindparam("offer"))
    if shape.location:  # not a facet: under the visibility clause, so it reveals nothing hidden
        query = query.where(Item.location_id == bindparam("location"))
    return query, matches


def matching(shape: Shape) -> Select:
    """The visible published items of ``shape``, every filter applied: a query to build on (built anew)."""
    return _filtered(shape)[0]


def _order(shape: Shape, columns, rank=None) -> list:
    """The ORDER BY of a page on ``columns`` (the items table or a derived table): stable, the id last."""
    if shape.sort == "relevance" and rank is not None:
        return [rank, columns.published_at.desc(), columns.id.desc()]
    if shape.sort == "quantity":
        return [columns.quantity.desc(), columns.id.desc()]
    return [columns.published_at.desc(), columns.id.desc()]


@lru_cache(maxsize=KEPT)
def page(shape: Shape) -> Select:
    """The ids of the page, picked and ordered from the items' visibility index alone (a deep page skips thousands
    of entries, not thousands of rows); the rows of those ids are read after."""
    query, matches = _filtered(shape)
    return (query.with_only_columns(Item.id).order_by(*_order(shape, Item, matches.rank if matches else None))
            .limit(bindparam("per_page")).offset(bindparam("offset")))


@lru_cache(maxsize=KEPT)
def grouped(shape: Shape, by_unit: bool) -> Select:
    """The newest visible items of ``shape`` without its facet filters, at most ``sample_limit`` + 1, counted by
    category, condition and municipality (and unit, when its facet is shown) from the items' visibility indexes.
    The facet filters are applied to these rows in Python (``facets.Facets``): below the limit the total and every
    facet, with or without its own choice, come from this one pass."""
    query, _matches = _filtered(shape, skip=FACET_FILTERS)
    columns = [Item.category_id, Item.condition, Item.municipality_id] + ([Item.unit_id] if by_unit else [])
    sample = (query.with_only_columns(*columns).order_by(Item.published_at.desc(), Item.id.desc())
              .limit(bindparam("sample_size")).subquery("sample"))
    columns = [sample.c[column.key] for column in columns]
    return select(*columns, func.count()).group_by(*columns)


@lru_cache(maxsize=KEPT)
def capped_count(shape: Shape) -> Select:
    """How many items match ``shape``, counting no further than ``count_limit``: the count stops there."""
    counted = _filtered(shape)[0].with_only_columns(Item.id).limit(bindparam("count_limit")).order_by(None)
    return select(func.count()).select_from(counted.subquery())


@lru_cache(maxsize=KEPT)
def text_sample(shape: Shape, grouped: bool, by_unit: bool, skip: frozenset[str] = FACET_FILTERS) -> Select:
    """A text search in one statement with one pass over the text index: the newest visible matches (without the
    filters named in ``skip``), ``sample_limit`` and one more to tell whether there are more, are materialised
    once with their rank, then the page (every filter applied, in the search's order, among the ``sample_limit``
    newest) and either the grouped counts or two counts (of the sample, and of those passing every filter) are
    read from them. Below the limit the sample is every match, so page, total and facets are exact and the page
    is ranked among all matches; above it, a broad word is answered from its newest matches instead of ranking and
    counting hundreds of thousands of them (decision 46).

    Its rows: first the counts, with NULL id and position; then the page's, with its id and position (``union``
    ALL promises no order). Run it with ``SearchIndex.planned``."""
    index = shape.index
    size = bindparam("sample_size")
    query, matches = _filtered(shape, skip=skip)
    if shape.windowed:  # PostgreSQL, a national market: the newest matches a window of time at a time
        base = index.newest(query, matches, _SAMPLED, size)
    elif matches.published_at is not None:  # PostgreSQL, a regional market: every match ranked
        base = query.with_only_columns(*_SAMPLED, matches.rank.label("rank")).order_by(
            Item.published_at.desc(), Item.id.desc()).limit(size)
    else:  # SQLite: every match ranked, or the newest of a broad word's
        walked = _filtered(shape, skip=skip, walked=True, matches=matches)[0]
        narrowed = skip != FACET_FILTERS and shape.facet_filtered
        base = index.newest_or_walked(query, walked, matches, _SAMPLED, size, narrowed)
    base = base.cte("base").prefix_with("MATERIALIZED")
    # The page is ordered among the ``sample_limit`` newest (the sample's last row only tells that there are more).
    newest = (select(base).order_by(base.c.published_at.desc(), base.c.id.desc()).limit(bindparam("sample_limit"))
              .subquery("newest"))
    order = _order(shape, newest.c, newest.c.rank)
    chosen = (
        select(newest.c.id, func.row_number().over(order_by=order).label("position"))
        .where(*_facet_conditions(shape, newest.c, FACET_FILTERS - skip)).order_by(*order)
        .limit(bindparam("per_page")).offset(bindparam("offset")).subquery("page")
    )
    filters = _facet_conditions(shape, base.c, FACET_FILTERS - skip)
    if grouped:
        columns = [base.c.category_id, base.c.condition, base.c.municipality_id]
        columns += [base.c.unit_id] if by_unit else []
        counts = select(*columns, func.count()).group_by(*columns)
    else:
        passing = func.count(case((and_(*filters), 1))) if filters else func.count()
        counts = select(func.count(), passing).select_from(base)
    width = len(counts.selected_columns)
    return union_all(
        counts.add_columns(null().label("id"), null().label("position")),
        select(*[null()] * width, chosen.c.id, chosen.c.position),
    )
