"""Unit administration: create, rename, archive and merge, for a municipality's admins only."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.admin import services as admin
from marketplace.accounts import invitations
from marketplace.accounts.models import Membership
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Item
from marketplace.organisations import services
from marketplace.organisations.models import Unit
from marketplace.reservations import handover
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import fresh, login
from tests.factories import find_user, make_item

UNITS_A = "/admin/organisations/kommune-a/units"
T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)


def unit_named(name):
    return db.session.scalar(select(Unit).where(Unit.name == name))


# --- Services -----------------------------------------------------------------------------------------------

def test_create_rename_archive(region):
    unit = admin.add_unit(region.admin_a, region.a, "  A   bibliotek ", "library")
    assert unit.name == "A bibliotek" and unit.municipality == region.a
    with pytest.raises(services.OrganisationError):
        admin.add_unit(region.admin_a, region.a, "a BIBLIOTEK", "library")  # unique, whatever the case
    with pytest.raises(services.OrganisationError):
        admin.update_unit(region.admin_a, region.a, unit.id, "A skole", "school")
    with pytest.raises(services.OrganisationError):
        admin.add_unit(region.admin_a, region.a, "X", "castle")
    admin.add_unit(region.admin_a, region.a, "B skole", "school")  # a name B uses: fine in A
    admin.update_unit(region.admin_a, region.a, unit.id, "A hovedbibliotek", "library")
    admin.set_unit_archived(region.admin_a, region.a, unit.id, True)
    assert unit.name == "A hovedbibliotek" and unit.archived_at is not None
    admin.set_unit_archived(region.admin_a, region.a, unit.id, False)
    assert unit.archived_at is None
    assert [e for e in db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))] == [
        "unit_created", "unit_created", "unit_renamed", "unit_archived", "unit_unarchived"]


def test_only_the_municipalitys_admin(region):
    for actor in (region.member_a, region.caretaker_a, region.network_admin):
        with pytest.raises(Forbidden):
            admin.add_unit(actor, region.a, "X", "other")
    with pytest.raises(NotVisible):  # B's unit through A
        admin.update_unit(region.admin_a, region.a, region.school_b.id, "X", "school")
    with pytest.raises(Forbidden):
        admin.unit_summaries(region.admin_a, region.b)
    with pytest.raises(NotVisible):
        admin.municipality_for_unit_admin(region.admin_a, "kommune-b")
    with pytest.raises(NotVisible):
        admin.municipality_for_unit_admin(region.network_admin, "hjelpen")  # a partner has no units
    with pytest.raises(Forbidden):
        admin.municipality_for_unit_admin(region.member_a, "kommune-a")


def test_summaries_count_items_and_users(region, catalogue):
    make_item(region.caretaker_a, unit=region.school_a)
    make_item(region.caretaker_a, unit=region.school_a)
    counts = {s.unit.name: (s.items, s.users) for s in admin.unit_summaries(region.admin_a, region.a)}
    assert counts == {"A skole": (2, 1), "A depot": (0, 3)}


def test_merge_moves_everything_but_the_ledger(region, catalogue):
    chairs = make_item(region.caretaker_a, unit=region.school_a, quantity=Decimal(10), now=T0)
    given = reservations.reserve(region.member_a, chairs.id, Decimal(2), would_buy_new=WouldBuyNew.YES,
                                 now=T0 + timedelta(hours=1))
    reservations.approve(region.caretaker_a, given, now=T0 + timedelta(hours=2))
    event = handover.collect(region.caretaker_a, given, now=T0 + timedelta(hours=3))
    open_one = reservations.reserve(region.member_a, chairs.id, Decimal(1), would_buy_new=WouldBuyNew.NO,
                                    now=T0 + timedelta(hours=4))
    invitation, _token = invitations.invite(region.admin_a, region.a, email="ny@a.example", name="Ny",
                                            role="member", unit_id=region.school_a.id)
    db.session.commit()
    school, depot = region.school_a.id, region.depot_a.id
    assert event.giver_unit_id == school and event.receiver_unit_id == school

    moved = admin.merge_units(region.admin_a, region.a, school, depot)
    db.session.commit()
    fresh()
    assert moved == {"items": 1, "memberships": 1, "reservations": 2, "invitations": 1}
    assert db.session.get(Item, chairs.id).unit_id == depot
    assert find_user("member@a.example").unit.id == depot
    assert db.session.get(type(open_one), open_one.id).requester_unit_id == depot
    assert db.session.get(type(invitation), invitation.id).unit_id == depot
    ledger = db.session.get(ReuseEvent, event.id)
    assert ledger.giver_unit_id == school and ledger.receiver_unit_id == school  # history stays
    assert db.session.get(Unit, school).archived_at is not None
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.unit_id == school)) == 0
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "units_merged")).one()
    assert audit.details["into_unit_id"] == depot and audit.details["items"] == 1


def test_merge_refuses_itself_an_archived_target_and_another_municipality(region):
    with pytest.raises(services.OrganisationError):
        admin.merge_units(region.admin_a, region.a, region.school_a.id, region.school_a.id)
    admin.set_unit_archived(region.admin_a, region.a, region.depot_a.id, True)
    with pytest.raises(services.OrganisationError):
        admin.merge_units(region.admin_a, region.a, region.school_a.id, region.depot_a.id)
    with pytest.raises(NotVisible):
        admin.merge_units(region.admin_a, region.a, region.school_a.id, region.school_b.id)
    assert region.school_a.archived_at is None


# --- Pages --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("email, status", [
    ("admin@a.example", 200), ("root@site.example", 200),
    ("member@a.example", 403), ("caretaker@a.example", 403),
    ("member@b.example", 404), ("coordinator@vest.example", 404), ("helper@hjelpen.example", 404),
])
def test_who_sees_the_unit_pages(client, region, email, status):
    login(client, email)
    assert client.get(UNITS_A).status_code == status
    assert client.get(f"{UNITS_A}/{region.school_a.id}").status_code == status


def test_create_rename_archive_merge_by_page(client, region):
    login(client, "admin@a.example")
    assert client.get("/admin/units").headers["Location"].endswith(UNITS_A)
    html = client.get(UNITS_A).get_data(as_text=True)
    assert "A skole" in html and "B skole" not in html
    assert client.post(UNITS_A, data={"name": "A bibliotek", "kind": "library"}).status_code == 303
    fresh()
    library = unit_named("A bibliotek")
    assert library.municipality_id == region.a.id
    assert client.post(f"{UNITS_A}/{library.id}", data={"name": "A folkebibliotek", "kind": "library"}
                       ).status_code == 303
    assert client.post(f"{UNITS_A}/{library.id}/archive", data={"archived": "1"}).status_code == 303
    assert client.post(f"{UNITS_A}/{region.school_a.id}/merge", data={"into": str(region.depot_a.id)}
                       ).status_code == 303
    fresh()
    assert db.session.get(Unit, library.id).name == "A folkebibliotek"
    assert db.session.get(Unit, library.id).archived_at is not None
    assert db.session.get(Unit, region.school_a.id).archived_at is not None
    assert find_user("member@a.example").unit.id == region.depot_a.id


def test_bad_unit_input_is_a_400_and_changes_nothing(client, region):
    login(client, "admin@a.example")
    for data in ({"name": "A skole", "kind": "school"}, {"name": "a depot", "kind": "depot"},
                 {"name": "", "kind": "school"}, {"name": "X", "kind": "castle"}, {"name": "x" * 201, "kind": "other"}):
        response = client.post(UNITS_A, data=data)
        assert response.status_code == 400, data
    assert 'aria-invalid="true"' in client.post(UNITS_A, data={"name": "A skole", "kind": "school"}).get_data(
        as_text=True)
    assert client.post(f"{UNITS_A}/{region.depot_a.id}", data={"name": "A skole", "kind": "depot"}).status_code == 400
    assert client.post(f"{UNITS_A}/{region.depot_a.id}/merge", data={"into": str(region.depot_a.id)}
                       ).status_code == 400
    assert client.post(f"{UNITS_A}/{region.depot_a.id}/merge", data={"into": str(region.school_b.id)}
                       ).status_code == 400
    assert client.post(f"{UNITS_A}/{region.depot_a.id}/archive", data={"archived": "x"}).status_code == 400
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 4
    assert db.session.get(Unit, region.depot_a.id).name == "A depot"
    assert db.session.get(Unit, region.depot_a.id).archived_at is None


def test_another_municipalitys_unit_by_id_is_404(client, region):
    login(client, "admin@a.example")
    assert client.get(f"{UNITS_A}/{region.school_b.id}").status_code == 404
    assert client.post(f"{UNITS_A}/{region.school_b.id}", data={"name": "Mine", "kind": "school"}).status_code == 404
    assert client.post(f"{UNITS_A}/{region.school_b.id}/archive", data={"archived": "1"}).status_code == 404
    assert client.post(f"{UNITS_A}/{region.school_b.id}/merge",
                       data={"into": str(region.depot_a.id)}).status_code == 404
    assert client.get("/admin/organisations/kommune-b/units").status_code == 404
    fresh()
    assert db.session.get(Unit, region.school_b.id).name == "B skole"
    assert db.session.get(Unit, region.school_b.id).archived_at is None


def test_archived_units_are_not_offered_for_new_listings_or_invitations(client, region, catalogue):
    admin.set_unit_archived(region.admin_a, region.a, region.school_a.id, True)
    db.session.commit()
    login(client, "admin@a.example")
    for page in ("/items/new", "/admin/organisations/kommune-a/users/invite"):
        html = client.get(page).get_data(as_text=True)
        assert f'<option value="{region.depot_a.id}">A depot</option>' in html
        assert ">A skole</option>" not in html


# --- Address, opening hours and contact (issue 18, item 10) ----------------------------------------------------

def test_update_unit_details_audited_with_the_old_values(region):
    details = admin.UnitDetails(address=" Skolevegen 12,\n 9990  A ", opening_hours="Man–fre 8–15",
                                contact="Vaktmester, 900 00 000")
    unit = admin.update_unit(region.admin_a, region.a, region.school_a.id, "A skole", "school", details)
    assert (unit.address, unit.opening_hours, unit.contact) == (
        "Skolevegen 12, 9990 A", "Man–fre 8–15", "Vaktmester, 900 00 000")
    admin.update_unit(region.admin_a, region.a, unit.id, "A skole", "school",
                      admin.UnitDetails(address="Skolevegen 14, 9990 A", opening_hours="Man–fre 8–15"))
    assert unit.contact is None and unit.address == "Skolevegen 14, 9990 A"
    admin.update_unit(region.admin_a, region.a, unit.id, "A skole", "school",  # nothing changed: no event
                      admin.UnitDetails(address="Skolevegen 14, 9990 A", opening_hours="Man–fre 8–15"))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unit_details_changed")
                                .order_by(AuditEvent.id)).all()
    assert len(events) == 2
    assert events[0].details["previous"] == {"unit_address": None, "opening_hours": None, "contact": None}
    assert events[1].details["unit_address"] == "Skolevegen 14, 9990 A"
    assert events[1].details["previous"] == {"unit_address": "Skolevegen 12, 9990 A",
                                             "contact": "Vaktmester, 900 00 000"}
    assert events[1].address is None  # the client's address, not the unit's


def test_update_unit_details_checks_everything_first(region):
    with pytest.raises(services.OrganisationError):
        admin.update_unit(region.admin_a, region.a, region.school_a.id, "A skole nord", "school",
                          admin.UnitDetails(opening_hours="x" * 301))
    assert region.school_a.name == "A skole" and region.school_a.opening_hours is None
    for actor in (region.caretaker_a, region.member_a):
        with pytest.raises(Forbidden):
            admin.update_unit(actor, region.a, region.school_a.id, "A skole", "school",
                              admin.UnitDetails(address="X"))
    with pytest.raises(NotVisible):
        admin.update_unit(region.admin_a, region.a, region.school_b.id, "B skole", "school",
                          admin.UnitDetails(address="X"))
    assert region.school_b.address is None


def test_unit_address_edited_on_the_page_and_shown_on_its_listings(client, region, catalogue):
    chairs = make_item(region.caretaker_a, unit=region.school_a)
    db.session.commit()
    login(client, "admin@a.example")
    page = client.get(f"{UNITS_A}/{region.school_a.id}").get_data(as_text=True)
    assert 'name="address"' in page and 'name="opening_hours"' in page and 'name="contact"' in page
    response = client.post(f"{UNITS_A}/{region.school_a.id}", data={
        "name": "A skole", "kind": "school", "address": "Skolevegen 12, 9990 A",
        "opening_hours": "Man–fre 8–15", "contact": "Resepsjonen"})
    assert response.status_code == 303
    fresh()
    unit = db.session.get(Unit, region.school_a.id)
    assert (unit.address, unit.opening_hours, unit.contact) == ("Skolevegen 12, 9990 A", "Man–fre 8–15",
                                                                "Resepsjonen")
    page = client.get(f"{UNITS_A}/{unit.id}").get_data(as_text=True)
    assert 'value="Skolevegen 12, 9990 A"' in page
    item_page = client.get(f"/items/{chairs.id}").get_data(as_text=True)
    assert "Skolevegen 12, 9990 A" in item_page and "Man–fre 8–15" in item_page and "Resepsjonen" in item_page
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "Enhetens adresse, åpningstider eller kontakt endret</th>" in log
    assert "Enhetens adresse" in log and "Åpningstider" in log and ">opening_hours" not in log


def test_a_new_unit_can_have_an_address(client, region):
    login(client, "admin@a.example")
    assert client.post(UNITS_A, data={"name": "A bibliotek", "kind": "library", "address": "Torget 1, 9990 A",
                                      "opening_hours": "Tir–tor 10–16"}).status_code == 303
    fresh()
    library = unit_named("A bibliotek")
    assert (library.address, library.opening_hours, library.contact) == ("Torget 1, 9990 A", "Tir–tor 10–16", None)


@pytest.mark.parametrize("field", ["address", "opening_hours", "contact"])
def test_too_long_unit_details_are_a_form_message(client, region, field):
    login(client, "admin@a.example")
    response = client.post(f"{UNITS_A}/{region.school_a.id}",
                           data={"name": "A skole nord", "kind": "school", field: "x" * 301})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and 'class="error-summary"' in html
    fresh()
    unit = db.session.get(Unit, region.school_a.id)
    assert unit.name == "A skole" and getattr(unit, field) is None


@pytest.mark.parametrize("email, status", [("admin@a.example", 404), ("caretaker@b.example", 403),
                                           ("member@b.example", 403)])
def test_no_editing_another_municipalitys_unit(client, region, email, status):
    """A's admin cannot reach B's unit (through A's address or B's: 404); B's own non-admins get 403."""
    login(client, email)
    for slug in ("kommune-a", "kommune-b"):
        response = client.post(f"/admin/organisations/{slug}/units/{region.school_b.id}",
                               data={"name": "B skole", "kind": "school", "address": "Kapret 1"})
        assert response.status_code == (404 if slug == "kommune-a" or email == "admin@a.example" else status)
    fresh()
    assert db.session.get(Unit, region.school_b.id).address is None
