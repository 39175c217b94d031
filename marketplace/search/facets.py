"""The facet panel's values and counts, worked out in Python from grouped count rows (decision 22): one grouped
pass under the viewer's visibility gives the total and every facet, each counted under every filter but its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, literal, null, select, union_all

from marketplace.db import db
from marketplace.listings.models import Category, CategoryGroup, Condition
from marketplace.organisations.models import Organisation, Unit


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int | None  # None: not counted, as the search has more matches than are counted exactly
    selected: bool



def facet_values(counts: dict[str, int], label_of, selected, exact: bool = True) -> list[FacetValue]:
    """The facet's values by label; a chosen value that no longer matches anything stays in the panel (with
    0), so it can be unticked. Not ``exact``: the counts are of a sample, so none is shown (None)."""
    values = sorted((FacetValue(key, label_of(key), count if exact else None, key in selected)
                     for key, count in counts.items()), key=lambda value: value.label)
    return values + [FacetValue(str(key), str(key), 0 if exact else None, True)
                     for key in selected if key and key not in counts]


@dataclass(frozen=True)
class _Category:
    slug: str
    group: str
    name_nb: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb


_NOTHING = null().label("group")
# The labels of a search's facets: every category, and the municipalities and units counted. Built once: building
# it anew cost more than running it.
_LABELS = union_all(
    select(literal("category").label("kind"), Category.id, Category.slug, Category.group.label("group"),
           Category.name_nb.label("name"), Category.name_en.label("name_en")),
    select(literal("municipality"), Organisation.id, Organisation.slug, _NOTHING, Organisation.name, null())
    .where(Organisation.id.in_(bindparam("municipality_ids", expanding=True))),
    select(literal("unit"), Unit.id, null(), _NOTHING, Unit.name, null())
    .where(Unit.id.in_(bindparam("unit_ids", expanding=True))),
)


class Facets:
    """Turns grouped counts into facet values; the labels (the catalogue's categories, and the municipalities and
    units counted) come from one small read, not from joins."""

    def __init__(self, params: Any, locale: str) -> None:
        self.params = params
        self.locale = locale
        self.categories: dict[int, _Category] = {}
        self.by_slug: dict[str, _Category] = {}
        self.municipalities: dict[int, tuple[str, str]] = {}  # id → (slug, name)
        self.unit_names: dict[int, str] = {}

    def _labels(self, municipality_ids, unit_ids) -> None:
        """Every category, and these municipalities and units, in one statement (``_LABELS``)."""
        for kind, id_, slug, group, name, name_en in db.read(
                _LABELS, {"municipality_ids": sorted(municipality_ids), "unit_ids": sorted(unit_ids)}):
            if kind == "category":
                self.categories[id_] = _Category(slug, CategoryGroup(group).value, name, name_en)
            elif kind == "municipality":
                self.municipalities[id_] = (slug, name)
            else:
                self.unit_names[id_] = name
        self.by_slug = {category.slug: category for category in self.categories.values()}

    def count(self, rows, by_unit: bool, exact: bool = True) -> tuple[int, dict[str, list[FacetValue]]]:
        """The total and every facet from grouped count rows (category, condition, municipality[, unit],
        count: with the unit facet if they are grouped ``by_unit`` too), applying the facet filters as
        ``statements._facet_conditions`` does in SQL. A facet counts the groups that pass every other facet
        filter, so a chosen facet still shows its alternatives. Not ``exact`` (the rows count a sample of the
        matches, the newest): the values found are listed without counts."""
        if rows:  # without rows only the chosen values are listed, under their own keys: no label is read
            self._labels({row[2] for row in rows}, {row[3] for row in rows if row[3] is not None} if by_unit else ())
        params = self.params
        # Each column's facet keys and whether they pass their filter, worked out once per distinct value (a
        # search over every visible item has a thousand groups, but only a few dozen distinct values).
        by_category = {
            category_id: (
                (("group", category.group), not params.group or category.group == params.group),
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
        facets = {facet: facet_values(tallies[facet], label_of[facet], selected[facet], exact)
                  for facet in label_of}
        if by_unit:
            facets["unit"] = self.units(tallies["unit"], exact)
        return total, facets

    def units(self, counts: dict[str, int], exact: bool) -> list[FacetValue]:
        return facet_values(counts, lambda key: self.unit_names.get(int(key), key),
                            (str(self.params.unit),) if self.params.unit else (), exact)
