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

from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, null, or_, select, union_all
from werkzeug.datastructures import MultiDict

from marketplace.accounts import signals as account_signals
from marketplace.accounts.models import User
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from marketplace.inputs import MAX_ID
from marketplace.i18n import oslo_date
from marketplace.listings.models import Category, CategoryGroup, Condition, Item, ItemOffer, ItemStatus
from marketplace.listings.signals import item_deleting, item_saved
from marketplace.listings.visibility import Visibility, visibility, visible_since_expression
from marketplace.notifications import services as notifications
from marketplace.organisations.models import Organisation, Unit
from marketplace.search import permissions, text, vocabulary
from marketplace.search.index import SearchIndex
from marketplace.search.models import SavedSearch, SavedSearchHit

SORTS = ("relevance", "newest", "quantity")
PER_PAGE_CHOICES = (12, 24, 48)
MAX_PAGE = 10_000
MAX_QUERY_LENGTH = 200


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


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    params: SearchParams
    items: list[Item]
    total: int
    facets: dict[str, list[FacetValue]]
    suggestion: Any = None  # a close match for a misspelt query (suggest.Suggestion), set by suggest.search

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.params.per_page))


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
        conditions.append(columns.municipality_id.in_(
            select(Organisation.id).where(Organisation.slug.in_(params.municipalities))))
    if params.unit and "unit" not in skip:
        conditions.append(columns.unit_id == params.unit)
    return conditions


def _filtered(visible: Visibility, params: SearchParams, now: datetime, skip: frozenset[str] = frozenset()):
    """The published items matching ``params`` that the viewer may see (``visible``, built once per search),
    leaving out the filters named in ``skip`` (so the facets can be counted without their own choices).
    Returns the query and the text-match subquery."""
    query = select(Item).where(visible.clause, Item.status == ItemStatus.PUBLISHED,
                               *_facet_conditions(params, Item, skip))
    matches = search_index().matches(params.q, visible.municipality_ids) if params.q else None
    if matches is not None:
        query = query.join(matches, matches.c.item_id == Item.id)
    if params.available_now:
        query = query.where(or_(Item.available_from.is_(None), Item.available_from <= oslo_date(now)))
    if params.min_quantity:
        query = query.where(Item.quantity >= params.min_quantity)
    if params.offer:
        query = query.where(Item.offer == params.offer)
    if params.location:  # not a facet: under the visibility clause, so it reveals nothing hidden
        query = query.where(Item.location_id == params.location)
    return query, matches


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


def _ordered(query: Select, params: SearchParams, matches) -> Select:
    return query.order_by(*_order(params, Item, matches.c.rank if matches is not None else None))


def _rows_of(ids: list[int]) -> list[Item]:
    """The items of ``ids``, in that order, read in one query."""
    if not ids:
        return []
    by_id = {item.id: item for item in db.session.scalars(select(Item).where(Item.id.in_(ids)))}
    return [by_id[item_id] for item_id in ids]


def _page(query: Select, params: SearchParams, matches) -> list[Item]:
    """The items of the page: first their ids, picked and ordered from the items' visibility index alone (a
    deep page skips thousands of entries, not thousands of rows), then the rows of those ids only."""
    return _rows_of(list(db.session.scalars(
        _ordered(query.with_only_columns(Item.id), params, matches)
        .limit(params.per_page).offset((params.page - 1) * params.per_page)
    )))


