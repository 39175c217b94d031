"""The category list (issue 18, item 9): sets counted as sets, building materials in m² and m³, each group once
in the category selects, and the categories as `marketplace init` installs them from the newest factor set."""

import re
from decimal import Decimal

import pytest
from flask_babel import force_locale

from marketplace.db import db
from marketplace.listings import services as listings
from marketplace.listings.forms import PER_UNIT_LABELS, unit_label_for
from marketplace.listings.models import CategoryGroup, MeasureUnit
from tests.conftest import login
from tests.factories import category, make_item


@pytest.mark.parametrize("locale, amount, unit, expected", [
    ("nb", 1, "set", "sett"), ("nb", 28, "set", "sett"), ("en", 1, "set", "set"), ("en", 28, "set", "sets"),
    ("nb", 1, "piece", "stk."), ("en", 2, "piece", "pieces"), ("en", 1, "piece", "piece"),
    ("nb", Decimal("1.5"), "m3", "m³"), ("en", 12, "m3", "m³"), ("nb", 12, "m2", "m²"),
])
def test_a_unit_after_an_amount_in_both_languages(app, locale, amount, unit, expected):
    with app.test_request_context(), force_locale(locale):
        assert unit_label_for(amount, unit) == expected
        assert str(PER_UNIT_LABELS["set"]) == {"nb": "per sett", "en": "per set"}[locale]


def test_sets_are_counted_in_whole_numbers(app):
    with app.test_request_context(), force_locale("nb"):
        assert MeasureUnit.SET.whole_numbers and not MeasureUnit.M3.whole_numbers
        assert MeasureUnit.SET.quantity_problem(Decimal(28)) is None
        assert MeasureUnit.SET.quantity_problem(Decimal("2.5")) == "Oppgi denne kategorien i hele sett."
        assert MeasureUnit.M3.quantity_problem(Decimal("1.6")) is None


def test_init_installs_the_new_categories_with_their_units(catalogue):
    assert category("pupil_desk_set").unit is MeasureUnit.SET and category("workstation_set").unit is MeasureUnit.SET
    assert category("pupil_desk_set").name_nb == "Elevpult med stol (sett)"
    assert category("insulation").unit is MeasureUnit.M3 and category("topsoil").unit is MeasureUnit.M3
    assert category("plasterboard").unit is MeasureUnit.M2 and category("crushed_stone").unit is MeasureUnit.TONNE
    assert category("roof_tile").group is CategoryGroup.MATERIAL


def test_categories_come_grouped_each_group_once(catalogue):
    groups = [item.group for item in listings.categories()]
    runs = [group for index, group in enumerate(groups) if index == 0 or groups[index - 1] != group]
    assert runs == [CategoryGroup.FURNITURE, CategoryGroup.ICT, CategoryGroup.MATERIAL]
    # "Other ..." closes its group: it stood after the building materials before, splitting ICT and materials.
    slugs = [item.slug for item in listings.categories()]
    assert slugs.index("other_ict") < slugs.index("grit_sand") and slugs[-1] == "other_material"


def optgroups(html: str) -> list[str]:
    return re.findall(r'<optgroup label="([^"]+)"', html)


@pytest.mark.parametrize("path", ["/items/new", "/wanted/new"])
def test_the_category_select_shows_each_group_once(client, region, catalogue, path):
    login(client, "caretaker@a.example")
    page = client.get(path).get_data(as_text=True)
    assert optgroups(page) == ["Møbler", "IKT-utstyr", "Materialer"]
    select = page[page.index('id="category"'):]
    select = select[:select.index("</select>")]
    assert "Elevpult med stol (sett)" in select and "Gipsplate" in select and "Jord og matjord" in select


def test_a_set_shows_as_sets(client, region, catalogue):
    desks = make_item(region.caretaker_a, "pupil_desk_set", title="Elevpulter med stoler", quantity=Decimal(28))
    db.session.commit()
    login(client, "member@a.example")
    page = client.get(f"/items/{desks.id}").get_data(as_text=True)
    assert "28 sett" in page and "28 stk." not in page
    assert "50 kg CO2e per sett" in page
