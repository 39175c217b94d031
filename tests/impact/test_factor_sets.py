"""Shipped factor sets are immutable and versioned (issue #17): each version is installed once, exactly as its file
says, never rewritten, and a hand-over takes the set in force on its date."""

import csv
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from marketplace.db import db
from marketplace.impact import services as impact
from marketplace.impact.models import CategoryFactor, FactorSet
from marketplace.listings.models import Category, MeasureUnit
from marketplace.reservations import services as reservations
from marketplace.reservations import handover
from marketplace.reservations.models import WouldBuyNew
from tests.factories import category, find_user, make_item

FIRST, SECOND, THIRD = impact.SHIPPED_FACTOR_SETS


def shipped_lines(spec) -> dict[str, tuple]:
    with open(spec["file"], newline="", encoding="utf-8") as file:
        return {row["slug"]: impact._line(row) for row in csv.DictReader(file)}


def stored_lines(version: str) -> dict[str, tuple]:
    factor_set = db.session.scalar(select(FactorSet).where(FactorSet.version == version))
    return {factor.category.slug: impact._stored_line(factor) for factor in factor_set.factors}


def everything_stored() -> list[tuple]:
    """Every factor set, line and category as stored, to compare before and after."""
    sets = [(s.id, s.version, s.name, s.effective_from, s.description)
            for s in db.session.scalars(select(FactorSet).order_by(FactorSet.id))]
    lines = [(f.id, f.factor_set_id, f.category_id, *impact._stored_line(f))
             for f in db.session.scalars(select(CategoryFactor).order_by(CategoryFactor.id))]
    categories = [(c.id, c.slug, c.group, c.name_nb, c.name_en, c.unit, c.holds_data, c.position)
                  for c in db.session.scalars(select(Category).order_by(Category.id))]
    return [*sets, *lines, *categories]


def test_the_first_shipped_set_is_what_was_first_shipped():
    """2026.1 as released (grit sand at new sand's 7.8 kg/t); the net saving is 2026.2's, from 1 December."""
    first, second = shipped_lines(FIRST), shipped_lines(SECOND)
    assert first["grit_sand"][:3] == (Decimal("7.8"), Decimal("3.2"), Decimal("7.8"))
    assert second["grit_sand"][:3] == (Decimal("5.58"), Decimal(2), Decimal(6))
    assert "NET saving of reuse" in second["grit_sand"][-1]
    assert SECOND["effective_from"].isoformat() == "2026-12-01" and FIRST["effective_from"] < SECOND["effective_from"]
    added = set(second) - set(first)
    assert added == {"plasterboard", "ceiling_tile", "paving_stone", "interior_door", "window", "brick",
                     "structural_timber", "kitchen_cabinet", "carpet_tile", "toilet", "washbasin", "pallet_racking"}
    assert {slug: line for slug, line in second.items() if slug in first and slug != "grit_sand"} == {
        slug: line for slug, line in first.items() if slug != "grit_sand"}  # every other 2026.1 line as it was
    assert "CAVEAT" in second["structural_timber"][-1] and "CAVEAT" in second["paving_stone"][-1]


def test_installed_sets_equal_their_files_and_a_second_install_changes_nothing(app):
    said = []
    impact.install_default_factors(progress=said.append)
    db.session.commit()
    assert stored_lines("2026.1") == shipped_lines(FIRST) and stored_lines("2026.2") == shipped_lines(SECOND)
    assert stored_lines("2026.3") == shipped_lines(THIRD)
    before = everything_stored()
    said.clear()
    newest = impact.install_default_factors(progress=said.append)
    db.session.commit()
    assert newest.version == "2026.3" and everything_stored() == before
    assert "Default factors 2026.1 already installed" in said and "Default factors 2026.3 already installed" in said


def first_set_as_stored() -> tuple:
    stored = db.session.scalar(select(FactorSet).where(FactorSet.version == "2026.1"))
    lines = sorted(((f.id, f.category_id, *impact._stored_line(f)) for f in stored.factors), key=lambda l: l[0])
    return (stored.id, stored.name, stored.effective_from, stored.description, stored.created_at), lines


def test_a_database_holding_2026_1_gets_2026_2_added_and_2026_1_stays(app, monkeypatch):
    monkeypatch.setattr(impact, "SHIPPED_FACTOR_SETS", [FIRST])
    impact.install_default_factors()
    db.session.commit()
    assert db.session.scalar(select(func.count(FactorSet.id))) == 1 and category("plasterboard") is None
    before = first_set_as_stored()
    monkeypatch.setattr(impact, "SHIPPED_FACTOR_SETS", [FIRST, SECOND])
    said = []
    impact.install_default_factors(progress=said.append)
    db.session.commit()
    db.session.expire_all()
    assert first_set_as_stored() == before
    assert stored_lines("2026.1") == shipped_lines(FIRST) and stored_lines("2026.2") == shipped_lines(SECOND)
    assert any(line.startswith("Default factors 2026.2 installed") for line in said), said
    plasterboard = category("plasterboard")
    assert plasterboard.unit is MeasureUnit.M2 and plasterboard.name_nb == "Gipsplate"
    assert plasterboard.name_en == "Plasterboard 12.5 mm" and category("structural_timber").unit is MeasureUnit.M3


