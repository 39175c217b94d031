"""The categories with the factors in force, and the climate report's totals."""

from __future__ import annotations

from datetime import date

from flask_login import current_user

from marketplace.api.core import ApiError, blueprint, fixed, locale, parse_query, plain, registry, respond
from marketplace.api.schemas.impact import (
    CategoryList,
    CategoryOut,
    ImpactOut,
    ImpactQuery,
    ImpactRow,
    ReuseFirstOut,
    ScopeOut,
)
from marketplace.db import utcnow
from marketplace.errors import Forbidden
from marketplace.i18n import oslo_date
from marketplace.impact import document, report
from marketplace.impact import services as impact
from marketplace.listings import services as listings


@registry.route(blueprint, "GET", "/categories", summary="Categories with the factors in force", tag="reference",
                responses={200: (CategoryList, "Every category, in display order.")})
def list_categories():
    """The figures per unit (kg CO2e when new, mass, new price) in force today for the caller's municipality:
    the default factor set, replaced field by field by the municipality's own overrides."""
    today = oslo_date(utcnow())
    factor_set = impact.factor_set_in_force(today)
    factors = impact.factors_in_force(current_user.municipality, today)
    rows = []
    for category in listings.categories():
        figures = factors.get(category.id)
        rows.append(CategoryOut(
            slug=category.slug, name=category.name(locale()), name_nb=category.name_nb, name_en=category.name_en,
            group=str(category.group), unit=str(category.unit), holds_data=category.holds_data,
            kgco2e_new=plain(figures.kgco2e_new) if figures else None,
            mass_kg=plain(figures.mass_kg) if figures else None,
            price_new_nok=plain(figures.price_new_nok) if figures else None,
            sources=figures.sources if figures else "",
            factor_set=factor_set.version if factor_set else None,
            overridden_by=figures.overridden_by if figures else None,
        ))
    return respond(CategoryList(categories=rows))


@registry.route(blueprint, "GET", "/impact", summary="The climate report's totals", tag="reference",
                query=ImpactQuery, responses={200: (ImpactOut, "Totals and a breakdown by category.")},
                errors=(403,))
def impact_report():
    """The reuse ledger summed for a scope and period (Norwegian dates, both included) by the credit rule:
    CO2e and money to the receiver, waste to the giver; a network counts each event once. Figures are
    decimal strings at their stored scale (kg: 3 decimals, NOK: 2)."""
    query = parse_query(ImpactQuery)
    today = oslo_date(utcnow())
    scope_text = query.scope or report.default_scope(current_user)
    if scope_text is None:
        raise Forbidden
    try:
        scope = report.resolve_scope(current_user, scope_text)
    except report.ScopeError as error:
        raise ApiError(400, "invalid_query", str(error), {"scope": str(error)}) from None
    start, end = query.from_ or date(today.year, 1, 1), query.to or today
    try:
        data = report.build(scope, start, end, locale=locale())
    except report.ScopeError as error:
        raise ApiError(400, "invalid_query", str(error), {"to": str(error)}) from None

    def figures(totals) -> dict[str, str]:
        return {"co2e_kg": fixed(totals.co2e_net_kg, 3), "co2e_kg_gross": fixed(totals.co2e_gross_kg, 3),
                "waste_kg": fixed(totals.waste_kg, 3), "money_nok": fixed(totals.money_nok, 2)}

    # The same document as the page, the files and the command line: the reuse-first figures are its appendix.
    needs = next(appendix.figures for appendix in document.build(data, utcnow()).appendices
                 if appendix.key == "reuse_first")
    places = {"share_by_count": 3, "share_by_value": 3, "value_needed_nok": 2, "value_reused_nok": 2, "ict_issued": 3}
    return respond(ImpactOut(
        scope=ScopeOut(key=scope.key, kind=scope.kind, name=scope.name), from_=start, to=end,
        events=data.totals.events, **figures(data.totals),
        by_category=[ImpactRow(slug=row.key, name=row.label, events=row.totals.events, **figures(row.totals))
                     for row in data.by_category],
        reuse_first=ReuseFirstOut(**{**needs, **{name: fixed(needs[name], scale) for name, scale in places.items()}}),
    ))
