"""The reference cases and sanity checks of climate-method.md (the project's shared reference), computed by the
real ledger from the default factor sets: each hand-over is reserved and collected, and the stored event is
checked against the published figure."""

import csv
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from marketplace.db import db
from marketplace.impact import document, report
from marketplace.impact import services as impact
from marketplace.listings.models import MeasureUnit
from marketplace.reservations import services
from marketplace.reservations import handover
from marketplace.reservations.models import WouldBuyNew
from tests.factories import find_user, make_item

UNDER_2026_1 = datetime(2026, 9, 1, 10, 0, tzinfo=timezone.utc)
UNDER_2026_2 = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.utc)  # 2026.2 is in force 1-4 December 2026


@pytest.fixture
def setup(region, catalogue):
    return region


def hand_over(region, slug, quantity, when=UNDER_2026_1, answer=WouldBuyNew.YES, **fields_and_costs):
    """Municipality A lists ``quantity`` of ``slug`` (which would otherwise be thrown away), a member of A reserves
    it all (within A, since a laptop leaves its municipality only with an erasure record) and A's caretaker
    records the hand-over on ``when``: the ledger's stored event."""
    costs = {name: fields_and_costs.pop(name) for name in list(fields_and_costs)
             if name.startswith(("price_paid", "transport", "refurbishment"))}
    item = make_item(region.caretaker_a, slug, quantity=Decimal(quantity), would_be_discarded=True,
                     now=when - timedelta(days=6), **fields_and_costs)
    reservation = services.reserve(region.member_a, item.id, Decimal(quantity), would_buy_new=answer,
                                   now=when - timedelta(days=1))
    return handover.collect(find_user("caretaker@a.example"), reservation, now=when, **costs)


def test_sor_varanger_laptops(setup):
    """Sør-Varanger (anskaffelser.no): 145 used laptops a year at 2,300 NOK against 7,000 new saved
    "680,000 NOK a year": 145 × 7,000 − 145 × 2,300 = 681,500, which the case rounds."""
    event = hand_over(setup, "laptop", 145, price_new_nok=Decimal(7000), figures_source="Sør-Varanger: 7000 new",
                      price_paid_nok=Decimal(145 * 2300))
    assert event.displacement == 1
    assert event.money_nok == Decimal("681500.00")
    assert abs(event.money_nok - 680000) / 680000 < Decimal("0.01")  # the case's rounded figure
    # The case's 32.6 t (300 kg new less 75 kg used, an allocation method) against our 145 × 240 kg: the same
    # order, within 10 %.
    assert event.co2e_gross_kg == Decimal("34800.000")
    assert abs(event.co2e_gross_kg - 32600) / 32600 < Decimal("0.10")


@pytest.mark.parametrize("slug", ["office_chair", "stackable_chair", "pupil_chair", "pupil_desk", "teacher_desk",
                                  "desk", "sit_stand_desk"])
def test_chairs_and_desks_save_2_to_5_kg_co2e_per_kg(setup, slug):
    """climate-method.md: "with the default table, chairs and desks come out at about 2–5 kg CO2e per kg"."""
    event = hand_over(setup, slug, 3)
    per_kg = event.co2e_gross_kg / event.waste_kg
    assert Decimal(2) <= per_kg <= Decimal(5), (slug, per_kg)


@pytest.mark.parametrize("when", [UNDER_2026_1, UNDER_2026_2])
def test_a_laptop_saves_200_to_280_kg_at_full_displacement(setup, when):
    event = hand_over(setup, "laptop", 1, when)
    assert event.displacement == 1 and Decimal(200) <= event.co2e_net_kg <= Decimal(280)


def test_grit_sand_saves_2_to_6_kg_per_tonne_net_under_2026_2(setup):
    """The grit sand case: "small: ≈ 2–6 kg per tonne net"; the gain is mostly waste and money. The whole band
    of the 2026.2 line lies inside it; 2026.1 credited new sand's whole footprint (7.8), outside it."""
    event = hand_over(setup, "grit_sand", 4, UNDER_2026_2)
    assert event.factor_set_version == "2026.2"
    per_tonne = [amount / 4 for amount in (event.co2e_net_kg, event.co2e_low_kg, event.co2e_high_kg)]
    assert all(Decimal(2) <= amount <= Decimal(6) for amount in per_tonne), per_tonne
    assert "net" in event.factor_sources.lower() and "DEFRA" in event.factor_sources
    assert event.waste_kg == Decimal("4000.000")
    earlier = hand_over(setup, "grit_sand", 4, UNDER_2026_1)
    assert earlier.factor_set_version == "2026.1" and earlier.co2e_net_kg / 4 == Decimal("7.8")


