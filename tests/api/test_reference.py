"""Categories with the factors in force, and the caller."""

from datetime import date
from decimal import Decimal

from marketplace.db import db
from marketplace.impact import services as impact
from tests.factories import category


def test_categories_carry_the_factors_in_force_for_the_callers_municipality(api, setup):
    impact.add_override(setup.admin_a, setup.a, category("office_chair"), effective_from=date(2026, 1, 1),
                        kgco2e_new=Decimal("55.5"), mass_kg=None, price_new_nok=None, source="Vår EPD")
    db.session.commit()
    a = {row["slug"]: row for row in api.get("/categories", "member_a").get_json()["categories"]}
    b = {row["slug"]: row for row in api.get("/categories", "member_b").get_json()["categories"]}
    assert a["office_chair"]["kgco2e_new"] == "55.5" and a["office_chair"]["overridden_by"] == "municipality"
    assert "Vår EPD" in a["office_chair"]["sources"]
    assert b["office_chair"]["kgco2e_new"] == "70" and b["office_chair"]["overridden_by"] is None
    chair = b["office_chair"]
    assert set(chair) >= {"slug", "name", "group", "unit", "kgco2e_new", "mass_kg", "price_new_nok", "sources",
                          "factor_set"}
    assert chair["name"] == "Kontorstol" and chair["group"] == "furniture" and chair["unit"] == "piece"
    assert chair["factor_set"] == "2026.3" and chair["sources"]  # today's set (in force from 5 December 2026)
    assert b["grit_sand"]["unit"] == "tonne" and b["laptop"]["holds_data"] is True


def test_me_for_roles_without_a_municipality(api, setup):
    coordinator = api.get("/me", "network_admin").get_json()
    assert coordinator["municipality"] is None and coordinator["roles"] == ["network_admin"]
    partner = api.get("/me", "partner_user").get_json()
    assert partner["municipality"] is None and partner["organisation"]["kind"] == "partner"
    assert api.get("/me", "caretaker_a").get_json()["roles"] == ["caretaker"]


def test_square_metre_categories_take_amounts_with_decimals(api, setup):
    """Plasterboard is counted in m² (factor set 2026.2): the API names the unit and takes 12.5 m², not 1.0005."""
    board = {row["slug"]: row for row in api.get("/categories", "member_a").get_json()["categories"]}["plasterboard"]
    assert board["unit"] == "m2" and board["kgco2e_new"] == "1.6" and "Norgips" in board["sources"]
    body = {"title": "Gipsplater, 12,5 mm", "category": "plasterboard", "condition": "good"}
    created = api.post("/items", "caretaker_a", json=body | {"quantity": "12.5"})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["quantity"] == "12.5"
    refused = api.post("/items", "caretaker_a", json=body | {"quantity": "1.0005"})
    assert refused.status_code == 422 and "quantity" in refused.get_json()["error"]["fields"]
