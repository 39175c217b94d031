"""The categories with the factors in force, and the climate report's totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_login import current_user

from marketplace.api.core import ApiError, blueprint, fixed, locale, parse_query, plain, registry, respond
from marketplace.api.schemas.impact import (
    CategoryList,
    CategoryOut,
    ImpactEventsQuery,
    ImpactOut,
    ImpactQuery,
    ImpactReportQuery,
    ImpactRow,
    PartyOut,
    QuantityOut,
    ReuseEventList,
    ReuseEventOut,
    LoansOut,
    ReuseFirstOut,
    ScopeOut,
    StampOut,
)
from marketplace.db import utcnow
from marketplace.errors import Forbidden
from marketplace.i18n import oslo_date
from marketplace.impact import document, events, ledger_export, report
from marketplace.impact import services as impact
from marketplace.listings import services as listings
from marketplace.listings.models import MeasureUnit


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
                query=ImpactReportQuery, responses={200: (ImpactOut, "Totals and a breakdown by category.")},
                errors=(403,))
def impact_report():
    """The reuse ledger summed for a scope and period (Norwegian dates, both included) by the credit rule:
    CO2e and money to the receiver, waste to the giver; a network counts each event once. Figures are
    decimal strings at their stored scale (kg: 3 decimals, NOK: 2). Amounts are given per unit of measure and
    never added across units."""
    query = parse_query(ImpactReportQuery)
    scope, start, end = _scope_and_period(query)
    try:
        data = report.build(scope, start, end, locale=locale(), as_of=query.as_of)
    except report.ScopeError as error:
        raise ApiError(400, "invalid_query", str(error), {"to": str(error)}) from None

    def figures(totals) -> dict[str, str]:
        return {"co2e_kg": fixed(totals.co2e_net_kg, 3), "co2e_kg_gross": fixed(totals.co2e_gross_kg, 3),
                "co2e_kg_low": fixed(totals.co2e_low_kg, 3), "co2e_kg_high": fixed(totals.co2e_high_kg, 3),
                "waste_kg": fixed(totals.waste_kg, 3), "money_nok": fixed(totals.money_nok, 2)}

    def category_row(row) -> ImpactRow:
        unit = categories[row.key]
        received = row.totals.amounts_received.get(unit, 0)
        given = row.totals.amounts_given.get(unit, 0)
        return ImpactRow(slug=row.key, name=row.label, unit=str(unit), quantity=fixed(received, 3),
                         quantity_received=fixed(received, 3), quantity_given=fixed(given, 3),
                         events=row.totals.events, **figures(row.totals))

    categories = {category.slug: category.unit for category in listings.categories()}
    totals = data.totals
    quantities = [QuantityOut(unit=str(unit), received=fixed(totals.amounts_received.get(unit, 0), 3),
                              given=fixed(totals.amounts_given.get(unit, 0), 3))
                  for unit in MeasureUnit if unit in totals.amounts_received or unit in totals.amounts_given]
    # The same document as the page, the files and the command line: the reuse-first figures are its appendix.
    appendices = {appendix.key: appendix.figures for appendix in document.build(data, utcnow()).appendices}
    needs, loans = appendices["reuse_first"], appendices["loans"]
    places = {"share_by_count": 3, "share_by_value": 3, "value_needed_nok": 2, "value_reused_nok": 2, "ict_issued": 3}
    return respond(ImpactOut(
        scope=ScopeOut(key=scope.key, kind=scope.kind, name=scope.name), from_=start, to=end,
        events=totals.events, events_received=totals.events_received, events_given=totals.events_given,
        **figures(totals), factor_set=list(data.stamp.factor_sets),
        stamp=StampOut(factor_sets=list(data.stamp.factor_sets), last_event_id=data.stamp.last_event_id,
                       made_at=data.stamp.made_at, as_of=data.stamp.as_of),
        quantities=quantities, by_category=[category_row(row) for row in data.by_category],
        reuse_first=ReuseFirstOut(**{**needs, **{name: fixed(needs[name], scale) for name, scale in places.items()}}),
        loans=LoansOut(**{name: fixed(value, 1) if isinstance(value, Decimal) else value
                          for name, value in loans.items()}),
    ))


def _scope_and_period(query: ImpactQuery) -> tuple[report.Scope, date, date]:
    """The scope (default: the caller's own) and period (default: this year up to today) of a report query,
    checked for the caller: 400 for a scope it cannot read, 403 for one the caller may not see."""
    today = oslo_date(utcnow())
    scope_text = query.scope or report.default_scope(current_user)
    if scope_text is None:
        raise Forbidden
    try:
        scope = report.resolve_scope(current_user, scope_text)
    except report.ScopeError as error:
        raise ApiError(400, "invalid_query", str(error), {"scope": str(error)}) from None
    return scope, query.from_ or date(today.year, 1, 1), query.to or today


@registry.route(blueprint, "GET", "/impact/events", summary="The reuse ledger, event by event", tag="reference",
                query=ImpactEventsQuery, responses={200: (ReuseEventList, "A page of events, oldest first.")},
                errors=(403,))
def impact_events():
    """The hand-overs behind GET /impact, for the same scope and period, ordered by date and id. Each says the
    scope's `side`: the report's CO2e and money are the sum over the events received or both, its waste the sum
    over the events given or both."""
    query = parse_query(ImpactEventsQuery)
    scope, start, end = _scope_and_period(query)
    try:
        page = events.page_of(scope, start, end, query.page, query.per_page)
    except events.LedgerInputError as error:
        raise ApiError(400, "invalid_query", str(error), {"to": str(error)}) from None
    return respond(ReuseEventList(events=[reuse_event_out(entry) for entry in page.entries], total=page.total,
                                  page=page.page, per_page=page.per_page))


def _party(party: events.Party) -> PartyOut:
    return PartyOut(slug=party.slug, name=party.name, kind=party.kind, unit_id=party.unit_id, unit=party.unit_name)


def reuse_event_out(entry: events.Entry) -> ReuseEventOut:
    """One ledger event as the API answers it, here and wherever an event is returned."""
    event = entry.event
    return ReuseEventOut(
        id=event.id, occurred_on=event.occurred_on, recorded_at=event.recorded_at, item_id=event.item_id,
        reservation_id=event.reservation_id, reverses=event.reverses_event_id, reversed_by=entry.reversed_by,
        side=entry.side, category=event.category.slug, unit=str(event.category.unit), scope3_category=entry.scope3,
        giver=_party(entry.giver), receiver=_party(entry.receiver), would_buy_new=event.would_buy_new,
        would_be_discarded=event.would_be_discarded, factor_set=event.factor_set_version,
        overridden_by=event.overridden_by, factor_sources=event.factor_sources,
        transport_mode=event.transport_mode, note=event.note,
        **{name: ledger_export.figure(entry, name) for name in ledger_export.FIGURES},
    )
