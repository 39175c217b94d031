"""Climate factors: the default set with a source per line, municipal overrides, and the figures for an item.

The method is in the shared reference (climate-method.md): avoided CO2e = quantity × (D × E_new × L − …);
this module supplies E_new, mass and new price, and says where each number came from.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.i18n import lazy_gettext as _l
from marketplace.impact import events, permissions, report
from marketplace.impact.models import CategoryFactor, FactorOverride, FactorSet
from marketplace.listings.models import Category, CategoryGroup, Item, MeasureUnit
from marketplace.organisations.models import Municipality, Network, Organisation, PartnerOrganisation

DATA_DIR = Path(__file__).resolve().parent / "data"
# Every factor set ever shipped, oldest first. A shipped file never changes once released: a correction or an
# addition is a new version with a later effective_from, so a figure published under a version can always be
# reproduced (docs/decisions.md, "Shipped factor sets are immutable").
SHIPPED_FACTOR_SETS = [
    {
        "version": "2026.1",
        "name": "Ombruksmarkedet default factors 2026.1",
        "effective_from": date(2026, 1, 1),
        "file": DATA_DIR / "factors-2026.1.csv",
        "description": "Researched defaults: manufacturer footprints (Boavizta), ADEME/ARCEP, FIRA, WRAP, EPD-Norge, "
                       "DESNZ/DEFRA 2025, IVL/Inrego. Prices are typical Norwegian new prices, mostly estimates.",
        "changes": _l("The first set: furniture, ICT equipment and grit sand, each line with its sources."),
    },
    {
        "version": "2026.2",
        "name": "Ombruksmarkedet default factors 2026.2",
        "effective_from": date(2026, 12, 1),
        "file": DATA_DIR / "factors-2026.2.csv",
        "description": "Every 2026.1 line; grit sand as the net saving of reuse; twelve building materials and "
                       "fixtures from EPDs, industry averages and DESNZ/DEFRA 2025 material estimates (GWP-fossil "
                       "or GWP-GHG A1-A3, no biogenic credit). Prices are estimates.",
        "changes": _l("Grit sand now counts the net saving of reuse, 5.58 kg CO2e per tonne (range 2–6): new "
                      "sand's 7.79 less the 2.21 of handling reused sand (DESNZ/DEFRA 2025), instead of new "
                      "sand's whole footprint (7.8), which overstated the saving. Twelve building materials and "
                      "fixtures are added: plasterboard, ceiling tiles, carpet tiles and paving stones per m², "
                      "structural timber per m³, doors, windows, bricks, kitchen modules, toilets and washbasins "
                      "per piece, steel racking per kg. For timber and paving stones the net saving of reuse is "
                      "smaller than the figure; their sources say so. Hand-overs before 1 December 2026 keep "
                      "2026.1."),
    },
    {
        # Only adds lines (every 2026.2 line is repeated unchanged), so a hand-over of an existing category
        # gets the same figures under either set, and the set may take effect on the day it was made.
        "version": "2026.3",
        "name": "Ombruksmarkedet default factors 2026.3",
        "effective_from": date(2026, 12, 5),
        "file": DATA_DIR / "factors-2026.3.csv",
        "description": "Every 2026.2 line unchanged; two sets (pupil desk with chair, workstation) summed from "
                       "their parts' lines; crushed stone (DESNZ/DEFRA 2025 aggregates, net) and mineral-wool "
                       "insulation (DESNZ/DEFRA 2025 material estimate); soil and roof tiles with no default "
                       "factor.",
        "changes": _l("Six categories are added; every 2026.2 figure stays as it was. Sets: a pupil desk with "
                      "its chair and an office workstation, counted in sets, with the sum of their parts' "
                      "figures. Crushed stone and gravel per tonne, as the net saving of reuse like grit sand "
                      "(5.58 kg CO2e per tonne). Mineral-wool insulation per m³, a material estimate. Soil per "
                      "m³ and roof tiles per m² have no default factor: no sourced figure was found, so the "
                      "report says they are not counted unless an item carries its own figure."),
    },
]
DEFAULT_FACTOR_SET = SHIPPED_FACTOR_SETS[-1]  # the newest: categories take their names, units and order from it
# ICT that can hold data or configuration; it needs recorded erasure before it leaves its municipality.
DATA_BEARING_CATEGORIES = {"laptop", "desktop_pc", "tablet", "smartphone", "printer", "mfp", "access_point",
                           "network_switch", "other_ict"}


class FactorError(ValueError):
    """A factor that cannot be saved; the message is fit to show."""


@dataclass(frozen=True)
class Factors:
    """The figures in force for one category (or item) and where each came from."""

    kgco2e_new: Decimal | None
    mass_kg: Decimal | None
    price_new_nok: Decimal | None
    sources: str
    confidence: str
    factor_set_version: str
    overridden_by: str | None = None  # "municipality" or "item" when a default was replaced
    # The uncertainty band of kgco2e_new. A figure of a municipality's or an item's own has no band of ours,
    # so the band closes on it (low = central = high); so does a default line without one.
    kgco2e_low: Decimal | None = None
    kgco2e_high: Decimal | None = None
    # L in the method, the remaining-life factor: no factor line gives one yet, so it is 1.
    lifetime_factor: Decimal = Decimal(1)


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


def _shipped_rows(spec: dict) -> list[dict[str, str]]:
    with open(spec["file"], newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _line(row: dict[str, str]) -> tuple:
    """A factor line's figures as compared between the file and the database (numbers by value: 7.8 == 7.800)."""
    return (_decimal(row["kgco2e_new"]), _decimal(row["kgco2e_low"]), _decimal(row["kgco2e_high"]),
            _decimal(row["mass_kg"]), _decimal(row["price_new_nok"]), row["price_is_estimate"].strip() == "yes",
            row["confidence"], row["sources"])


