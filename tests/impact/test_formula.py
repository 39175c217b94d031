"""The whole climate formula at the hand-over (issue #17): price paid, transport, refurbishment, the remaining-life
factor and the uncertainty band, computed by the ledger and kept on each event, against figures worked by hand."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.db import db
from marketplace.impact import ledger, report
from marketplace.impact import services as impact
from marketplace.impact.models import ReuseEvent
from marketplace.reservations import handover
from marketplace.reservations import services
from marketplace.reservations.models import WouldBuyNew
from tests.factories import category, find_user, make_item

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
RESERVED = T0 + timedelta(days=4)  # once municipality A's listings are shared with the network
HANDED_OVER = T0 + timedelta(days=5)
YES, NO, UNKNOWN = WouldBuyNew.YES, WouldBuyNew.NO, WouldBuyNew.UNKNOWN


@pytest.fixture
def setup(region, catalogue):
    # Office chairs by default: 70 kg CO2e (36-142), 15 kg, 5000 NOK each.
    region.chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(10), would_be_discarded=True,
                              now=T0)
    db.session.commit()
    return region


def hand_over(user, item, quantity, answer=YES, **costs):
    """``user`` reserves, and the giver's caretaker (every item here is municipality A's) records the hand-over."""
    reservation = services.reserve(user, item.id, Decimal(quantity), would_buy_new=answer, now=RESERVED)
    return handover.collect(find_user("caretaker@a.example"), reservation, now=HANDED_OVER, **costs)


def test_the_price_paid_comes_off_the_money_saved(setup):
    """Sør-Varanger (anskaffelser.no): 145 used laptops at 2,300 NOK against 7,000 new saved about 680,000 NOK."""
    laptops = make_item(setup.caretaker_a, "laptop", quantity=Decimal(145), price_new_nok=Decimal(7000),
                        figures_source="Sør-Varanger: 7000 NOK new", now=T0)
    event = hand_over(setup.member_a, laptops, 145, price_paid_nok=Decimal(145 * 2300))
    assert event.money_nok == Decimal("681500.00") and event.price_paid_nok == Decimal("333500.00")
    assert event.co2e_gross_kg == event.co2e_net_kg == Decimal("34800.000")  # 145 × 240, nothing to subtract


def test_a_hand_over_that_cost_more_than_it_saved_is_negative_in_the_report(setup):
    """Nobody would have bought new (D = 0), yet 500 NOK was paid and 100 NOK spent on repair: −600 NOK."""
    event = hand_over(setup.member_b, setup.chairs, 2, NO, price_paid_nok=Decimal(500),
                      refurbishment_nok=Decimal(100))
    assert event.money_nok == Decimal("-600.00")
    db.session.commit()
    for scope in ("network:vest", "site", "municipality:kommune-b"):  # from the tallies and from the events
        totals = report.build(report.resolve_scope(None, scope), date(2026, 1, 1), date(2026, 12, 31)).totals
        assert (totals.money_nok, totals.price_paid_nok, totals.refurbishment_nok) == (
            Decimal("-600.00"), Decimal("500.00"), Decimal("100.00")), scope


@pytest.mark.parametrize("costs, transport", [
    ({"transport_km": Decimal(100), "transport_mode": "diesel_van"}, Decimal("25.600")),  # 100 × 0.256
    ({"transport_km": Decimal("100"), "transport_mode": "electric_van"}, Decimal("7.000")),  # 100 × 0.070
    ({"transport_kgco2e": Decimal("12.5")}, Decimal("12.500")),
])
def test_transport_comes_off_gross_net_and_band(setup, costs, transport):
    event = hand_over(setup.member_a, setup.chairs, 2, UNKNOWN, **costs)  # D = 0.7
    assert event.transport_kgco2e == transport
    assert event.co2e_gross_kg == Decimal(140) - transport
    assert event.co2e_net_kg == Decimal(98) - transport  # 2 × 0.7 × 70
    assert (event.co2e_low_kg, event.co2e_high_kg) == (Decimal("50.4") - transport, Decimal("198.8") - transport)
    assert event.money_nok == Decimal("7000.00")  # transport costs no NOK here: none is asked


def test_refurbishment_comes_off_co2e_and_money(setup):
    event = hand_over(setup.member_a, setup.chairs, 2, refurbishment_kgco2e=Decimal(10),
                      refurbishment_nok=Decimal("300.50"))
    assert (event.co2e_gross_kg, event.co2e_net_kg) == (Decimal("130.000"), Decimal("130.000"))
    assert event.money_nok == Decimal("9699.50") and event.lifetime_factor == 1


def test_a_trip_longer_than_the_saving_is_a_loss(setup):
    event = hand_over(setup.member_a, setup.chairs, 1, transport_km=Decimal(1000), transport_mode="diesel_van")
    assert event.co2e_net_kg == Decimal("-186.000")  # 70 − 256


@pytest.mark.parametrize("costs, field", [
    ({"price_paid_nok": Decimal(-1)}, "price_paid_nok"),
    ({"refurbishment_kgco2e": Decimal("1e7")}, "refurbishment_kgco2e"),
    ({"refurbishment_nok": Decimal("NaN")}, "refurbishment_nok"),
    ({"transport_km": Decimal(10)}, "transport_mode"),
    ({"transport_mode": "diesel_van"}, "transport_km"),
    ({"transport_km": Decimal(10), "transport_mode": "lorry"}, "transport_mode"),
    ({"transport_km": Decimal(10), "transport_mode": "diesel_van", "transport_kgco2e": Decimal(3)}, "transport_kgco2e"),
])
def test_costs_that_break_a_rule_change_nothing(setup, costs, field):
    reservation = services.reserve(setup.member_a, setup.chairs.id, Decimal(2), would_buy_new=YES, now=RESERVED)
    services.approve(setup.caretaker_a, reservation, now=RESERVED)
    db.session.commit()
    with pytest.raises(services.ReservationError) as refused:
        handover.collect(setup.caretaker_a, reservation, now=HANDED_OVER, **costs)
    assert field in refused.value.errors
    assert reservation.status.value == "approved" and not db.session.is_modified(reservation)
    assert db.session.scalar(select(func.count(ReuseEvent.id))) == 0


def test_a_reversal_negates_every_amount(setup):
    event = hand_over(setup.member_b, setup.chairs, 3, UNKNOWN, price_paid_nok=Decimal(900),
                      transport_km=Decimal("42.5"), transport_mode="electric_van", refurbishment_nok=Decimal(60),
                      refurbishment_kgco2e=Decimal("4.25"))
    reversal = ledger.reverse(setup.admin_a, event, "Registered twice")
    amounts = ("quantity", "price_paid_nok", "transport_km", "transport_kgco2e", "refurbishment_nok",
               "refurbishment_kgco2e", "co2e_gross_kg", "co2e_net_kg", "co2e_low_kg", "co2e_high_kg", "waste_kg",
               "money_nok")
    for name in amounts:
        assert getattr(event, name) != 0 and getattr(reversal, name) == -getattr(event, name), name
    kept = ("transport_mode", "kgco2e_new", "kgco2e_low", "kgco2e_high", "lifetime_factor", "displacement")
    assert [getattr(reversal, name) for name in kept] == [getattr(event, name) for name in kept]
    db.session.commit()
    totals = report.build(report.resolve_scope(None, "network:vest"), date(2026, 1, 1), date(2026, 12, 31)).totals
    assert all(getattr(totals, name) == 0 for name in report.MEASURES)


def test_every_event_keeps_a_band_around_its_net_figure(setup):
    """Low ≤ central ≤ high: the default band, a municipality's own figure and an item's own (both closing the
    band on themselves), with costs subtracted and any answer."""
    impact.add_override(setup.admin_a, setup.a, category("desk"), effective_from=T0.date(),
                        kgco2e_new=Decimal(200), mass_kg=None, price_new_nok=None, source="Own EPD")
    desks = make_item(setup.caretaker_a, "desk", quantity=Decimal(5), now=T0)
    own = make_item(setup.caretaker_a, "sofa", quantity=Decimal(5), kgco2e_new=Decimal(400),
                    figures_source="EPD", now=T0)
    sand = make_item(setup.caretaker_a, "grit_sand", quantity=Decimal("2.5"), now=T0)
    events = [hand_over(setup.member_a, item, 2, answer, transport_kgco2e=Decimal(3))
              for item, answer in ((setup.chairs, UNKNOWN), (desks, YES), (own, NO), (sand, YES))]
    for event in events:
        assert event.kgco2e_low <= event.kgco2e_new <= event.kgco2e_high
        assert event.co2e_low_kg <= event.co2e_net_kg <= event.co2e_high_kg
    assert (events[0].kgco2e_low, events[0].kgco2e_high) == (Decimal(36), Decimal(142))
    assert events[1].kgco2e_low == events[1].kgco2e_high == Decimal(200)
    assert events[2].kgco2e_low == events[2].kgco2e_high == Decimal(400)
    stored = db.session.scalars(select(ReuseEvent).where(ReuseEvent.reverses_event_id.is_(None))).all()
    assert len(stored) == 4 and all(e.co2e_low_kg <= e.co2e_net_kg <= e.co2e_high_kg for e in stored)


def test_the_methods_page_says_what_the_ledger_does(client, catalogue):
    page = client.get("/how-we-calculate").get_data(as_text=True)
    for said in ("antall × D × E_ny × L − transport − istandsetting", "L er 1 for hver overlevering",
                 "dieselvarebil 0,256, elektrisk varebil 0,070 kg CO2e per km",
                 "nypris × antall − betalt pris − kostnad til istandsetting", "er tallet negativt",
                 "For strøsand er det fra faktorsett 2026.2 (1. desember 2026) nettogevinsten av ombruk", "lav og høy ende"):
        assert said in page, said