def _text_search(visible, params: SearchParams, now: datetime, *, with_facets: bool, by_unit: bool):
    """A text search in one statement with one pass over the text index: the visible matches (without the
    facet filters) are materialised once, with their rank, then both the page (facet filters applied) and the
    grouped counts (as ``_grouped_counts``), or without facets only the total, are read from them. Broad
    words match tens of thousands of documents, so reading the index once per search instead of once per
    query is the difference; and only the visible matches are ranked. Returns (page ids, count rows)."""
    query, matches = _filtered(visible, params, now, skip=FACET_FILTERS)
    base = query.with_only_columns(
        Item.id, Item.published_at, Item.quantity, Item.category_id, Item.condition, Item.municipality_id,
        Item.unit_id, matches.c.rank.label("rank"),
    ).cte("base").prefix_with("MATERIALIZED")  # both engines would otherwise inline it into each part
    order = _order(params, base.c, base.c.rank)
    page = (
        select(base.c.id, func.row_number().over(order_by=order).label("position"))
        .where(*_facet_conditions(params, base.c)).order_by(*order)
        .limit(params.per_page).offset((params.page - 1) * params.per_page).subquery("page")
    )
    if with_facets:
        columns = [base.c.category_id, base.c.condition, base.c.municipality_id]
        columns += [base.c.unit_id] if by_unit else []
        counts = select(*columns, func.count()).group_by(*columns)
    else:
        counts = select(func.count()).select_from(base).where(*_facet_conditions(params, base.c))
    width = len(counts.selected_columns)
    # The counts come first (their column types are the statement's); the page's rows are told apart by their
    # position, which also orders them (a UNION ALL promises no order).
    statement = union_all(
        counts.add_columns(null().label("id"), null().label("position")),
        select(*[null()] * width, page.c.id, page.c.position),
    )
    page_ids: list[tuple[int, int]] = []
    count_rows = []
    with search_index().planned(db.session):
        rows = db.session.execute(statement).all()
    for row in rows:
        if row[-1] is None:
            count_rows.append(tuple(row[:width]))
        else:
            page_ids.append((row[-1], row[-2]))
    return [item_id for _position, item_id in sorted(page_ids)], count_rows


def _grouped_counts(visible, params, now, by_unit: bool):
    """One pass over the search without its facet filters, counted by category, condition and municipality
    (and unit, when its facet is shown) in the items' visibility index alone. The facet filters are applied to
    these rows in Python (``_Facets``): the total and every facet, with or without its own choice, come from this
    one pass instead of one pass per chosen facet (each of which would read every text match again)."""
    query, _matches = _filtered(visible, params, now, skip=FACET_FILTERS)
    columns = [Item.category_id, Item.condition, Item.municipality_id] + ([Item.unit_id] if by_unit else [])
    grouped = query.with_only_columns(*columns, func.count()).group_by(*columns).order_by(None)
    return db.session.execute(grouped).all()


def _facet_values(counts: dict[str, int], label_of, selected) -> list[FacetValue]:
    """The facet's values by label; a chosen value that no longer matches anything stays in the panel (with
    0), so it can be unticked."""
    values = sorted((FacetValue(key, label_of(key), count, key in selected) for key, count in counts.items()),
                    key=lambda value: value.label)
    return values + [FacetValue(str(key), str(key), 0, True) for key in selected if key and key not in counts]