def _stored_line(factor: CategoryFactor) -> tuple:
    return (factor.kgco2e_new, factor.kgco2e_low, factor.kgco2e_high, factor.mass_kg, factor.price_new_nok,
            factor.price_is_estimate, factor.confidence, factor.sources)


def install_default_factors(progress: Callable[[str], object] = lambda _m: None) -> FactorSet:
    """Create or update the categories, and add every shipped factor set the database lacks. Idempotent.

    Categories take their names, units and order from the newest set. A set whose version is already in the
    database is never changed, even where its lines differ from the shipped file (a database made while a
    shipped file was edited in place): history is not rewritten, the difference is reported. Returns the
    newest set."""
    shipped = [(spec, _shipped_rows(spec)) for spec in SHIPPED_FACTOR_SETS]
    by_slug = {category.slug: category for category in db.session.scalars(select(Category))}
    newest_lines: dict[str, tuple[int, dict[str, str]]] = {}
    for _spec, rows in shipped:  # oldest first, so the newest set's names, units and order win
        newest_lines.update((row["slug"], (position, row)) for position, row in enumerate(rows))
    for slug, (position, row) in newest_lines.items():
        category = by_slug.get(slug) or Category(slug=slug)
        category.group = CategoryGroup(row["group"])
        category.name_nb, category.name_en = row["name_nb"], row["name_en"]
        category.unit = MeasureUnit(row["unit"])
        category.holds_data = slug in DATA_BEARING_CATEGORIES
        category.position = position
        by_slug[slug] = category
        db.session.add(category)
    progress(f"Categories from factor set {shipped[-1][0]['version']} ({len(shipped[-1][1])} categories)")

    factor_set = None
    for spec, rows in shipped:
        factor_set = db.session.scalar(select(FactorSet).where(FactorSet.version == spec["version"]))
        if factor_set is None:
            factor_set = _new_factor_set(spec, rows, by_slug)
            progress(f"Default factors {spec['version']} installed ({len(rows)} lines, in force from "
                     f"{spec['effective_from'].isoformat()})")
            continue
        differing = _differing_lines(factor_set, rows)
        if differing:
            progress(f"Default factors {spec['version']} are already in the database but differ from the shipped "
                     f"file ({', '.join(differing)}): left as they are, history is not rewritten")
        else:
            progress(f"Default factors {spec['version']} already installed")
    db.session.flush()
    return factor_set


def _new_factor_set(spec: dict, rows: list[dict[str, str]], by_slug: dict[str, Category]) -> FactorSet:
    factor_set = FactorSet(version=spec["version"], name=spec["name"], effective_from=spec["effective_from"],
                           description=spec["description"])
    for row in rows:
        figures = dict(zip(("kgco2e_new", "kgco2e_low", "kgco2e_high", "mass_kg", "price_new_nok",
                            "price_is_estimate", "confidence", "sources"), _line(row), strict=True))
        factor_set.factors.append(CategoryFactor(category=by_slug[row["slug"]], **figures))
    db.session.add(factor_set)
    db.session.flush()
    return factor_set


