"""GET /api/v1/impact/events (the ledger event by event) and the whole of GET /api/v1/impact: the report's
figures are the sum of the ledger's JSON strings by side, scopes are checked as for the report."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from marketplace.impact import ledger_export
from tests.api.conftest import error_code, fields
from tests.conftest import login
from tests.impact.test_ledger import corrected  # noqa: F401  (fixture)
from tests.impact.test_report import ledger, mixed_units  # noqa: F401  (fixtures)

YEAR = "from=2026-01-01&to=2026-12-31"
RECEIVED = ("co2e_kg", "co2e_kg_gross", "co2e_kg_low", "co2e_kg_high", "money_nok")
EVENT_FIELDS = {"id", "occurred_on", "recorded_at", "item_id", "reservation_id", "category", "quantity", "unit",
                "would_buy_new", "displacement", "factor_set", "kgco2e_new", "co2e_kg", "co2e_kg_gross",
                "co2e_kg_low", "co2e_kg_high", "waste_kg", "money_nok", "price_paid_nok", "giver", "receiver", "side",
                "reverses", "mass_kg", "price_new_nok", "transport_km", "transport_mode", "transport_kgco2e",
                "refurbishment_nok", "refurbishment_kgco2e", "lifetime_factor", "kgco2e_low", "kgco2e_high",
                "overridden_by", "factor_sources", "scope3_category"}


def all_events(api, who: str, scope: str) -> list[dict]:
    found, page = [], 1
    while True:
        body = api.get(f"/impact/events?scope={scope}&{YEAR}&per_page=2&page={page}", who).get_json()
        found += body["events"]
        if page * 2 >= body["total"]:
            return found
        page += 1


@pytest.mark.parametrize("who, scope", [("member_a", "municipality:kommune-a"), ("admin_a", "unit:{school_a}"),
                                        ("admin_a", "unit:{depot_a}"), ("member_b", "municipality:kommune-b"),
                                        ("network_admin", "network:vest"), ("site_admin", "site")])
def test_the_reports_figures_are_the_sum_of_the_ledgers_strings(api, corrected, who, scope):
    scope = scope.format(school_a=corrected.school_a.id, depot_a=corrected.depot_a.id)
    totals = api.get(f"/impact?scope={scope}&{YEAR}", who).get_json()
    rows = all_events(api, who, scope)
    for name in RECEIVED:
        assert sum((Decimal(row[name]) for row in rows if row["side"] in ("received", "both")), Decimal(0)) == \
            Decimal(totals[name]), name
    assert sum((Decimal(row["waste_kg"]) for row in rows if row["side"] in ("given", "both")), Decimal(0)) == \
        Decimal(totals["waste_kg"])


def test_an_event_carries_every_figure(api, corrected):
    body = api.get(f"/impact/events?scope=municipality:kommune-a&{YEAR}", "member_a").get_json()
    assert body["total"] == 4 and body["page"] == 1 and body["per_page"] == 100
    by_id = {row["id"]: row for row in body["events"]}
    keyboards = by_id[corrected.e2.id]
    assert EVENT_FIELDS <= set(keyboards)
    assert isinstance(keyboards["id"], int) and isinstance(keyboards["item_id"], int)
    assert (keyboards["side"], keyboards["category"], keyboards["unit"], keyboards["quantity"]) == (
        "both", "keyboard", "piece", "4.000")
    assert (keyboards["displacement"], keyboards["co2e_kg"], keyboards["money_nok"]) == ("0.700", "28.000", "1400.00")
    assert keyboards["factor_set"] == "2026.1" and keyboards["reverses"] is None
    assert keyboards["giver"] == {"slug": "kommune-a", "name": "A kommune", "kind": "municipality",
                                  "unit_id": corrected.depot_a.id, "unit": "A depot"}
    assert keyboards["receiver"]["unit"] == "A skole" and keyboards["scope3_category"] == 1
    assert keyboards["price_paid_nok"] is None and keyboards["transport_km"] is None
    assert by_id[corrected.e1.id]["side"] == "given" and by_id[corrected.e3.id]["side"] == "received"
    reversal = by_id[corrected.e4.id]
    assert reversal["reverses"] == corrected.e1.id and reversal["quantity"] == "-10.000"
    assert by_id[corrected.e1.id]["reversed_by"] == corrected.e4.id
    assert [row["id"] for row in body["events"]] == [row["id"] for row in sorted(
        body["events"], key=lambda row: (row["occurred_on"], row["id"]))]


def test_paging(api, corrected):
    first = api.get(f"/impact/events?scope=network:vest&{YEAR}&per_page=3", "network_admin").get_json()
    second = api.get(f"/impact/events?scope=network:vest&{YEAR}&per_page=3&page=2", "network_admin").get_json()
    beyond = api.get(f"/impact/events?scope=network:vest&{YEAR}&per_page=3&page=3", "network_admin").get_json()
    assert (first["total"], len(first["events"]), len(second["events"]), beyond["events"]) == (4, 3, 1, [])
    assert not {row["id"] for row in first["events"]} & {row["id"] for row in second["events"]}
    assert {row["side"] for row in first["events"] + second["events"]} == {"both"}


@pytest.mark.parametrize("query, field", [("page=0", "page"), ("page=x", "page"), ("per_page=0", "per_page"),
                                          ("per_page=1001", "per_page"), ("from=2026-05-01&to=2026-04-01", "to"),
                                          ("scope=galaxy:far", "scope"), ("from=yesterday", "from")])
def test_bad_queries_are_400(api, corrected, query, field):
    response = api.get(f"/impact/events?{query}", "member_a")
    assert response.status_code == 400 and error_code(response) == "invalid_query"
    assert field in fields(response)


def test_tenant_isolation(api, corrected):
    for who, scope in (("caretaker_a", "municipality:kommune-b"), ("member_a", f"unit:{corrected.school_b.id}"),
                       ("member_a", "network:vest"), ("member_c", "network:vest"), ("admin_a", "site")):
        assert api.get(f"/impact/events?scope={scope}&{YEAR}", who).status_code == 403, (who, scope)
    assert api.get("/impact/events?scope=municipality:nowhere", "member_a").status_code == 404
    partner = api.get(f"/impact/events?{YEAR}", "partner_user")  # its own: what it received, none of this
    assert partner.status_code == 200 and partner.get_json()["events"] == []
    assert api.get("/impact/events?scope=partner:hjelpen", "member_a").status_code == 403
    assert api.get("/impact/events").status_code == 401
    # By default a caller reads its own municipality: B's caretaker sees none of A's internal hand-over.
    own = api.get(f"/impact/events?{YEAR}", "caretaker_b").get_json()["events"]
    assert corrected.e2.id not in {row["id"] for row in own} and own


def test_the_ledger_csv_equals_the_api(api, client, corrected):
    rows = api.get(f"/impact/events?scope=municipality:kommune-a&{YEAR}", "member_a").get_json()["events"]
    login(client, "member@a.example")
    text = client.get(f"/report/ledger.csv?scope=municipality:kommune-a&period=custom&{YEAR}").get_data()
    keys = [column.key for column in ledger_export.COLUMNS]
    lines = [dict(zip(keys, line)) for line in list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))[1:]]
    assert [int(line["id"]) for line in lines] == [row["id"] for row in rows]
    for line, row in zip(lines, rows):
        for name in (*ledger_export.FIGURES, "side", "category", "unit", "factor_set", "occurred_on"):
            assert line[name] == (row[name] or ""), name
        assert line["reverses"] == str(row["reverses"] or "") and line["scope3_category"] == str(row["scope3_category"])
        assert (line["giver"], line["receiver_unit"]) == (row["giver"]["name"], row["receiver"]["unit"] or "")


def test_impact_is_complete(api, corrected):
    network = api.get(f"/impact?scope=network:vest&{YEAR}", "network_admin").get_json()
    assert Decimal(network["co2e_kg_low"]) <= Decimal(network["co2e_kg"]) <= Decimal(network["co2e_kg_high"])
    assert network["factor_set"] == ["2026.1"]
    assert network["quantities"] == [{"unit": "piece", "received": "5.000", "given": "5.000"}]  # 10 − 10 + 4 + 1
    by_category = {row["slug"]: row for row in network["by_category"]}
    chairs = by_category["office_chair"]
    assert set(chairs) >= {"slug", "name", "unit", "quantity", "co2e_kg", "co2e_kg_gross", "co2e_kg_low",
                           "co2e_kg_high", "waste_kg", "money_nok", "events"}
    assert (chairs["unit"], chairs["quantity"], chairs["co2e_kg"]) == ("piece", "0.000", "0.000")
    assert (by_category["keyboard"]["quantity"], by_category["keyboard"]["co2e_kg"]) == ("4.000", "28.000")
    a = api.get(f"/impact?scope=municipality:kommune-a&{YEAR}", "member_a").get_json()
    assert a["quantities"] == [{"unit": "piece", "received": "5.000", "given": "4.000"}]
    assert (a["events_received"], a["events_given"]) == (2, 1)  # a reversal counts −1


def test_amounts_in_different_units_are_never_added(api, mixed_units):  # noqa: F811
    body = api.get(f"/impact?scope=network:vest&{YEAR}", "network_admin").get_json()
    assert body["quantities"] == [{"unit": "piece", "received": "12.000", "given": "12.000"},
                                  {"unit": "kg", "received": "85.500", "given": "85.500"},
                                  {"unit": "tonne", "received": "2.000", "given": "2.000"}]
    assert {row["slug"]: (row["unit"], row["quantity"]) for row in body["by_category"]} == {
        "office_chair": ("piece", "12.000"), "other_furniture": ("kg", "85.500"), "grit_sand": ("tonne", "2.000")}
    events = api.get(f"/impact/events?scope=network:vest&{YEAR}", "network_admin").get_json()["events"]
    assert {row["unit"] for row in events} == {"piece", "kg", "tonne"}
    sand = next(row for row in events if row["category"] == "grit_sand")
    assert sand["scope3_category"] == 1 and sand["quantity"] == "2.000"
