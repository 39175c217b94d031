"""Whose factors a hand-over is computed with (decision 28): the item's own, then the receiver's CO2e and new
price, the giver's weight, and the defaults for the rest; through the real hand-over, so the event stores them."""

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from marketplace.accounts.models import Role
from marketplace.impact import services
from marketplace.reservations.models import WouldBuyNew
from tests.factories import category, make_item, make_user
from tests.impact.test_report import hand_over

JUNE = datetime(2026, 6, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def overrides(region, catalogue):
    """A records its own price and weight for office chairs; B its own CO2e and price."""
    chair = category("office_chair")
    region.admin_b = make_user("admin@b.example", Role.MUNICIPAL_ADMIN, region.b)
    services.add_override(region.admin_a, region.a, chair, effective_from=date(2026, 1, 1), kgco2e_new=None,
                          mass_kg=Decimal("20"), price_new_nok=Decimal("9000"), source="A: framework 2026, scale")
    services.add_override(region.admin_b, region.b, chair, effective_from=date(2026, 1, 1),
                          kgco2e_new=Decimal("100"), mass_kg=None, price_new_nok=Decimal("3000"),
                          source="B: supplier EPD, framework 2026")
    return region


def test_the_receiver_counts_co2e_and_price_the_giver_the_weight(overrides):
    chairs = make_item(overrides.caretaker_a, "office_chair", quantity=Decimal(4), would_be_discarded=True,
                       now=datetime(2026, 5, 1, tzinfo=timezone.utc))
    event = hand_over(overrides.member_b, overrides.caretaker_a, chairs, 2, WouldBuyNew.YES, JUNE)
    assert (event.kgco2e_new, event.price_new_nok, event.mass_kg) == (Decimal("100"), Decimal("3000"), Decimal("20"))
    assert event.co2e_net_kg == Decimal("200.000") and event.money_nok == Decimal("6000.00")
    assert event.waste_kg == Decimal("40.000")  # 2 × A's 20 kg
    assert event.kgco2e_low == event.kgco2e_high == Decimal("100")  # B's own figure has no band
    assert "B: supplier EPD" in event.factor_sources and "A: framework 2026, scale" in event.factor_sources
    assert event.overridden_by == "municipality"


def test_the_other_way_round(overrides):
    chairs = make_item(overrides.caretaker_b, "office_chair", quantity=Decimal(4),
                       now=datetime(2026, 5, 1, tzinfo=timezone.utc))
    event = hand_over(overrides.member_a, overrides.caretaker_b, chairs, 1, WouldBuyNew.YES, JUNE)
    # A has no CO2e of its own: the default 70; its own price 9000; B has no weight of its own: the default 15.
    assert (event.kgco2e_new, event.price_new_nok, event.mass_kg) == (Decimal("70"), Decimal("9000"), Decimal("15"))


def test_within_a_municipality_and_for_a_partner(overrides):
    chairs = make_item(overrides.caretaker_a, "office_chair", quantity=Decimal(4),
                       now=datetime(2026, 4, 1, tzinfo=timezone.utc))
    own = hand_over(overrides.member_a, overrides.caretaker_a, chairs, 1, WouldBuyNew.YES, JUNE)
    assert (own.kgco2e_new, own.price_new_nok, own.mass_kg) == (Decimal("70"), Decimal("9000"), Decimal("20"))
    partner = hand_over(overrides.partner_user, overrides.caretaker_a, chairs, 1, WouldBuyNew.YES, JUNE)
    # A partner sets no figures: the defaults for CO2e and price, the giver's weight.
    assert (partner.kgco2e_new, partner.price_new_nok, partner.mass_kg) == \
        (Decimal("70"), Decimal("5000"), Decimal("20"))


def test_the_item_s_own_figures_come_first(overrides):
    chairs = make_item(overrides.caretaker_a, "office_chair", quantity=Decimal(4), kgco2e_new=Decimal("42.5"),
                       figures_source="HÅG EPD 2025", now=datetime(2026, 5, 1, tzinfo=timezone.utc))
    event = hand_over(overrides.member_b, overrides.caretaker_a, chairs, 1, WouldBuyNew.YES, JUNE)
    assert (event.kgco2e_new, event.price_new_nok, event.mass_kg) == \
        (Decimal("42.5"), Decimal("3000"), Decimal("20"))
    assert event.overridden_by == "item" and "HÅG EPD 2025" in event.factor_sources
