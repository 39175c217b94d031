from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.impact import services
from marketplace.impact.models import CategoryFactor, FactorSet
from marketplace.listings.models import Category
from tests.conftest import login
from tests.factories import category, make_item


@pytest.fixture
def setup(region, catalogue):
    return region


def test_install_is_idempotent_and_complete(setup):
    services.install_default_factors()
    services.install_default_factors()
    assert db.session.scalar(select(func.count(FactorSet.id))) == len(services.SHIPPED_FACTOR_SETS) == 3
    newest = db.session.scalar(select(FactorSet).where(FactorSet.version == "2026.3"))
    categories = db.session.scalar(select(func.count(Category.id)))
    assert categories == db.session.scalar(select(func.count(CategoryFactor.id))
                                           .where(CategoryFactor.factor_set_id == newest.id)) >= 40
    laptop = category("laptop")
    assert laptop.holds_data and laptop.unit.value == "piece" and laptop.name_nb == "Bærbar PC"
    assert not category("keyboard").holds_data


def test_default_factors_carry_their_sources(setup):
    factors = services.factors_in_force(setup.a, date(2026, 6, 1))
    laptop = factors[category("laptop").id]
    assert laptop.kgco2e_new == Decimal("240") and laptop.mass_kg == Decimal("1.650")
    assert "Boavizta" in laptop.sources and laptop.factor_set_version == "2026.1" and laptop.overridden_by is None
    assert services.factors_in_force(setup.a, date(2025, 12, 31)) == {}  # before the set took effect


def test_municipal_override_takes_effect_from_its_date(setup):
    chair = category("office_chair")
    services.add_override(setup.admin_a, setup.a, chair, effective_from=date(2026, 7, 1),
                          kgco2e_new=Decimal("55"), mass_kg=None, price_new_nok=None, source="EPD HÅG Capisco")
    before = services.factors_in_force(setup.a, date(2026, 6, 30))[chair.id]
    after = services.factors_in_force(setup.a, date(2026, 7, 1))[chair.id]
    assert before.kgco2e_new == Decimal("70") and after.kgco2e_new == Decimal("55")
    assert after.mass_kg == Decimal("15") and "EPD HÅG Capisco" in after.sources and after.overridden_by
    assert services.factors_in_force(setup.b, date(2026, 7, 1))[chair.id].kgco2e_new == Decimal("70")
    services.add_override(setup.admin_a, setup.a, chair, effective_from=date(2026, 9, 1),
                          kgco2e_new=Decimal("60"), mass_kg=None, price_new_nok=None, source="New EPD")
    assert services.factors_in_force(setup.a, date(2026, 8, 1))[chair.id].kgco2e_new == Decimal("55")
    assert services.factors_in_force(setup.a, date(2026, 9, 2))[chair.id].kgco2e_new == Decimal("60")
    assert len(services.override_history(setup.a)) == 2  # history kept


def test_of_two_overrides_from_the_same_day_the_later_counts_field_by_field_over_the_default(setup):
    chair, desk = category("office_chair"), category("desk")
    for kgco2e_new, mass_kg, source in ((Decimal("55"), None, "EPD 1"), (None, Decimal("12"), "EPD 1, corrected")):
        services.add_override(setup.admin_a, setup.a, chair, effective_from=date(2026, 7, 1), kgco2e_new=kgco2e_new,
                              mass_kg=mass_kg, price_new_nok=None, source=source)
    for category_ids in (None, [chair.id, desk.id]):
        factors = services.factors_in_force(setup.a, date(2026, 7, 1), category_ids)
        default = services.factors_in_force(setup.b, date(2026, 7, 1), category_ids)
        assert factors[chair.id].mass_kg == Decimal("12") and factors[chair.id].kgco2e_new == Decimal("70")
        assert factors[chair.id].sources.startswith("EPD 1, corrected (municipality, from 2026-07-01); default: ")
        assert factors[chair.id].overridden_by == "municipality" and default[chair.id].overridden_by is None
        assert factors[desk.id] == default[desk.id]