def test_a_set_already_stored_with_other_lines_is_left_alone_and_reported(app):
    """A database made while 2026.1 was edited in place (grit sand at 5.58) keeps its figures: never rewritten."""
    impact.install_default_factors()
    first = db.session.scalar(select(FactorSet).where(FactorSet.version == "2026.1"))
    db.session.execute(update(CategoryFactor).where(CategoryFactor.factor_set_id == first.id,
                                                    CategoryFactor.category_id == category("grit_sand").id)
                       .values(kgco2e_new=Decimal("5.58")))
    db.session.commit()
    db.session.expire_all()
    before = everything_stored()
    said = []
    impact.install_default_factors(progress=said.append)
    db.session.commit()
    assert everything_stored() == before
    assert stored_lines("2026.1")["grit_sand"][0] == Decimal("5.58")
    assert any("2026.1" in line and "differ" in line and "grit_sand" in line for line in said), said


@pytest.mark.parametrize("handed_over, version, per_tonne", [
    (datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc), "2026.1", Decimal("7.8")),
    (datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc), "2026.2", Decimal("5.58")),
    # 23:30 UTC on 30 November is 00:30 on 1 December in Oslo: the Norwegian date decides.
    (datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc), "2026.2", Decimal("5.58")),
])
def test_a_hand_over_takes_the_set_in_force_on_its_date(region, catalogue, handed_over, version, per_tonne):
    sand = make_item(region.caretaker_a, "grit_sand", quantity=Decimal(2), now=handed_over - timedelta(days=6))
    reservation = reservations.reserve(region.member_a, sand.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                                       now=handed_over - timedelta(days=1))
    event = handover.collect(find_user("caretaker@a.example"), reservation, now=handed_over)
    assert event.factor_set_version == version
    assert event.kgco2e_new == per_tonne and event.co2e_gross_kg == 2 * per_tonne


def test_how_we_calculate_shows_the_set_in_force_its_units_and_the_history(client, catalogue):
    page = client.get("/how-we-calculate").get_data(as_text=True)  # today is after 5 December 2026: 2026.3
    assert "Faktorsett 2026.3" in page and "Dette er settet som gjelder i dag." in page
    assert "1,6 kg CO2e per m²" in page and "Norgips Standard type A" in page  # a 2026.2 line, with its unit
    assert "32 kg CO2e per m³" in page and "CAVEAT (climate-method.md)" in page
    assert "5,58 kg CO2e per tonn" in page
    assert "50 kg CO2e per sett" in page and "56 kg CO2e per m³" in page  # 2026.3: a set, insulation
    history = page[page.index("Versjonshistorikk for faktorene"):]
    assert "2026.1" in history and "2026.2" in history and "2026.3" in history and "gjelder i dag" in history
    assert "Strøsand teller nå nettogevinsten av ombruk" in history and "Seks kategorier er lagt til" in history
    earlier = client.get("/how-we-calculate?version=2026.1").get_data(as_text=True)
    assert "Faktorsett 2026.1" in earlier and "Dette er ikke settet som gjelder i dag; det er 2026.3." in earlier
    assert "7,8 kg CO2e per tonn" in earlier and "Gipsplate" not in earlier.split("Versjonshistorikk")[0]
    unknown = client.get("/how-we-calculate?version=1999.9")
    assert unknown.status_code == 200 and "Faktorsett 2026.3" in unknown.get_data(as_text=True)


def test_the_third_set_only_adds_lines_each_with_a_source_or_an_honest_no_factor():
    """2026.3 repeats every 2026.2 line as it was (so it may take effect the day it was made: a hand-over of an
    existing category gets the same figures under either set) and adds six categories."""
    second, third = shipped_lines(SECOND), shipped_lines(THIRD)
    assert {slug: line for slug, line in third.items() if slug in second} == second
    assert set(third) - set(second) == {"pupil_desk_set", "workstation_set", "crushed_stone", "insulation",
                                        "topsoil", "roof_tile"}
    assert SECOND["effective_from"] < THIRD["effective_from"] and THIRD["effective_from"].isoformat() == "2026-12-05"
    with open(THIRD["file"], newline="", encoding="utf-8") as file:
        rows = {row["slug"]: row for row in csv.DictReader(file)}
    assert rows["pupil_desk_set"]["unit"] == "set" and rows["workstation_set"]["unit"] == "set"
    assert rows["insulation"]["unit"] == "m3" and rows["topsoil"]["unit"] == "m3"
    # The set is its parts: a pupil desk (30) and a pupil chair (20).
    assert third["pupil_desk_set"][0] == second["pupil_desk"][0] + second["pupil_chair"][0]
    assert third["crushed_stone"][:3] == second["grit_sand"][:3] and "DEFRA/DESNZ 2025" in rows["crushed_stone"]["sources"]
    for slug in ("topsoil", "roof_tile"):  # no sourced figure: no factor at all, and the line says so
        assert third[slug][0] is None and rows[slug]["confidence"] == "none"
        assert rows[slug]["sources"].startswith("no default factor")
    for slug in ("pupil_desk_set", "workstation_set", "crushed_stone", "insulation"):
        assert third[slug][0] is not None and rows[slug]["sources"] and rows[slug]["confidence"] != "none"
    # Each group comes in one run, so the forms show each group once.
    groups = [row["group"] for row in rows.values()]
    assert groups == sorted(groups, key=["furniture", "ict", "material"].index)
