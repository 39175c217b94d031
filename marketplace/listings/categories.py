"""The category list as people meet it: each group once, and which categories can stand in for one another.

The categories themselves (names, units, order inside a group) come from the newest shipped factor set
(`marketplace.impact.services.install_default_factors`). What is decided here is not a climate figure, so it
is not part of a factor set: the order of the groups, and a small explicit list of related categories, so that
a wanted notice for pupil chairs also finds pupil desks with chairs (docs/decisions.md, "Related categories").
"""

from __future__ import annotations

from collections.abc import Iterable

from marketplace.listings.models import Category, CategoryGroup

GROUP_ORDER = {group: position for position, group in enumerate(CategoryGroup)}

# Pairs of categories where an item of one may answer a need for the other (a set holds the other, or one
# serves the same use). The relation is symmetric; the poster judges, the pages mark such items as related.
RELATED_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("pupil_desk_set", "pupil_desk"),
    ("pupil_desk_set", "pupil_chair"),
    ("pupil_chair", "stackable_chair"),
    ("office_chair", "stackable_chair"),
    ("workstation_set", "desk"),
    ("workstation_set", "office_chair"),
    ("workstation_set", "pedestal"),
    ("workstation_set", "sit_stand_desk"),
    ("desk", "sit_stand_desk"),
    ("desk", "teacher_desk"),
    ("sofa", "armchair"),
    ("bookshelf", "cabinet"),
    ("cabinet", "kitchen_cabinet"),
    ("monitor_24", "monitor_27"),
    ("laptop", "desktop_pc"),
    ("printer", "mfp"),
    ("grit_sand", "crushed_stone"),
)


def in_group_order(categories: Iterable[Category]) -> list[Category]:
    """Furniture, then ICT, then materials, each in its factor-set order: a select shows each group once."""
    return sorted(categories, key=lambda category: (GROUP_ORDER[category.group], category.position, category.slug))


def related_slugs(slug: str) -> tuple[str, ...]:
    """The categories related to ``slug`` (not itself), in a stable order."""
    found = {other for pair in RELATED_CATEGORIES if slug in pair for other in pair if other != slug}
    return tuple(sorted(found))
