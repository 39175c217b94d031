"""The reuse-first figures against numbers worked out by hand (new prices of the 2026.1 factor set:
stackable chair 1 500 NOK, laptop 10 000 NOK, desk 4 000 NOK)."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from marketplace.db import db
from marketplace.impact.report import resolve_scope
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from marketplace.wanted import report, services
from tests.conftest import counting_queries
from tests.factories import category, make_item

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc)
JUNE = (date(2026, 6, 1), date(2026, 6, 30))


def need(user, slug, quantity, now=T0, **fields):
    return services.register_need(user, services.NeedInput(title=f"{quantity} {slug}", category=category(slug),
                                                           quantity=Decimal(quantity), **fields), now=now)


def reserve(user, item, quantity):
    return reservations.reserve(user, item.id, Decimal(quantity), would_buy_new=WouldBuyNew.YES, now=T0)


@pytest.fixture
def figures(region, catalogue):
    region.b.network_share_days = 0
    a_chairs = make_item(region.caretaker_a, "stackable_chair", quantity=Decimal(10), now=T0 - timedelta(days=1))
    b_chairs = make_item(region.caretaker_b, "stackable_chair", quantity=Decimal(30), now=T0 - timedelta(days=1))
    full = need(region.member_a, "stackable_chair", 24)
    services.record_outcome(region.member_a, full, reservation_ids=[
        reserve(region.member_a, a_chairs, 10).id, reserve(region.member_a, b_chairs, 14).id])
    part = need(region.member_a, "stackable_chair", 10)
    services.record_outcome(region.member_a, part, reservation_ids=[reserve(region.member_a, b_chairs, 4).id],
                            reason="quantity")
    laptops = need(region.member_a, "laptop", 2, returned_asset_tag="A-1")
    services.record_outcome(region.member_a, laptops, reservation_ids=[], reason="nothing_suitable")
    laptop = need(region.member_a, "laptop", 1, no_return_reason="Ny ansatt")
    services.record_outcome(region.member_a, laptop, reservation_ids=[], reason="other", reason_text="Spesiell")
    need(region.caretaker_a, "desk", 3, now=T0 + timedelta(days=3))  # open: registered, not decided
    b_desks = need(region.member_b, "desk", 5)
    services.record_outcome(region.member_b, b_desks, reservation_ids=[], reason="deadline")
    need(region.member_a, "desk", 1, now=datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc))  # July
    # Registered 30 June at 23:30 in Oslo (21:30 UTC): still June.
    need(region.member_a, "desk", 1, now=datetime(2026, 6, 30, 21, 30, tzinfo=timezone.utc))
    db.session.commit()
    return region


def test_municipality_figures_equal_the_hand_computed_ones(figures, app):
    scope = resolve_scope(None, "municipality:kommune-a")
    with counting_queries(app) as queries:
        numbers = report.build(scope, *JUNE)
    assert len(queries) <= 4
    assert (numbers.registered, numbers.decided) == (6, 4)
    assert (numbers.reused, numbers.partly_reused, numbers.bought_new) == (1, 1, 2)
    assert (numbers.quantity_needed, numbers.quantity_reused) == (Decimal(37), Decimal(28))
    # 24×1500 + 10×1500 + 2×10000 + 1×10000 needed; 24×1500 + 4×1500 reused.
    assert (numbers.value_needed, numbers.value_reused) == (Decimal("81000.00"), Decimal("42000.00"))
    assert numbers.share_by_count == Decimal("0.250") and numbers.share_by_value == Decimal("0.519")
    assert numbers.reasons == {"quantity": 1, "nothing_suitable": 1, "other": 1}
    assert (numbers.ict_issued, numbers.ict_returned, numbers.ict_not_returned) == (Decimal(3), 1, 1)


def test_unit_network_and_period_scopes(figures):
    unit = report.build(resolve_scope(None, f"unit:{figures.school_a.id}"), *JUNE)
    assert (unit.registered, unit.decided) == (5, 4)  # the desks were registered by the depot's caretaker
    network = report.build(resolve_scope(None, "network:vest"), *JUNE)
    assert (network.registered, network.decided, network.bought_new) == (7, 5, 3)
    assert network.value_needed == Decimal("101000.00") and network.reasons["deadline"] == 1
    other = report.build(resolve_scope(None, "network:nord"), *JUNE)
    assert (other.registered, other.decided, other.share_by_count, other.share_by_value) == (0, 0, None, None)
    july = report.build(resolve_scope(None, "municipality:kommune-a"), date(2026, 7, 1), date(2026, 7, 31))
    assert (july.registered, july.decided) == (1, 0)


def test_awaiting_approval_is_registered_but_not_decided(region, catalogue):
    region.a.need_approval_required = True
    waiting = need(region.member_a, "laptop", 1, returned_asset_tag="X")
    services.record_outcome(region.member_a, waiting, reservation_ids=[], reason="condition")
    numbers = report.build(resolve_scope(None, "municipality:kommune-a"), *JUNE)
    assert (numbers.registered, numbers.decided, numbers.ict_issued) == (1, 0, Decimal(0))
    services.approve_need(region.admin_a, waiting)
    numbers = report.build(resolve_scope(None, "municipality:kommune-a"), *JUNE)
    assert (numbers.decided, numbers.ict_issued, numbers.ict_returned) == (1, Decimal(1), 1)


def test_the_report_page_and_exports_show_the_reuse_first_figures(figures, client):
    import io

    from openpyxl import load_workbook

    from tests.conftest import login

    login(client, "admin@a.example")
    args = "scope=municipality:kommune-a&period=custom&from=2026-06-01&to=2026-06-30"
    page = client.get(f"/report?{args}").get_data(as_text=True)
    section = page.split('id="reuse-first"')[1].split("</section>")[0]
    assert "25 %" in section and "51,9 %" in section  # shares met by reuse, by count and by value
    csv = client.get(f"/report/export.csv?{args}").get_data(as_text=True)
    assert "Ombruk først" in csv and "81000,00" in csv
    workbook = load_workbook(io.BytesIO(client.get(f"/report/export.xlsx?{args}").get_data()))
    sheet = {row[0]: row[1] for row in workbook["Ombruk først"].iter_rows(values_only=True)}
    assert sheet["Behov registrert"] == 6 and sheet["Andel dekket ved ombruk, etter antall"] == 0.25


def test_the_json_export_and_the_api_carry_the_reuse_first_figures(figures, client, runner):
    import json

    from marketplace.api import services as tokens

    secret = tokens.create_token(figures.admin_a, "report").secret
    db.session.commit()
    expected = {"needs_registered": 6, "needs_decided": 4, "met_by_reuse": 1, "partly_met_by_reuse": 1,
                "bought_new": 2, "share_by_count": "0.250", "share_by_value": "0.519", "value_needed_nok": "81000.00",
                "value_reused_nok": "42000.00", "ict_issued": "3.000", "ict_returned": 1, "ict_not_returned": 1,
                "buy_new_reasons": {"nothing_suitable": 1, "condition": 0, "quantity": 1, "deadline": 0, "other": 1}}
    response = client.get("/api/v1/impact?scope=municipality:kommune-a&from=2026-06-01&to=2026-06-30",
                          headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and response.get_json()["reuse_first"] == expected
    result = runner.invoke(args=["report", "--scope", "municipality:kommune-a", "--from", "2026-06-01",
                                 "--to", "2026-06-30", "--format", "json"])
    assert result.exit_code == 0, result.output
    exported = json.loads(result.output)["reuse_first"]
    numbers = {name: float(value) if name.startswith(("share", "value", "ict_issued")) else value
               for name, value in expected.items()}
    assert exported == numbers
