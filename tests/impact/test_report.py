"""The report's sums against hand-computed figures, on both engines."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.listings import erasure
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.impact import report
from marketplace.impact.ledger import reverse
from marketplace.listings.models import MeasureUnit
from marketplace.reservations import handover
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from tests.factories import make_item

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def hand_over(receiver, caretaker, item, quantity, answer, when):
    reservation = reservations.reserve(receiver, item.id, Decimal(quantity), would_buy_new=answer, now=when)
    return handover.collect(caretaker, reservation, now=when + timedelta(hours=1))


@pytest.fixture
def ledger(region, catalogue):
    """A hand-built ledger: A gives chairs to B (yes) and laptops to itself (unknown); B gives a desk to A (no)."""
    chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(20), would_be_discarded=True, now=T0)
    laptops = make_item(region.caretaker_a, "keyboard", quantity=Decimal(10), now=T0)
    desk = make_item(region.caretaker_b, "desk", quantity=Decimal(1), would_be_discarded=True, now=T0)
    later = T0 + timedelta(days=5)
    region.e1 = hand_over(region.member_b, region.caretaker_a, chairs, 10, WouldBuyNew.YES, later)
    region.e2 = hand_over(region.member_a, region.caretaker_a, laptops, 4, WouldBuyNew.UNKNOWN, later)
    region.e3 = hand_over(region.member_a, region.caretaker_b, desk, 1, WouldBuyNew.NO,
                          datetime(2026, 4, 30, 22, 30, tzinfo=timezone.utc))  # 1 May in Oslo
    db.session.commit()
    return region


YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def test_municipality_totals_follow_the_credit_rule(ledger):
    a = report.build(report.resolve_scope(None, "municipality:kommune-a"), *YEAR)
    # Received by A: 4 keyboards (10 kg, 500 NOK each; D=0.7) and a desk (90 kg, 4000 NOK; D=0).
    assert a.totals.co2e_gross_kg == Decimal("130.000")  # 4×10 + 90
    assert a.totals.co2e_net_kg == Decimal("28.000")  # 4×10×0.7 + 0
    assert a.totals.money_nok == Decimal("1400.00")  # 4×500×0.7
    # Given by A and discarded otherwise: 10 chairs × 15 kg (the keyboards were not going to waste).
    assert a.totals.waste_kg == Decimal("150.000")
    assert (a.totals.events_received, a.totals.events_given) == (2, 2)
    assert a.totals.events == 3  # the keyboards A gave itself count once
    b = report.build(report.resolve_scope(None, "municipality:kommune-b"), *YEAR)
    assert b.totals.co2e_net_kg == Decimal("700.000") and b.totals.waste_kg == Decimal("35.000")


def test_network_counts_each_event_once(ledger):
    network = report.build(report.resolve_scope(None, "network:vest"), *YEAR)
    assert network.totals.co2e_gross_kg == Decimal("830.000")  # 700 + 40 + 90
    assert network.totals.co2e_net_kg == Decimal("728.000")
    assert network.totals.waste_kg == Decimal("185.000") and network.totals.events == 3
    pairs = {(giver, receiver): totals.co2e_gross_kg for giver, receiver, totals in network.matrix}
    assert pairs == {("A kommune", "A kommune"): Decimal("40.000"), ("A kommune", "B kommune"): Decimal("700.000"),
                     ("B kommune", "A kommune"): Decimal("90.000")}


def test_breakdowns(ledger):
    a = report.build(report.resolve_scope(None, "municipality:kommune-a"), *YEAR)
    by_category = {row.key: row.totals.co2e_gross_kg for row in a.by_category}
    assert by_category == {"keyboard": Decimal("40.000"), "desk": Decimal("90.000"), "office_chair": Decimal(0)}
    by_month = {row.key: row.totals.co2e_gross_kg for row in a.by_period}
    assert by_month == {"2026-03": Decimal("40.000"), "2026-05": Decimal("90.000")}  # Oslo dates
    quarters = report.build(report.resolve_scope(None, "municipality:kommune-a"), *YEAR, bucket="quarter")
    assert {row.key for row in quarters.by_period} == {"2026-Q1", "2026-Q2"}
    units = {row.label: (row.totals.co2e_gross_kg, row.totals.waste_kg) for row in a.by_unit}
    assert units == {"A skole": (Decimal("130.000"), Decimal(0)), "A depot": (Decimal(0), Decimal("150.000"))}
    assert {factor.category for factor in a.factors} >= {"Skrivebord", "Tastatur"}


def test_period_boundaries_are_inclusive_norwegian_dates(ledger):
    scope = report.resolve_scope(None, "municipality:kommune-a")
    assert report.build(scope, date(2026, 5, 1), date(2026, 5, 1)).totals.co2e_gross_kg == Decimal("90.000")
    assert report.build(scope, date(2026, 4, 1), date(2026, 4, 30)).totals.co2e_gross_kg == 0


def test_reversing_events_subtract(ledger):
    reverse(ledger.admin_a, ledger.e1, "Registered by mistake")
    network = report.build(report.resolve_scope(None, "network:vest"), *YEAR)
    assert network.totals.co2e_gross_kg == Decimal("130.000") and network.totals.events == 2


def test_scope_permissions(ledger):
    assert report.resolve_scope(ledger.member_a, "municipality:kommune-a").kind == "municipality"
    with pytest.raises(Forbidden):
        report.resolve_scope(ledger.member_a, "municipality:kommune-b")
    with pytest.raises(Forbidden):
        report.resolve_scope(ledger.admin_a, "network:vest")
    assert report.resolve_scope(ledger.network_admin, "municipality:kommune-b").name == "B kommune"
    assert report.resolve_scope(ledger.network_admin, "network:vest").kind == "network"
    with pytest.raises(Forbidden):
        report.resolve_scope(ledger.network_admin, "network:nord")
    with pytest.raises(Forbidden):
        report.resolve_scope(ledger.admin_a, "site")
    with pytest.raises(NotVisible):
        report.resolve_scope(ledger.admin_a, "municipality:nowhere")
    with pytest.raises(report.ScopeError):
        report.resolve_scope(ledger.admin_a, "galaxy:far")
    with pytest.raises(Forbidden):
        report.resolve_scope(ledger.member_a, f"unit:{ledger.school_b.id}")


def test_plausibility_145_laptops(region, catalogue):
    laptops = make_item(region.caretaker_a, "laptop", quantity=Decimal(145), now=T0)
    erasure.record_erasure(region.caretaker_a, laptops, b"%PDF-1.4\n%%EOF\n", now=T0)
    hand_over(region.member_a, region.caretaker_a, laptops, 145, WouldBuyNew.YES, T0 + timedelta(days=1))
    total = report.build(report.resolve_scope(None, "municipality:kommune-a"), *YEAR).totals
    assert total.co2e_net_kg == Decimal(145 * 240)  # 145 × the laptop factor


def test_furniture_lands_in_the_plausible_band(region, catalogue):
    """The method file: chairs and desks come out at about 2–5 kg CO2e per kg."""
    for slug in ("office_chair", "desk", "stackable_chair", "sit_stand_desk"):
        item = make_item(region.caretaker_a, slug, quantity=Decimal(5), would_be_discarded=True, now=T0)
        hand_over(region.member_a, region.caretaker_a, item, 5, WouldBuyNew.YES, T0 + timedelta(days=1))
    a = report.build(report.resolve_scope(None, "municipality:kommune-a"), *YEAR)
    ratio = a.totals.co2e_gross_kg / a.totals.waste_kg
    assert Decimal(2) <= ratio <= Decimal(5), ratio


def test_factors_appendix_lists_each_factor_with_its_events(ledger):
    """A's override part-way through the year gives the category a second factor line (A's chairs to A itself:
    its own CO2e figure); every line counts the events computed with it, and the categories and months still add
    up to the totals."""
    from marketplace.impact import services as impact
    from marketplace.listings.models import Category

    chair = db.session.scalar(select(Category).where(Category.slug == "office_chair"))
    impact.add_override(ledger.admin_a, ledger.a, chair, effective_from=date(2026, 6, 1), kgco2e_new=Decimal("55"),
                        mass_kg=None, price_new_nok=None, source="EPD HÅG Capisco")
    chairs = make_item(ledger.caretaker_a, "office_chair", quantity=Decimal(5), now=T0)
    hand_over(ledger.member_a, ledger.caretaker_a, chairs, 2, WouldBuyNew.YES,
              datetime(2026, 6, 10, 9, tzinfo=timezone.utc))
    db.session.commit()
    network = report.build(report.resolve_scope(None, "network:vest"), *YEAR)
    lines = sorted((line.kgco2e_new, line.events, line.overridden_by) for line in network.factors
                   if line.category == chair.name_nb)
    assert lines == [(Decimal("55.000"), 1, "municipality"), (Decimal("70.000"), 1, None)]
    assert sum(line.events for line in network.factors) == 4
    assert network.totals.co2e_gross_kg == Decimal("940.000")  # 830 + 2 × 55
    for breakdown in (network.by_category, network.by_group, network.by_period):
        assert sum((row.totals for row in breakdown), report.Totals()) == network.totals
    assert {row.key for row in network.by_period} == {"2026-03", "2026-05", "2026-06"}


def test_months_and_units_across_a_year_boundary(ledger):
    scope = report.resolve_scope(None, "network:vest")
    december = make_item(ledger.caretaker_a, "desk", quantity=Decimal(1),
                         now=datetime(2025, 12, 1, tzinfo=timezone.utc))
    hand_over(ledger.member_b, ledger.caretaker_a, december, 1, WouldBuyNew.YES,
              datetime(2025, 12, 31, 22, 30, tzinfo=timezone.utc))  # 1 January 2026 in Oslo
    db.session.commit()
    both = report.build(scope, date(2025, 12, 1), date(2026, 12, 31), bucket="quarter")
    assert [(row.key, row.totals.co2e_gross_kg) for row in both.by_period] == [
        ("2026-Q1", Decimal("830.000")), ("2026-Q2", Decimal("90.000"))]
    units = {row.label: row.totals for row in both.by_unit}
    assert units["A depot (A kommune)"].waste_kg == Decimal("150.000")  # a network lists units with their owner
    assert units["B skole (B kommune)"].events_received == 2


MIXED_AMOUNTS = {MeasureUnit.PIECE: Decimal(12), MeasureUnit.KG: Decimal("85.5"), MeasureUnit.TONNE: Decimal(2)}


@pytest.fixture
def mixed_units(region, catalogue):
    """A gives B 12 chairs, 85.5 kg of other furniture and 2 t of grit sand: three amounts in three units."""
    chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(20), now=T0)
    furniture = make_item(region.caretaker_a, "other_furniture", quantity=Decimal("85.5"), now=T0)
    sand = make_item(region.caretaker_a, "grit_sand", quantity=Decimal(5), now=T0)
    later = T0 + timedelta(days=5)
    hand_over(region.member_b, region.caretaker_a, chairs, 12, WouldBuyNew.YES, later)
    hand_over(region.member_b, region.caretaker_a, furniture, "85.5", WouldBuyNew.YES, later)
    hand_over(region.member_b, region.caretaker_a, sand, 2, WouldBuyNew.YES, later)
    db.session.commit()
    return region


def test_amounts_are_kept_per_unit_of_measure_and_never_added_up(mixed_units):
    expected = MIXED_AMOUNTS

    network = report.build(report.resolve_scope(None, "network:vest"), *YEAR)
    assert network.totals.amounts_received == expected and network.totals.events == 3
    b = report.build(report.resolve_scope(None, "municipality:kommune-b"), *YEAR)
    assert b.totals.amounts_received == expected and b.totals.amounts_given == {}
    a = report.build(report.resolve_scope(None, "municipality:kommune-a"), *YEAR)
    assert a.totals.amounts_given == expected and a.totals.amounts_received == {}
    by_category = {row.key: row.totals.amounts_received for row in network.by_category}
    assert by_category == {"office_chair": {MeasureUnit.PIECE: Decimal(12)},
                           "other_furniture": {MeasureUnit.KG: Decimal("85.5")},
                           "grit_sand": {MeasureUnit.TONNE: Decimal(2)}}
    assert network.by_period[0].totals.amounts_received == expected
    assert {factor.category: factor.unit for factor in network.factors} == {
        "Kontorstol": MeasureUnit.PIECE, "Annet møbel": MeasureUnit.KG, "Strøsand": MeasureUnit.TONNE}


def test_members_and_partners_add_up_to_the_network(ledger):
    """For hand-overs given and received inside one network, the received-side reports of its municipalities
    and its partner organisation add up to the network's CO2e and money, and the giving side to its waste."""
    chairs = make_item(ledger.caretaker_b, "office_chair", quantity=Decimal(6), would_be_discarded=True, now=T0)
    hand_over(ledger.partner_user, ledger.caretaker_b, chairs, 3, WouldBuyNew.UNKNOWN, T0 + timedelta(days=30))
    db.session.commit()
    network = report.build(report.resolve_scope(None, "network:vest"), *YEAR)
    parts = [report.build(report.resolve_scope(None, key), *YEAR)
             for key in ("municipality:kommune-a", "municipality:kommune-b", "partner:hjelpen")]
    assert parts[2].totals.co2e_net_kg > 0 and parts[2].totals.waste_kg == 0  # the partner's own share
    for measure in ("co2e_net_kg", "co2e_gross_kg", "co2e_low_kg", "co2e_high_kg", "money_nok", "waste_kg"):
        assert sum(getattr(part.totals, measure) for part in parts) == getattr(network.totals, measure), measure
    assert sum(part.totals.events_received for part in parts) == network.totals.events == 4