def _differing_lines(factor_set: FactorSet, rows: list[dict[str, str]]) -> list[str]:
    """The category slugs whose stored line is not the shipped one (missing or extra lines included)."""
    stored = {factor.category.slug: _stored_line(factor) for factor in factor_set.factors}
    shipped = {row["slug"]: _line(row) for row in rows}
    return sorted(slug for slug in stored.keys() | shipped.keys() if stored.get(slug) != shipped.get(slug))


def factor_sets() -> list[FactorSet]:
    """Every factor set in the database, oldest first: the version history."""
    return list(db.session.scalars(select(FactorSet).order_by(FactorSet.effective_from, FactorSet.id)))


def factor_set_named(version: str) -> FactorSet | None:
    version = (version or "").strip()
    if not version or len(version) > 40:
        return None
    return db.session.scalar(select(FactorSet).where(FactorSet.version == version))


def factor_set_changes(version: str) -> str:
    """What a shipped version changed, in words ("" for a set that was not shipped with the code)."""
    return next((str(spec["changes"]) for spec in SHIPPED_FACTOR_SETS if spec["version"] == version), "")


# The statements an item page runs on every view (its figures), built once: building and keying them anew cost
# more than running them. The figures in force are one statement (``_lines_in_force``): the set in force, its lines
# and the municipality's overrides read one by one were three, a third of the item page's statements.
_FACTOR_SET_IN_FORCE = (select(FactorSet).where(FactorSet.effective_from <= bindparam("on"))
                        .order_by(FactorSet.effective_from.desc()).limit(1))


def _lines_in_force(of_categories: bool) -> Select:
    """Each line of the factor set in force ``on`` (of the categories ``category_ids`` only, if ``of_categories``),
    with the set's version and, beside it, the newest override in force of the municipality ``municipality_id``
    (NULLs for none): the figures in force in one statement, as plain columns."""
    newer = aliased(FactorOverride)
    newest_override = (select(newer.id).where(newer.municipality_id == bindparam("municipality_id"),
                                              newer.category_id == CategoryFactor.category_id,
                                              newer.effective_from <= bindparam("on"))
                       .order_by(newer.effective_from.desc(), newer.id.desc()).limit(1)
                       .correlate(CategoryFactor).scalar_subquery())
    statement = (
        select(CategoryFactor.category_id, CategoryFactor.kgco2e_new, CategoryFactor.kgco2e_low,
               CategoryFactor.kgco2e_high, CategoryFactor.mass_kg, CategoryFactor.price_new_nok,
               CategoryFactor.sources, CategoryFactor.confidence, FactorSet.version,
               FactorOverride.id.label("override_id"), FactorOverride.kgco2e_new.label("own_kgco2e_new"),
               FactorOverride.mass_kg.label("own_mass_kg"), FactorOverride.price_new_nok.label("own_price_new_nok"),
               FactorOverride.source.label("own_source"), FactorOverride.effective_from.label("own_from"))
        .join(FactorSet, FactorSet.id == CategoryFactor.factor_set_id)
        .outerjoin(FactorOverride, FactorOverride.id == newest_override)
        .where(FactorSet.id == _FACTOR_SET_IN_FORCE.with_only_columns(FactorSet.id).scalar_subquery())
    )
    if of_categories:
        statement = statement.where(CategoryFactor.category_id.in_(bindparam("category_ids", expanding=True)))
    return statement


_LINES_IN_FORCE = _lines_in_force(of_categories=False)
_LINES_OF_CATEGORIES_IN_FORCE = _lines_in_force(of_categories=True)


def factor_set_in_force(on: date) -> FactorSet | None:
    return db.session.scalar(_FACTOR_SET_IN_FORCE, {"on": on})