def test_the_figures_of_some_categories_are_those_of_the_whole_set(setup):
    chair, laptop = category("office_chair"), category("laptop")
    services.add_override(setup.admin_a, setup.a, chair, effective_from=date(2026, 7, 1),
                          kgco2e_new=Decimal("55"), mass_kg=None, price_new_nok=None, source="EPD HÅG Capisco")
    for municipality in (setup.a, setup.b, None):
        whole = services.factors_in_force(municipality, date(2026, 7, 1))
        some = services.factors_in_force(municipality, date(2026, 7, 1), [chair.id, laptop.id])
        assert some == {chair.id: whole[chair.id], laptop.id: whole[laptop.id]}
    assert services.factors_in_force(setup.a, date(2026, 7, 1), [chair.id])[chair.id].kgco2e_new == Decimal("55")
    assert services.factors_in_force(setup.a, date(2026, 7, 1), []) == {}


def test_item_figures_beat_municipal_and_default(setup):
    item = make_item(setup.caretaker_a, kgco2e_new=Decimal("42.5"), figures_source="Supplier EPD 2025")
    figures = services.factors_for_item(item, date(2026, 6, 1))
    assert figures.kgco2e_new == Decimal("42.5") and figures.overridden_by == "item"
    assert figures.mass_kg == Decimal("15") and "Supplier EPD 2025" in figures.sources


def test_overrides_need_an_admin_a_source_and_a_figure(setup):
    chair = category("office_chair")
    kwargs = {"effective_from": date(2026, 7, 1), "mass_kg": None, "price_new_nok": None}
    with pytest.raises(Forbidden):
        services.add_override(setup.caretaker_a, setup.a, chair, kgco2e_new=Decimal(1), source="x", **kwargs)
    with pytest.raises(Forbidden):
        services.add_override(setup.admin_a, setup.b, chair, kgco2e_new=Decimal(1), source="x", **kwargs)
    with pytest.raises(services.FactorError):
        services.add_override(setup.admin_a, setup.a, chair, kgco2e_new=Decimal(1), source="  ", **kwargs)
    with pytest.raises(services.FactorError):
        services.add_override(setup.admin_a, setup.a, chair, kgco2e_new=None, source="EPD", **kwargs)
    with pytest.raises(services.FactorError):
        services.add_override(setup.admin_a, setup.a, chair, kgco2e_new=Decimal(-5), source="EPD", **kwargs)
    assert services.override_history(setup.a) == []


def test_override_page(client, setup, web_app):
    login(client, "admin@a.example")
    assert client.get("/admin/factors").status_code == 200
    bad = client.post("/admin/factors", data={"category": "office_chair", "effective_from": "2026-07-01",
                                              "kgco2e_new": "55", "source": ""})
    assert bad.status_code == 400
    good = client.post("/admin/factors", data={"category": "office_chair", "effective_from": "2026-07-01",
                                               "kgco2e_new": "55,5", "source": "EPD"})
    assert good.status_code == 303
    db.session.rollback()
    assert services.override_history(setup.a)[0].kgco2e_new == Decimal("55.5")
    caretaker = web_app.test_client()
    login(caretaker, "caretaker@a.example")
    assert caretaker.get("/admin/factors").status_code == 403
    assert caretaker.post("/admin/factors", data={"category": "office_chair", "effective_from": "2026-07-01",
                                                  "kgco2e_new": "1", "source": "x"}).status_code == 403


def test_a_site_admin_of_no_municipality_finds_no_factor_page(client, setup):
    """Own figures belong to a municipality: without one the page does not exist (it gave a 500)."""
    login(client, "root@site.example")
    assert client.get("/admin/factors").status_code == 404
    assert client.post("/admin/factors", data={"category": "office_chair"}).status_code in (400, 404)