def test_asker_furniture_per_kg(setup):
    """Asker kommune's office moves: 234 t CO2e on 90 t of furniture, about 2.6 kg CO2e per kg.

    One of each default furniture line (and 10 kg of "other furniture") must come out between 1.5 and 5 kg per
    kg. Why that band: Asker's 2.6 is one realised mix of chairs, desks and storage, and our mix is another; per
    category the default lines run from about 1.1 (cabinets, heavy and simple) to 4.7 (office chairs), the
    per-kg line for other furniture itself has the range 1.5–5, and WRAP finds about 3 for chairs. A default
    table whose furniture averaged outside 1.5–5 would disagree with every one of those sources."""
    furniture = ["office_chair", "stackable_chair", "pupil_chair", "pupil_desk", "teacher_desk", "desk",
                 "sit_stand_desk", "table", "bookshelf", "pedestal", "cabinet", "sofa", "armchair", "whiteboard"]
    events = [hand_over(setup, slug, 1) for slug in furniture] + [hand_over(setup, "other_furniture", 10)]
    co2e = sum(event.co2e_gross_kg for event in events)
    mass = sum(event.waste_kg for event in events)
    assert mass > 0 and Decimal("1.5") <= co2e / mass <= Decimal(5), co2e / mass
    assert abs(co2e / mass - Decimal("2.6")) < Decimal(1)  # and near Asker's own figure


def test_a_100_km_diesel_van_trip_subtracts_25_6_kg(setup):
    """DESNZ/DEFRA 2025: an average diesel van emits 0.256 kg CO2e per km."""
    plain = hand_over(setup, "office_chair", 2)
    carried = hand_over(setup, "office_chair", 2, transport_km=Decimal(100), transport_mode="diesel_van")
    assert carried.transport_kgco2e == Decimal("25.600")
    for name in ("co2e_gross_kg", "co2e_net_kg", "co2e_low_kg", "co2e_high_kg"):
        assert getattr(plain, name) - getattr(carried, name) == Decimal("25.600"), name


@pytest.mark.parametrize("spec", impact.SHIPPED_FACTOR_SETS, ids=lambda spec: spec["version"])
def test_every_line_of_every_shipped_set_has_a_source_a_unit_and_an_ordered_band(spec):
    with open(spec["file"], newline="", encoding="utf-8") as file:
        lines = list(csv.DictReader(file))
    assert lines and len({line["slug"] for line in lines}) == len(lines)
    for line in lines:
        slug = line["slug"]
        assert line["sources"].strip(), slug
        assert MeasureUnit(line["unit"]) and line["confidence"].strip(), slug
        assert line["name_nb"].strip() and line["name_en"].strip(), slug
        figures = [line[name].strip() for name in ("kgco2e_low", "kgco2e_new", "kgco2e_high")]
        if not figures[1]:
            assert figures == ["", "", ""], slug  # no default figure, no band
            continue
        low, central, high = (Decimal(figure) for figure in figures)
        assert 0 <= low <= central <= high, slug


def test_square_metre_lines_are_counted_in_m2_with_decimals(setup):
    """Plasterboard is counted in m² and takes an amount with decimals, like kg and m³."""
    event = hand_over(setup, "plasterboard", "12.5", UNDER_2026_2)
    assert event.category.unit is MeasureUnit.M2 and event.quantity == Decimal("12.5")
    assert event.co2e_gross_kg == Decimal("20.000")  # 12.5 m² × 1.6 kg CO2e per m²
    assert MeasureUnit.M2.quantity_problem(Decimal("12.5")) is None
    assert MeasureUnit.M2.quantity_problem(Decimal("1.0005")) is not None


def test_square_metres_are_a_column_of_their_own_in_the_report(setup):
    """m² is never added to pieces or kilograms: the network report has an amount per unit, m² labelled as such."""
    hand_over(setup, "plasterboard", "40.25", UNDER_2026_2)
    hand_over(setup, "carpet_tile", 10, UNDER_2026_2)
    hand_over(setup, "interior_door", 3, UNDER_2026_2)
    db.session.commit()
    network = report.build(report.resolve_scope(None, "network:vest"), date(2026, 12, 1), date(2026, 12, 31))
    assert network.totals.amounts_received == {MeasureUnit.M2: Decimal("50.25"), MeasureUnit.PIECE: Decimal(3)}
    reused = {column.attr: str(column.label) for column in document.columns(network)
              if column.attr.startswith("amounts_received:")}
    assert list(reused) == ["amounts_received:piece", "amounts_received:m2"]
    assert "m²" in reused["amounts_received:m2"]
    assert {factor.category: factor.unit for factor in network.factors}["Gipsplate"] is MeasureUnit.M2