def factors_in_force(municipality: Municipality | None, on: date,
                     category_ids: Collection[int] | None = None) -> dict[int, Factors]:
    """Per category id: the default figures, replaced field by field by the municipality's override. With
    ``category_ids``, only those categories' lines are read (one item's figures need one line of the set's
    hundred, which an item page would otherwise load and work out on every view)."""
    values = {"on": on, "municipality_id": municipality.id if municipality is not None else None}
    if category_ids is None:
        lines = db.read(_LINES_IN_FORCE, values)
    else:
        lines = db.read(_LINES_OF_CATEGORIES_IN_FORCE, values | {"category_ids": list(category_ids)})
    result = {}
    for line in lines:
        if line.override_id is None:
            result[line.category_id] = Factors(
                line.kgco2e_new, line.mass_kg, line.price_new_nok, line.sources, line.confidence, line.version,
                kgco2e_low=_band(line.kgco2e_low, line.kgco2e_new, min),
                kgco2e_high=_band(line.kgco2e_high, line.kgco2e_new, max))
            continue
        own_co2e = line.own_kgco2e_new is not None
        result[line.category_id] = Factors(
            kgco2e_new=line.own_kgco2e_new if own_co2e else line.kgco2e_new,
            mass_kg=line.own_mass_kg if line.own_mass_kg is not None else line.mass_kg,
            price_new_nok=line.own_price_new_nok if line.own_price_new_nok is not None else line.price_new_nok,
            sources=f"{line.own_source} (municipality, from {line.own_from.isoformat()}); default: {line.sources}",
            confidence=line.confidence,
            factor_set_version=line.version,
            overridden_by="municipality",
            kgco2e_low=line.own_kgco2e_new if own_co2e else _band(line.kgco2e_low, line.kgco2e_new, min),
            kgco2e_high=line.own_kgco2e_new if own_co2e else _band(line.kgco2e_high, line.kgco2e_new, max),
        )
    return result


def _band(bound: Decimal | None, central: Decimal | None, outer: Callable) -> Decimal | None:
    """One end of the band around ``central``: the line's bound, or the central figure where the line has none
    (``outer`` is min for the low end, max for the high one, so low <= central <= high always holds)."""
    return outer(bound, central) if bound is not None and central is not None else central


def factors_for_item(item: Item, on: date, receiver: Organisation | None = None) -> Factors | None:
    """The figures for one unit of ``item`` handed over to ``receiver`` (None: as its own municipality counts
    them). The override rule (decision 28): the item's own figures first; then the CO2e of a new one and the new
    price as the receiving municipality counts them, since the purchase avoided is its own (its framework
    price, its supplier's footprint); the weight as the giving municipality knows the object; the default set
    for whatever neither has. A partner organisation has no figures of its own: its side is the default."""
    giver = factors_in_force(item.municipality, on, [item.category_id]).get(item.category_id)
    if giver is None:
        return None
    base = giver
    if receiver is not None and receiver.id != item.municipality_id:
        theirs = factors_in_force(receiver if isinstance(receiver, Municipality) else None, on,
                                  [item.category_id]).get(item.category_id)
        base = _received(theirs, giver) if theirs is not None else giver
    own = (item.kgco2e_new, item.mass_kg, item.price_new_nok)
    if all(value is None for value in own):
        return base
    return Factors(
        kgco2e_new=item.kgco2e_new if item.kgco2e_new is not None else base.kgco2e_new,
        mass_kg=item.mass_kg if item.mass_kg is not None else base.mass_kg,
        price_new_nok=item.price_new_nok if item.price_new_nok is not None else base.price_new_nok,
        sources=f"{item.figures_source or 'item'} (this item); {base.sources}",
        confidence=base.confidence,
        factor_set_version=base.factor_set_version,
        overridden_by="item",
        kgco2e_low=item.kgco2e_new if item.kgco2e_new is not None else base.kgco2e_low,
        kgco2e_high=item.kgco2e_new if item.kgco2e_new is not None else base.kgco2e_high,
        lifetime_factor=base.lifetime_factor,
    )


def _received(receiver: Factors, giver: Factors) -> Factors:
    """The receiver's CO2e (with its band) and new price, with the giver's weight."""
    if receiver.mass_kg == giver.mass_kg:
        return receiver
    return replace(receiver, mass_kg=giver.mass_kg, overridden_by=receiver.overridden_by or giver.overridden_by,
                   sources=f"{receiver.sources}; weight as the giving municipality records it: {giver.sources}")