class _Facets:
    """Turns grouped counts into facet values; labels come from a few small reads, not from joins."""

    def __init__(self, params: SearchParams, locale: str) -> None:
        self.params = params
        self.locale = locale
        self.categories = {category.id: category for category in db.session.scalars(select(Category))}
        self.by_slug = {category.slug: category for category in self.categories.values()}
        self.municipalities: dict[int, tuple[str, str]] = {}  # id → (slug, name), read as needed

    def _municipality(self, ids) -> None:
        missing = set(ids) - self.municipalities.keys()
        if missing:
            self.municipalities.update((id_, (slug, name)) for id_, slug, name in db.session.execute(
                select(Organisation.id, Organisation.slug, Organisation.name).where(Organisation.id.in_(missing))))

    def count(self, rows, by_unit: bool) -> tuple[int, dict[str, list[FacetValue]]]:
        """The total and every facet from the ``_grouped_counts`` rows (with the unit facet if they are grouped
        ``by_unit`` too), applying the facet filters as ``_facet_conditions`` does in SQL. A facet counts the
        groups that pass every other facet filter, so a chosen facet still shows its alternatives."""
        self._municipality({row[2] for row in rows})
        params = self.params
        # Each column's facet keys and whether they pass their filter, worked out once per distinct value (a
        # search over every visible item has a thousand groups, but only a few dozen distinct values).
        by_category = {
            category_id: (
                (("group", category.group.value), not params.group or category.group.value == params.group),
                (("category", category.slug), not params.categories or category.slug in params.categories),
            )
            for category_id, category in self.categories.items()
        }
        by_condition: dict = {}
        by_municipality = {
            municipality_id: (("municipality", slug),
                              not params.municipalities or slug in params.municipalities)
            for municipality_id, (slug, _name) in self.municipalities.items()
        }
        tallies: dict[str, dict[str, int]] = {"group": {}, "category": {}, "condition": {}, "municipality": {},
                                              "unit": {}}
        total = 0
        for row in rows:
            category_id, condition, municipality_id = row[:3]
            unit_id, count = (row[3], row[4]) if by_unit else (None, row[3])
            if condition not in by_condition:
                value = Condition(condition).value
                by_condition[condition] = (("condition", value),
                                           not params.conditions or value in params.conditions)
            checks = [*by_category[category_id], by_condition[condition], by_municipality[municipality_id]]
            if unit_id is not None:
                checks.append((("unit", str(unit_id)), not params.unit or unit_id == params.unit))
            elif params.unit:
                continue  # no unit: outside the search, and not counted in the unit facet either
            failed = [key for key, ok in checks if not ok]
            if not failed:
                total += count
                counted = [key for key, _ok in checks]
            elif len(failed) == 1:
                counted = failed  # inside the search but for this facet's own filter: one of its alternatives
            else:
                continue
            for facet, key in counted:
                tallies[facet][key] = tallies[facet].get(key, 0) + count
        names = {slug: name for slug, name in self.municipalities.values()}
        label_of = {
            "group": lambda key: key,
            "category": lambda key: self.by_slug[key].name(self.locale),
            "condition": lambda key: key,
            "municipality": lambda key: names.get(key, key),
        }
        params = self.params
        selected = {"group": (params.group,), "category": params.categories, "condition": params.conditions,
                    "municipality": params.municipalities}
        facets = {facet: _facet_values(tallies[facet], label_of[facet], selected[facet]) for facet in label_of}
        if by_unit:
            facets["unit"] = self.units(tallies["unit"])
        return total, facets

    def units(self, counts: dict[str, int]) -> list[FacetValue]:
        names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_([int(key) for key in counts])))
                     .all()) if counts else {}
        return _facet_values(counts, lambda key: names.get(int(key), key),
                             (str(self.params.unit),) if self.params.unit else ())


def search(user: User, params: SearchParams, *, locale: str = "nb", now: datetime | None = None,
           with_facets: bool = True, visible: Visibility | None = None) -> SearchResult:
    now = now or utcnow()
    visible = visible or visibility(user, now)  # built once (or given): every query of this search shares it
    # The unit facet is shown once the search is narrowed to municipalities (units belong to one) or a unit.
    by_unit = bool(params.municipalities or params.unit)
    if text.query_terms(params.q):
        page_ids, rows = _text_search(visible, params, now, with_facets=with_facets, by_unit=by_unit)
        items = _rows_of(page_ids)
        if not with_facets:
            return SearchResult(params=params, items=items, total=rows[0][0], facets={})
    else:
        query, matches = _filtered(visible, params, now)
        items = _page(query, params, matches)
        if not with_facets:
            return SearchResult(params=params, items=items, total=db.count(query), facets={})
        rows = _grouped_counts(visible, params, now, by_unit)
    total, facets = _Facets(params, locale).count(rows, by_unit)
    return SearchResult(params=params, items=items, total=total, facets=facets)


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
