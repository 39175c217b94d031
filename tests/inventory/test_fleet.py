"""The ICT fleet (issue #21): the municipality's ICT inventory with age, user group, repairs and supplier data,
as a page, a CSV and through the services; the repair history with its audit; "do we have enough used
equipment?" for a hand-built case; and that nothing of it reaches another municipality."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.i18n import oslo_date
from marketplace.inventory import fleet
from marketplace.inventory import services as inventory
from marketplace.inventory.models import ItemRepair
from marketplace.listings import erasure
from marketplace.listings.models import Category, ItemStatus, UserGroup
from tests.conftest import fresh, login
from tests.factories import item_input, make_item

PDF = b"%PDF-1.4\n% certificate\n%%EOF\n"
TODAY = date(2026, 12, 6)


def build_fleet(region) -> SimpleNamespace:
    """A's fleet of laptops: 1 + 20 for pupils in use, 5 for staff in use, 3 for repair, 2 for recycling, a
    tablet lot, and 4 offered on the market; B offers 6 erased laptops to the network (and 7 not erased, which
    stay home) and has 50 in use; C, in another network, offers 9. Committed."""
    region.b.network_share_days = region.c.network_share_days = 0
    a, b, c = region.caretaker_a, region.caretaker_b, make_caretaker_c(region)

    def in_inventory(actor, slug="laptop", status=ItemStatus.IN_USE, group=None, bought=None, **fields):
        item = inventory.register(actor, item_input(slug, **fields), status=status)
        item.user_group, item.purchased_on = group, bought
        return item

    fleet_ = SimpleNamespace(region=region)
    fleet_.tagged = in_inventory(a, title="Elev-PC", quantity=Decimal(1), asset_tag="A-001", serial_number="SN-1",
                                 brand="Lenovo", model="300e", group=UserGroup.PUPILS, bought=date(2023, 8, 15),
                                 building="A skole", floor="2", room="204", kgco2e_new=Decimal("250"),
                                 figures_source="Lenovo PCF 2023")
    fleet_.pupils = in_inventory(a, title="Elev-PC-er 5. trinn", quantity=Decimal(20), asset_tag="A-100",
                                 group=UserGroup.PUPILS, bought=date(2022, 1, 10))
    fleet_.staff = in_inventory(a, title="Lærer-PC-er", quantity=Decimal(5), asset_tag="A-200",
                                group=UserGroup.STAFF)
    fleet_.repair = in_inventory(a, title="PC-er med knekt skjerm", quantity=Decimal(3), asset_tag="A-300",
                                 status=ItemStatus.FOR_REPAIR, group=UserGroup.PUPILS)
    fleet_.recycling = in_inventory(a, title="Gamle PC-er", quantity=Decimal(2), asset_tag="A-400",
                                    status=ItemStatus.FOR_RECYCLING)
    fleet_.tablets = in_inventory(a, "tablet", title="Nettbrett", quantity=Decimal(10), asset_tag="A-500",
                                  group=UserGroup.SHARED)
    fleet_.chairs = in_inventory(a, "office_chair", title="Kontorstoler", quantity=Decimal(10))  # not ICT
    fleet_.surplus = make_item(a, "laptop", title="Brukte PC-er til overs", quantity=Decimal(4))
    erasure.record_erasure(a, fleet_.surplus, PDF)
    fleet_.offered_b = make_item(b, "laptop", title="PC-er fra B", quantity=Decimal(6))
    erasure.record_erasure(b, fleet_.offered_b, PDF)
    fleet_.unerased_b = make_item(b, "laptop", title="PC-er fra B, ikke slettet", quantity=Decimal(7))
    fleet_.in_use_b = in_inventory(b, title="B sine elev-PC-er", quantity=Decimal(50), asset_tag="B-001",
                                   group=UserGroup.PUPILS)
    fleet_.offered_c = make_item(c, "laptop", title="PC-er fra C", quantity=Decimal(9))
    erasure.record_erasure(c, fleet_.offered_c, PDF)
    erasure.record_erasure(a, fleet_.tagged, PDF)
    db.session.commit()
    return fleet_


def make_caretaker_c(region):
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    return make_user("caretaker@c.example", Role.CARETAKER, region.c, region.school_c)


def laptop() -> Category:
    return db.session.scalar(select(Category).where(Category.slug == "laptop"))


@pytest.fixture
def setup(region, catalogue):
    return build_fleet(region)


def _actions(item_id: int) -> list[tuple[str, dict]]:
    fresh()
    return [(event.action, event.details) for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if (event.details or {}).get("item_id") == item_id]


# --- Age ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("bought", "today", "age"), [
    (date(2024, 6, 15), date(2026, 6, 14), Decimal("1.9")),  # a day short of two years: 23 whole months
    (date(2024, 6, 15), date(2026, 6, 15), Decimal("2.0")),
    (date(2026, 12, 6), date(2026, 12, 6), Decimal("0.0")),
    (date(2020, 1, 31), date(2026, 12, 6), Decimal("6.8")),  # 82 whole months
    (date(2027, 1, 1), date(2026, 12, 6), Decimal("0.0")),  # never negative
    (None, date(2026, 12, 6), None),
])
def test_the_age_is_whole_months_in_years_rounded_down(bought, today, age):
    assert fleet.age_years(bought, today) == age


# --- The fleet ------------------------------------------------------------------------------------------

def test_the_fleet_is_the_own_ict_inventory_with_age_repairs_and_filters(setup):
    a = setup.region
    fleet.record_repair(a.caretaker_a, setup.tagged.id, repaired_on=date(2026, 3, 1), description="Nytt batteri")
    fleet.record_repair(a.caretaker_a, setup.tagged.id, repaired_on=date(2026, 9, 1), description="Nytt tastatur")
    found = fleet.fleet(a.member_a, today=TODAY)
    rows = {row.item.asset_tag: row for row in found.rows}
    assert list(rows) == ["A-001", "A-100", "A-200", "A-300", "A-400", "A-500"]  # by asset tag; no chairs, no market
    assert found.total == 6 and (rows["A-001"].age, rows["A-001"].repairs) == (Decimal("3.2"), 2)
    assert (rows["A-100"].age, rows["A-100"].repairs, rows["A-200"].age) == (Decimal("4.8"), 0, None)
    by = lambda **filters: [row.item.asset_tag for row in fleet.fleet(a.member_a, fleet.FleetFilters(**filters)).rows]
    assert by(user_group=UserGroup.STAFF) == ["A-200"]
    assert by(status=ItemStatus.FOR_REPAIR) == ["A-300"]
    assert by(category=db.session.scalar(select(Category).where(Category.slug == "tablet"))) == ["A-500"]
    assert by(status=ItemStatus.PUBLISHED) == by()  # not an inventory status: no filter
    assert [row.item.asset_tag for row in fleet.fleet(a.member_a, per_page=2, page=3).rows] == ["A-400", "A-500"]


def test_another_municipality_sees_none_of_the_fleet(setup):
    a = setup.region
    assert [row.item.asset_tag for row in fleet.fleet(a.caretaker_b).rows] == ["B-001"]
    assert [row.item.asset_tag for row in fleet.fleet_rows(a.member_b)] == ["B-001"]
    assert fleet.fleet(a.member_c).total == 0
    for outsider in (a.partner_user, a.network_admin):
        with pytest.raises(Forbidden):
            fleet.fleet(outsider)
        with pytest.raises(Forbidden):
            fleet.fleet_rows(outsider)  # at once, before a row is read


def test_the_csv_has_the_pages_columns_for_excel_in_norway(setup, monkeypatch):
    monkeypatch.setattr(fleet, "CSV_CHUNK", 2)  # read in chunks: every row once, in id order
    rows = fleet.fleet_rows(setup.region.member_a, today=TODAY)
    lines = list(fleet.csv_lines(rows, locale="nb", group_labels={group: group.value for group in UserGroup},
                                 status_labels={status: status.value for status in ItemStatus}))
    table = list(csv.reader(io.StringIO("".join(lines)), delimiter=";"))
    assert len(table) == 7 and table[0][0] == "Inventarnummer"  # the interface language, bokmål by default
    first = dict(zip(table[0], table[1]))
    assert (first["Inventarnummer"], first["Serienummer"], first["Alder (år)"], first["Brukergruppe"]) == (
        "A-001", "SN-1", "3,2", "pupils")
    assert (first["Eget fotavtrykk (kg CO2e)"], first["Kilde for tallene"], first["Slettesertifikat"]) == (
        "250", "Lenovo PCF 2023", "ja")
    assert [row[0] for row in table[1:]] == ["A-001", "A-100", "A-200", "A-300", "A-400", "A-500"]


# --- Purchase date and user group -----------------------------------------------------------------------

def test_purchase_date_and_user_group_are_set_by_the_keepers_and_audited(setup):
    a, item = setup.region, setup.staff
    fleet.set_details(a.caretaker_a, item, purchased_on=date(2025, 8, 1), user_group=UserGroup.SHARED)
    assert (item.purchased_on, item.user_group) == (date(2025, 8, 1), UserGroup.SHARED)
    fleet.set_details(a.caretaker_a, item, user_group=None)  # the date, not given, stays
    assert (item.purchased_on, item.user_group) == (date(2025, 8, 1), None)
    with pytest.raises(fleet.FleetError) as refused:
        fleet.set_details(a.caretaker_a, item, purchased_on=oslo_date(utcnow()) + timedelta(days=1))
    assert set(refused.value.errors) == {"purchased_on"} and item.purchased_on == date(2025, 8, 1)
    for outsider in (a.member_a, a.caretaker_b):
        with pytest.raises(Forbidden):
            fleet.set_details(outsider, item, purchased_on=date(2020, 1, 1))
    db.session.commit()
    changes = [details for action, details in _actions(item.id) if action == "fleet_details_changed"]
    assert [(change.get("purchased_on"), change.get("user_group")) for change in changes] == [
        ("2025-08-01", "shared"), (None, None)]


# --- Repairs --------------------------------------------------------------------------------------------

def test_a_repair_is_recorded_audited_and_shown_at_home_only(setup):
    a = setup.region
    repair = fleet.record_repair(a.caretaker_a, setup.tagged.id, repaired_on=date(2026, 11, 2),
                                 description="  Skjerm byttet ", cost_nok="1 450,50")
    db.session.commit()
    assert (repair.description, repair.cost_nok, repair.recorded_by_id) == ("Skjerm byttet", Decimal("1450.50"),
                                                                             a.caretaker_a.id)
    assert ("item_repair_recorded", {"item_id": setup.tagged.id, "repair_id": repair.id,
                                     "repaired_on": "2026-11-02", "cost_nok": "1450.50"}) in [
        (action, {key: value for key, value in details.items() if key != "municipality_id"})
        for action, details in _actions(setup.tagged.id)]
    assert [each.id for each in fleet.repairs_of(a.member_a, setup.tagged)] == [repair.id]
    for outsider in (a.member_b, a.caretaker_b, a.member_c, a.partner_user, a.network_admin):
        assert fleet.repairs_of(outsider, setup.tagged) is None


@pytest.mark.parametrize(("values", "field"), [
    ({"description": ""}, "description"),
    ({"description": "x" * 501}, "description"),
    ({"repaired_on": None}, "repaired_on"),
    ({"repaired_on": date(2099, 1, 1)}, "repaired_on"),
    ({"cost_nok": "-5"}, "cost_nok"),
    ({"cost_nok": "12,345"}, "cost_nok"),
    ({"cost_nok": "mange"}, "cost_nok"),
    ({"cost_nok": "NaN"}, "cost_nok"),
])
def test_a_bad_repair_names_the_field_and_records_nothing(setup, values, field):
    given = {"repaired_on": date(2026, 11, 2), "description": "Nytt batteri", "cost_nok": None} | values
    with pytest.raises(fleet.FleetError) as refused:
        fleet.record_repair(setup.region.caretaker_a, setup.tagged.id, **given)
    assert field in refused.value.errors
    assert db.session.scalar(select(ItemRepair.id)) is None


def test_repairs_are_for_the_own_inventory_kept_by_caretakers(setup):
    a = setup.region
    given = {"repaired_on": date(2026, 11, 2), "description": "Nytt batteri"}
    with pytest.raises(Forbidden):
        fleet.record_repair(a.member_a, setup.tagged.id, **given)
    with pytest.raises(NotVisible):
        fleet.record_repair(a.caretaker_b, setup.tagged.id, **given)
    with pytest.raises(Conflict):
        fleet.record_repair(a.caretaker_a, setup.surplus.id, **given)  # on the market: not in the inventory


# --- Do we have enough? ---------------------------------------------------------------------------------

def test_enough_counts_own_surplus_repairs_and_the_network_and_names_what_is_in_use(setup):
    a = setup.region
    answer = fleet.enough(a.member_a, laptop(), Decimal(30), UserGroup.PUPILS)
    # 4 own surplus + 3 for repair + 6 from B (not B's unerased 7, not C's 9 in another network) = 13.
    assert (answer.own_surplus, answer.for_repair, answer.network) == (4, 3, 6)
    assert (answer.available, answer.missing, answer.enough) == (13, 17, False)
    assert answer.in_use_elsewhere == 5  # the staff's; the pupils' 21 are the ones in use for this very group
    anyone = fleet.enough(a.member_a, laptop(), Decimal(13))
    assert (anyone.enough, anyone.missing, anyone.in_use_elsewhere) == (True, 0, 26)
    # B asks the same: its own 13 on the market (its own unerased too), and A's surplus not yet (A shares
    # with the network after 3 days); its 50 in use are the pupils' own.
    b = fleet.enough(a.member_b, laptop(), Decimal(30), UserGroup.PUPILS)
    assert (b.own_surplus, b.for_repair, b.in_use_elsewhere, b.network) == (13, 0, 0, 0)


def test_enough_refuses_what_is_not_an_ict_need(setup):
    a = setup.region
    chair = db.session.scalar(select(Category).where(Category.slug == "office_chair"))
    for category, quantity, field in [(chair, Decimal(3), "category"), (None, Decimal(3), "category"),
                                      (laptop(), Decimal("2.5"), "quantity"), (laptop(), Decimal(0), "quantity"),
                                      (laptop(), None, "quantity")]:
        with pytest.raises(fleet.FleetError) as refused:
            fleet.enough(a.member_a, category, quantity)
        assert set(refused.value.errors) == {field}
    with pytest.raises(Forbidden):
        fleet.enough(a.partner_user, laptop(), Decimal(3))


# --- The pages ------------------------------------------------------------------------------------------

def test_the_fleet_page_shows_the_table_in_bokmal_with_filters(client, setup):
    login(client, "member@a.example")
    page = client.get("/inventory/ict").get_data(as_text=True)
    assert "IKT-flåten" in page and "6 enheter funnet" in page
    age = str(fleet.age_years(date(2023, 8, 15), oslo_date(utcnow()))).replace(".", ",")
    for text in ("A-001", "Lenovo 300e", "SN-1", age, "Elever", "Ansatte", "Felles", "Til reparasjon",
                 "A skole · etasje 2 · rom 204", "Har vi nok brukt utstyr?"):
        assert text in page, text
    assert "Kontorstoler" not in page and "Brukte PC-er til overs" not in page and "B-001" not in page
    staff = client.get("/inventory/ict?user_group=staff").get_data(as_text=True)
    assert "1 enhet funnet" in staff and "A-200" in staff and "A-001" not in staff
    assert "A-300" in client.get("/inventory/ict?status=for_repair&user_group=nobody").get_data(as_text=True)
    assert 'href="/inventory/ict"' in client.get("/inventory").get_data(as_text=True)


def test_the_csv_download_is_the_own_fleet_only(client, setup):
    login(client, "member@a.example")
    response = client.get("/inventory/ict.csv?category=laptop")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffInventarnummer;") and "A-001" in text and "A-500" not in text
    assert "Alder (år)" in text and "B-001" not in text
    client.post("/logout")
    login(client, "caretaker@b.example")
    other = client.get("/inventory/ict.csv").get_data(as_text=True)
    assert "B-001" in other and "A-001" not in other
    page = client.get("/inventory/ict").get_data(as_text=True)
    assert "1 enhet funnet" in page and "A-001" not in page
    client.post("/logout")
    login(client, "helper@hjelpen.example")
    assert client.get("/inventory/ict").status_code == 403 and client.get("/inventory/ict.csv").status_code == 403


def test_the_fleet_page_reads_a_bounded_number_of_queries(client, setup, app):
    from tests.conftest import counting_queries

    login(client, "member@a.example")
    address = "/inventory/ict?need-category=laptop&need-quantity=30"
    client.get(address)
    with counting_queries(app) as few:
        assert client.get(address).status_code == 200
    for number in range(12):  # twice as many devices, each with a repair
        item = inventory.register(setup.region.caretaker_a, item_input("laptop", title=f"PC {number}",
                                                                       asset_tag=f"A-9{number:02}"))
        fleet.record_repair(setup.region.caretaker_a, item.id, repaired_on=oslo_date(utcnow()),
                            description="Sjekket")
    db.session.commit()
    with counting_queries(app) as many:
        page = client.get(address).get_data(as_text=True)
    assert "18 enheter funnet" in page and len(many) == len(few), (len(few), len(many))


def test_the_enough_form_answers_in_plain_words_with_a_prefilled_need(client, setup):
    login(client, "member@a.example")
    short = client.get("/inventory/ict?need-category=laptop&need-quantity=30&need-user_group=pupils")
    page = short.get_data(as_text=True)
    assert short.status_code == 200
    assert "Dere mangler 17 – registrer et behov før dere kjøper nytt." in page
    assert "Eget overskudd på markedet" in page and "I bruk hos andre brukergrupper (ikke regnet med)" in page
    link = "/needs/new?category=laptop&amp;quantity=17"
    assert link in page
    need = client.get(link.replace("&amp;", "&") + "&title=17+%C3%97+B%C3%A6rbar").get_data(as_text=True)
    assert 'value="17"' in need and '<option selected value="laptop">' in need
    enough = client.get("/inventory/ict?need-category=laptop&need-quantity=12").get_data(as_text=True)
    assert "Dere har nok brukt utstyr." in enough and "13 tilgjengelig for de 12 dere trenger" in enough
    for query in ("need-category=office_chair&need-quantity=3", "need-category=laptop&need-quantity=abc",
                  "need-category=laptop&need-quantity=2,5"):
        wrong = client.get("/inventory/ict?" + query)
        assert wrong.status_code == 400 and 'class="field__error"' in wrong.get_data(as_text=True), query


def test_repairs_and_device_facts_from_the_item_page(client, setup):
    login(client, "caretaker@a.example")
    page = client.get(f"/items/{setup.staff.id}").get_data(as_text=True)
    assert "Ingen reparasjoner registrert." in page and "Registrer en reparasjon" in page
    response = client.post(f"/inventory/{setup.staff.id}/repairs", data={
        "repaired_on": "2026-11-02", "description": "Nytt batteri", "cost_nok": "890"})
    assert response.status_code == 303 and response.location.endswith("#repairs-heading")
    client.post(f"/inventory/{setup.staff.id}/repairs", data={"repaired_on": "2026-11-02",
                                                               "description": ""})
    client.post(f"/inventory/{setup.staff.id}/device", data={"purchased_on": "2024-08-01",
                                                              "user_group": "shared"})
    page = client.get(f"/items/{setup.staff.id}").get_data(as_text=True)
    assert "Nytt batteri" in page and "890 kr" in page and "registrert av Caretaker" in page
    assert "Skriv hva som ble gjort." in page and "Opplysningene om enheten er lagret." in page
    fresh()
    assert db.session.scalar(select(ItemRepair.id).where(ItemRepair.description == "")) is None
    assert (setup.staff.purchased_on, setup.staff.user_group) == (date(2024, 8, 1), UserGroup.SHARED)
    client.post("/logout")
    login(client, "member@a.example")
    member = client.get(f"/items/{setup.staff.id}").get_data(as_text=True)
    assert "Nytt batteri" in member and "Registrer en reparasjon" not in member


def test_a_device_offered_on_the_market_keeps_its_repairs_at_home(client, setup):
    a = setup.region
    fleet.record_repair(a.caretaker_a, setup.tagged.id, repaired_on=date(2026, 3, 1), description="Nytt batteri")
    inventory.offer_as_surplus(a.caretaker_a, setup.tagged.id, now=utcnow() - timedelta(days=10))
    db.session.commit()
    login(client, "member@b.example")
    page = client.get(f"/items/{setup.tagged.id}")
    assert page.status_code == 200  # shared with the network by now
    assert "Nytt batteri" not in page.get_data(as_text=True) and "repairs-heading" not in page.get_data(as_text=True)
    client.post("/logout")
    login(client, "member@a.example")
    assert "Nytt batteri" in client.get(f"/items/{setup.tagged.id}").get_data(as_text=True)
