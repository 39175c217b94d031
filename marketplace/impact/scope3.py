"""The GHG Protocol scope-3 category a reuse category's avoided purchase would have fallen in, for the
accountant's column of the event ledger (decision 27).

The mapping is data (``data/scope3.csv``): one line per category group, and lines for the categories that
differ from their group. A category never seen before (a new building material) gets its group's category,
and a group with no line gets category 1. Avoided emissions are not part of the inventory: the column says
where the purchase avoided would have been counted, never that anything is subtracted there.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path


from marketplace.i18n import lazy_gettext as _l
from marketplace.listings.models import Category

SCOPE3_FILE = Path(__file__).parent / "data" / "scope3.csv"
SCOPE3_NAMES = {1: _l("Purchased goods and services"), 2: _l("Capital goods")}
DEFAULT_CATEGORY = 1


@cache
def _mapping() -> tuple[dict[str, int], dict[str, int]]:
    """(by group, by category slug), read once."""
    by_group: dict[str, int] = {}
    by_slug: dict[str, int] = {}
    with SCOPE3_FILE.open(encoding="utf-8", newline="") as lines:
        for line in csv.DictReader(lines):
            number = int(line["scope3_category"])
            if number not in SCOPE3_NAMES:
                raise ValueError(f"{SCOPE3_FILE.name}: scope-3 category {number} has no name")
            (by_group if line["kind"] == "group" else by_slug)[line["key"]] = number
    return by_group, by_slug


def scope3_category(category: Category) -> int:
    """The scope-3 category number (1 or 2) for ``category``: its own line, else its group's."""
    by_group, by_slug = _mapping()
    return by_slug.get(category.slug, by_group.get(str(category.group), DEFAULT_CATEGORY))


def scope3_label(number: int) -> str:
    """ "2 Capital goods" (in the request's language)."""
    return f"{number} {SCOPE3_NAMES[number]}"
