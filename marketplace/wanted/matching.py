"""What could answer a wanted notice or a need: items of its category first, then of related categories (a pupil
desk with chair for pupil chairs), then of the same group, each marked so the poster knows which is which.

Every search goes through the search service, so only what the viewer may see is found (staged sharing, ICT
awaiting erasure and other municipalities' drafts stay hidden). A few searches per page, whatever the counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from marketplace.accounts.models import User
from marketplace.db import db
from marketplace.listings import services as listings
from marketplace.listings.categories import related_slugs
from marketplace.listings.models import Category, Item, ItemStatus
from marketplace.search import services as search
from marketplace.wanted.models import WantedNotice
from marketplace.wanted.permissions import can_answer_notice

MATCHES_SHOWN = 12
SAME_GROUP_SHOWN = 4  # the widest tier is a hint, not a list to scroll through
ANSWERABLE_SHOWN = 50


class MatchKind(StrEnum):
    EXACT = "exact"  # the notice's own category
    RELATED = "related"  # a category listed as related to it
    SAME_GROUP = "same_group"  # another category of its group (furniture, ICT, materials)


@dataclass(frozen=True)
class Match:
    item: Item
    kind: MatchKind


@dataclass
class Matches:
    """The items that could answer a need, in tiers. ``exact`` is the search of the notice's own category (its
    total and its "see them all" link); ``related_params`` searches its category and the related ones."""

    exact: search.SearchResult
    related_params: search.SearchParams
    matches: list[Match] = field(default_factory=list)
    related_total: int = 0
    same_group_total: int = 0

    @property
    def total(self) -> int:
        """Matching items of the category and its related categories (the same group is not counted)."""
        return self.exact.total + self.related_total

    @property
    def items(self) -> list[Item]:
        return [match.item for match in self.matches]


def tiers(category: Category) -> dict[Category, MatchKind]:
    """How each category that could answer a need for ``category`` is related to it: itself, its related
    categories, and the rest of its group (in the order forms offer them)."""
    related = related_slugs(category.slug)
    kinds = {category: MatchKind.EXACT}
    for other in listings.categories():
        if other.slug in related:
            kinds[other] = MatchKind.RELATED
        elif other.group == category.group and other.id != category.id:
            kinds[other] = MatchKind.SAME_GROUP
    return kinds


def matching_items(user: User, category: Category, *, limit: int = MATCHES_SHOWN,
                   same_group: bool = True) -> Matches:
    """Published items that ``user`` may see, from every municipality at once: up to ``limit`` of the category,
    up to ``limit`` of related categories, and, while fewer than ``limit`` are shown, a few of the same group."""
    kinds = tiers(category)
    related = tuple(other.slug for other, kind in kinds.items() if kind == MatchKind.RELATED)
    group = tuple(other.slug for other, kind in kinds.items() if kind == MatchKind.SAME_GROUP)
    exact = search.search(user, search.SearchParams(categories=(category.slug,), sort="newest", per_page=limit),
                          with_facets=False)
    related_params = search.SearchParams(categories=(category.slug, *related), sort="newest", per_page=limit)
    found = Matches(exact=exact, related_params=related_params,
                    matches=[Match(item, MatchKind.EXACT) for item in exact.items])
    if related:
        result = search.search(user, search.SearchParams(categories=related, sort="newest", per_page=limit),
                               with_facets=False)
        found.related_total = result.total
        found.matches += [Match(item, MatchKind.RELATED) for item in result.items]
    room = min(limit - len(found.matches), SAME_GROUP_SHOWN)
    if same_group and group and room > 0:
        result = search.search(user, search.SearchParams(categories=group, sort="newest", per_page=room),
                               with_facets=False)
        found.same_group_total = result.total
        found.matches += [Match(item, MatchKind.SAME_GROUP) for item in result.items]
    return found


def answerable_items(user: User, notice: WantedNotice) -> list[Match]:
    """The published items of the user's municipality they could offer: the notice's category first, then
    related categories, then the rest of its group."""
    if not can_answer_notice(user, notice):
        return []
    kinds = {other.id: kind for other, kind in tiers(notice.category).items()}
    query = listings.visible_items(user).where(
        Item.municipality_id == user.municipality.id, Item.status == ItemStatus.PUBLISHED,
        Item.category_id.in_(kinds), Item.quantity_available > 0)
    items = db.session.scalars(query.order_by(Item.published_at.desc()).limit(ANSWERABLE_SHOWN))
    order = list(MatchKind)
    matches = [Match(item, kinds[item.category_id]) for item in items]
    return sorted(matches, key=lambda match: order.index(match.kind))


def with_related(category: Category) -> list[Category]:
    """``category`` and its related categories: what a notice's alert announces and a need may be met with."""
    return [other for other, kind in tiers(category).items() if kind != MatchKind.SAME_GROUP]
