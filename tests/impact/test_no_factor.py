"""A category with no sourced factor (soil, roof tiles in set 2026.3) exists and can be handed over; the report
and the listing say that its CO2e, waste and money are not counted, instead of counting 0 silently."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from marketplace.db import db
from marketplace.impact import document, report
from marketplace.reservations import handover
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import login
from tests.factories import make_item

WHEN = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # factor set 2026.3 is in force from 5 December 2026
DECEMBER = "scope=network:vest&period=custom&from=2026-12-01&to=2026-12-31"


@pytest.fixture
def soil(region, catalogue):
    """A gives B 6 m³ of topsoil (no factor) and 2 t of crushed stone (a sourced net factor)."""
    region.a.network_share_days = 0
    topsoil = make_item(region.caretaker_a, "topsoil", title="Matjord", quantity=Decimal(8),
                        would_be_discarded=True, now=WHEN - timedelta(hours=2))
    stone = make_item(region.caretaker_a, "crushed_stone", title="Pukk", quantity=Decimal(3),
                      would_be_discarded=True, now=WHEN - timedelta(hours=2))
    for item, amount in ((topsoil, 6), (stone, 2)):
        held = reservations.reserve(region.member_b, item.id, Decimal(amount), would_buy_new=WouldBuyNew.YES,
                                    now=WHEN - timedelta(hours=1))
        region.event = handover.collect(region.caretaker_a, held, now=WHEN)
    db.session.commit()
    region.topsoil = topsoil
    return region


def test_the_report_says_which_categories_it_could_not_count(client, runner, soil):
    with force_locale("nb"):
        built = report.build(report.resolve_scope(None, "network:vest"), date(2026, 12, 1), date(2026, 12, 31))
        content = document.build(built, WHEN)
    assert built.totals.co2e_gross_kg == Decimal("11.160")  # the stone only: 2 t × 5.58
    assert content.co2e_not_counted == ["Jord og matjord"] and content.waste_not_counted == ["Jord og matjord"]
    assert "Jord og matjord" in content.money_not_counted and "Pukk og grus" in content.money_not_counted
    login(client, "coordinator@vest.example")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(f"/report?{DECEMBER}").get_data(as_text=True)))
    assert "Ikke regnet med for Jord og matjord: ingen CO2e-faktor." in page
    assert "Ikke regnet med for Jord og matjord: ingen vekt." in page
    text = client.get(f"/report/export.csv?{DECEMBER}").get_data().decode("utf-8-sig")
    rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(text), delimiter=";") if row}
    assert rows["CO2e ikke regnet med for (ingen CO2e-faktor)"] == ["Jord og matjord"]
    assert rows["Avfall ikke regnet med for (ingen vekt)"] == ["Jord og matjord"]
    data = json.loads(runner.invoke(args=["report", "--scope", "network:vest", "--from", "2026-12-01",
                                          "--to", "2026-12-31", "--format", "json"]).output)
    assert data["co2e_not_counted_for"] == ["Jord og matjord"] and data["waste_not_counted_for"] == ["Jord og matjord"]


def test_the_listing_says_its_category_has_no_climate_factor(client, soil):
    login(client, "member@a.example")
    page = client.get(f"/items/{soil.topsoil.id}").get_data(as_text=True)
    assert "Denne kategorien har ingen klimafaktor" in page
    assert "Reuse saves" not in page and "sparer omtrent" not in page