def add_override(
    actor: User,
    municipality: Municipality,
    category: Category,
    *,
    effective_from: date,
    kgco2e_new: Decimal | None,
    mass_kg: Decimal | None,
    price_new_nok: Decimal | None,
    source: str,
) -> FactorOverride:
    """Record the municipality's own figure for a category from a date on (history is kept)."""
    if not permissions.can_set_factors(actor, municipality):
        raise Forbidden
    source = (source or "").strip()
    if not source:
        raise FactorError(_("Say where the figure comes from: every factor needs a source."))
    if kgco2e_new is None and mass_kg is None and price_new_nok is None:
        raise FactorError(_("Give at least one figure to override."))
    try:
        if any(value is not None and (value < 0 or value > Decimal("1e8")) for value in (kgco2e_new, mass_kg,
                                                                                             price_new_nok)):
            raise FactorError(_("Figures must be between 0 and 100 000 000."))
    except InvalidOperation as error:
        raise FactorError(_("Figures must be numbers.")) from error
    override = FactorOverride(
        municipality_id=municipality.id, category=category, effective_from=effective_from,
        kgco2e_new=kgco2e_new, mass_kg=mass_kg, price_new_nok=price_new_nok, source=source[:2000],
        created_by_id=actor.id,
    )
    db.session.add(override)
    db.session.flush()
    audit.record("factor_override_added", actor=actor, municipality_id=municipality.id, category=category.slug,
                 effective_from=effective_from.isoformat())
    return override


def override_history(municipality: Municipality) -> list[FactorOverride]:
    return list(db.session.scalars(
        select(FactorOverride).where(FactorOverride.municipality_id == municipality.id)
        .order_by(FactorOverride.effective_from.desc(), FactorOverride.id.desc())
    ))


# --- Which report a person asks for ---------------------------------------------------------------------

def scope_choices(actor, current=None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The scopes ``actor`` may see, grouped for a select: [(group label, [(key, name), ...]), ...].

    A site admin gets the whole site and every network; a network admin the network and each member
    municipality and partner organisation; staff their municipality and its units, a partner's people the
    partner. Each is checked with ``report.resolve_scope``.
    ``current``, a scope the page shows but the list lacks (a site admin looking at one municipality), is added.
    """
    wanted: list[tuple[str, str]] = []
    if permissions.can_see_site_report(actor):
        wanted.append(("site", "site"))
        wanted += [("network", f"network:{network.slug}")
                   for network in db.session.scalars(select(Network).order_by(Network.name))]
    for membership in actor.memberships:
        if membership.role == Role.NETWORK_ADMIN and membership.network is not None:
            wanted.append(("network", f"network:{membership.network.slug}"))
            wanted += [("municipality", f"municipality:{municipality.slug}")
                       for municipality in membership.network.municipalities]
            wanted += [("partner", f"partner:{partner.slug}") for partner in membership.network.organisations
                       if isinstance(partner, PartnerOrganisation)]
    if isinstance(actor.organisation, PartnerOrganisation):
        wanted.append(("partner", f"partner:{actor.organisation.slug}"))
    if actor.municipality is not None:
        wanted.append(("municipality", f"municipality:{actor.municipality.slug}"))
        wanted += [("unit", f"unit:{unit.id}") for unit in actor.municipality.units]

    groups = {"site": _("Whole site"), "network": _("Networks"), "municipality": _("Municipalities"),
              "partner": _("Partner organisations"), "unit": _("Units")}
    found: dict[str, list[tuple[str, str]]] = {kind: [] for kind in groups}
    seen: set[str] = set()
    for kind, key in wanted:
        if key in seen:
            continue
        seen.add(key)
        try:
            scope = report.resolve_scope(actor, key)
        except (Forbidden, NotVisible, report.ScopeError):
            continue
        found[kind].append((scope.key, scope.name))
    if current is not None and current.key not in seen:
        found[current.kind].insert(0, (current.key, current.name))
    return [(groups[kind], options) for kind, options in found.items() if options]


def read_report_request(actor, params, today: date):
    """(scope, first day, last day, bucket) for ``params`` (a forms.ReportParams), checked for ``actor``.
    Raises forms.ReportInputError or report.ScopeError (400), Forbidden (403) or NotVisible (404)."""
    text = params.scope or report.default_scope(actor)
    if not text:
        raise Forbidden  # no municipality, network or site to report on
    scope = report.resolve_scope(actor, text)
    start, end = params.dates(today)
    params.as_of_event()  # read here too, so a wrong one is refused with the other input
    return scope, start, end, params.grouping()


def page_number(text: str | None) -> int:
    """A page number as typed in the address (none: the first); events.LedgerInputError if it is no page."""
    written = (text or "1").strip()
    if not (written.isascii() and written.isdigit() and len(written) <= 7 and 1 <= int(written) <= events.MAX_PAGE):
        raise events.LedgerInputError(_("Choose a page number from 1."))
    return int(written)
