"""No machine code reaches a page as visible text (issue 18, item 5): audit actions and their fields, status
values, reliability words and unit codes all have bokmål labels. The codes are collected from the source, so
a new audit action without a label fails here."""

import ast
import html
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from marketplace.admin import services as admin
from marketplace.audit.labels import ACTION_LABELS, FIELD_LABELS
from marketplace.db import db, utcnow
from marketplace.impact import services as impact
from marketplace.impact.labels import CONFIDENCE_LABELS
from marketplace.listings.models import ItemStatus, MeasureUnit
from marketplace.reservations import services as reservations
from marketplace.reservations.models import ReservationStatus, WouldBuyNew
from tests.conftest import fresh, login
from tests.factories import category, make_item

ROOT = Path(__file__).resolve().parent.parent


def _audit_calls():
    """(action, detail names) of every audit.record call and the reservations room's _log helper."""
    for path in (ROOT / "marketplace").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            on_audit = isinstance(function, ast.Attribute) and getattr(function.value, "id", None) == "audit"
            if name == "record" and on_audit:
                action = node.args[0] if node.args else None
            elif name == "_log" and path.parent.name == "reservations" and len(node.args) > 2:
                action = node.args[2]
            else:
                continue
            yield action, [keyword.arg for keyword in node.keywords if keyword.arg]


def _actions_in_the_code() -> set[str]:
    found = set()
    for action, _fields in _audit_calls():
        for constant in ast.walk(action) if action is not None else ():
            if isinstance(constant, ast.Constant) and isinstance(constant.value, str) and constant.value.strip("_"):
                found.add(constant.value)
    return found


def test_every_audit_action_and_field_in_the_code_has_a_label():
    actions = _actions_in_the_code()
    # f"notice_{status}" is completed by the statuses a notice closes with
    dynamic = {action for action in actions if action.endswith("_")}
    actions = (actions - dynamic) | {"notice_met", "notice_withdrawn"}
    assert len(actions) > 50
    assert not sorted(actions - set(ACTION_LABELS)), "audit actions without a label"
    fields = {name for _action, names in _audit_calls() for name in names}
    assert not sorted(fields - set(FIELD_LABELS)), "audit fields without a label"


def _codes() -> set[str]:
    codes = {code for code in (*ACTION_LABELS, *FIELD_LABELS) if "_" in code}
    codes |= set(CONFIDENCE_LABELS) - {"none"}
    codes |= {status.value for status in ReservationStatus} | {status.value for status in ItemStatus}
    codes |= {unit.value for unit in MeasureUnit} - {"kg"}
    return codes


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, styles or code blocks, no tags (so no attribute values or URLs). The
    factor sources are bibliographic references kept as written (in English), so they are left out too."""
    page = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r'<td class="sources">.*?</td>', " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def raw_codes(text: str, codes: set[str]) -> set[str]:
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_-]*", text))
    return {word for word in words if word in codes}


def test_the_check_finds_a_code_and_ignores_attributes_and_urls():
    codes = {"factor_override_added", "piece", "low"}
    page = ('<a href="/x?action=factor_override_added" data-unit="piece">Klimatall</a>'
            '<code>low</code><td>factor_override_added</td>')
    assert raw_codes(visible_text(page), codes) == {"factor_override_added"}


@pytest.fixture
def lived_in(region, catalogue):
    """A municipality with some history: a listed item, a reservation approved, a climate figure overridden,
    a unit renamed, so the audit log has actions with details of every kind."""
    chairs = make_item(region.caretaker_a, "office_chair", quantity=Decimal(3))
    reservation = reservations.reserve(region.member_a, chairs.id, Decimal(1), would_buy_new=WouldBuyNew.YES)
    reservations.approve(region.caretaker_a, reservation, pickup_at=utcnow() + timedelta(days=2))
    impact.add_override(region.admin_a, region.a, category("office_chair"), effective_from=date.today(),
                        kgco2e_new=Decimal("60"), mass_kg=None, price_new_nok=None, source="Egen EPD")
    admin.update_unit(region.admin_a, region.a, region.depot_a.id, "Sentrallageret", "depot",
                      admin.UnitDetails(address="Lagervegen 2, 9990 A", opening_hours="Man–fre 8–15"))
    db.session.commit()
    return region, chairs, reservation


@pytest.mark.parametrize("email", ["member@a.example", "caretaker@a.example", "admin@a.example"])
def test_pages_show_labels_not_machine_codes(client, lived_in, email):
    region, chairs, reservation = lived_in
    fresh()
    login(client, email)
    codes = _codes()
    pages = ["/", "/search?q=stol", f"/items/{chairs.id}", "/reservations", f"/reservations/{reservation.id}",
             "/items/ours", "/admin/audit", "/report", "/how-we-calculate", f"/items/{chairs.id}/edit"]
    shown = 0
    for path in pages:
        response = client.get(path)
        if response.status_code != 200:
            continue
        shown += 1
        found = raw_codes(visible_text(response.get_data(as_text=True)), codes)
        assert not found, f"{email} sees machine codes on {path}: {sorted(found)}"
    assert shown >= 6


def test_the_audit_log_names_what_its_ids_stand_for(client, lived_in):
    region, chairs, reservation = lived_in
    fresh()
    login(client, "admin@a.example")
    page = client.get("/admin/audit").get_data(as_text=True)
    text = " ".join(visible_text(page).split())
    assert "Eget klimatall lagt inn" in text and "Enhet fikk nytt navn" in text and "Reservasjon godkjent" in text
    assert "Enhet: Sentrallageret" in text and "Gammelt navn: A depot" in text
    assert f'href="/reservations/{reservation.id}"' in page and f'href="/items/{chairs.id}"' in page
    assert '<option value="factor_override_added">Eget klimatall lagt inn</option>' in page
