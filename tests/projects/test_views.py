"""Building projects over HTTP: starting one, adding a need in a room, its page with own inventory before the
network, moving chairs into the room and reserving for the project, buying the rest new with a reason, the
progress and its CSV; another municipality sees none of it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.db import db
from marketplace.impact import report
from marketplace.impact.models import ReuseEvent
from marketplace.inventory import services as inventory
from marketplace.projects import services
from marketplace.projects.models import Placement, Project, ProjectNeed
from marketplace.reservations.models import WouldBuyNew
from marketplace.wanted.models import NeedOutcome
from tests.conftest import counting_queries, fresh, login
from tests.factories import item_input, make_item
from tests.projects.test_services import DUE, LONG_AGO, NOW, add


@pytest.fixture
def library(region, catalogue):
    region.old_chairs = inventory.register(region.caretaker_a, item_input(
        title="Kontorstoler, gamle skolen", quantity=Decimal(12), building="Gamle skolen", floor="1", room="101"),
        now=LONG_AGO)
    region.network_chairs = make_item(region.caretaker_b, title="Kontorstoler fra B", quantity=Decimal(6),
                                      now=LONG_AGO)
    region.project = services.start_project(region.admin_a, services.ProjectInput(
        name="Nytt bibliotek, Dulten", due=DUE, building="Dulten bibliotek"), now=NOW)
    region.need = add(region, 20)
    db.session.commit()
    return region


def test_an_admin_starts_a_project_and_adds_a_need(client, region, catalogue):
    login(client, "admin@a.example")
    assert "Start et prosjekt" in client.get("/projects").get_data(as_text=True)
    refused = client.post("/projects/new", data={"name": "", "due": "2020-01-01"})
    assert refused.status_code == 400 and "Gi prosjektet et navn." in refused.get_data(as_text=True)
    started = client.post("/projects/new", data={"name": "Nytt bibliotek", "due": str(NOW.date() + timedelta(days=30)),
                                                 "building": "Biblioteket"})
    assert started.status_code == 303
    fresh()
    project = db.session.scalar(select(Project))
    assert (project.name, project.building, project.municipality_id) == ("Nytt bibliotek", "Biblioteket", region.a.id)
    path = f"/projects/{project.id}"
    assert client.post(f"{path}/needs/new", data={"room": "Lesesal", "category": "nope", "quantity": "4"}) \
        .status_code == 400
    added = client.post(f"{path}/needs/new", data={"room": "Lesesal", "category": "office_chair", "quantity": "4"})
    assert added.status_code == 303
    fresh()
    project_need = db.session.scalar(select(ProjectNeed))
    assert (project_need.room, project_need.need.quantity, project_need.need.title) == (
        "Lesesal", Decimal(4), "Kontorstol til Lesesal")
    page = client.get(path).get_data(as_text=True)
    assert "Lesesal" in page and "Kontorstol til Lesesal" in page and "Dekket med ombruk" in page


def test_the_need_page_offers_own_inventory_first_and_covers_it(client, library):
    login(client, "caretaker@a.example")
    path = f"/projects/{library.project.id}/needs/{library.need.need_id}"
    page = client.get(path).get_data(as_text=True)
    assert page.index("1. Eget inventar") < page.index("Kontorstoler, gamle skolen") < page.index("2. Nettverket") \
        < page.index("Kontorstoler fra B")
    assert client.post(f"{path}/place", data={"item_id": library.old_chairs.id, "quantity": "abc",
                                             "would_buy_new": "yes"}).status_code == 303
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Placement)) == 0
    moved = client.post(f"{path}/place", data={"item_id": library.old_chairs.id, "quantity": "10",
                                              "would_buy_new": "yes"}, follow_redirects=True)
    assert "Flyttet til Lesesal." in moved.get_data(as_text=True)
    reserved = client.post(f"{path}/reserve", data={"item_id": library.network_chairs.id, "quantity": "6",
                                                   "would_buy_new": "yes"}, follow_redirects=True)
    text = reserved.get_data(as_text=True)
    assert "Reservert til prosjektet" in text and "flyttet fra Gamle skolen, 1, 101" in text
    too_much = client.post(f"{path}/place", data={"item_id": library.old_chairs.id, "quantity": "5",
                                                 "would_buy_new": "yes"}, follow_redirects=True)
    assert "Det er mer enn behovet fortsatt mangler (4)." in too_much.get_data(as_text=True)
    client.post(f"{path}/place", data={"item_id": library.old_chairs.id, "quantity": "2", "would_buy_new": "yes"})
    fresh()
    assert db.session.scalar(select(func.sum(Placement.quantity))) == 12  # the rest of the row: 2 ≤ 4 lacking
    no_reason = client.post(f"{path}/buy-new", data={"reason_text": ""})
    assert no_reason.status_code == 400 and "Si hvorfor resten må kjøpes nytt." in no_reason.get_data(as_text=True)
    assert client.post(f"{path}/buy-new", data={"reason": "deadline"}).status_code == 303
    fresh()
    need = db.session.get(ProjectNeed, library.need.need_id).need
    assert need.outcome == NeedOutcome.PARTLY_REUSED and need.reused_quantity == Decimal(18)
    overview = client.get(f"/projects/{library.project.id}").get_data(as_text=True)
    assert "90 %" in overview and "18 stk. av 20 stk." in overview
    csv = client.get(f"/projects/{library.project.id}/export.csv")
    assert csv.mimetype == "text/csv"
    rows = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[1].split(";")[:9] == ["Lesesal", need.title, "Kontorstol", "piece", "20", "12", "6", "2", "0"]


def test_another_municipality_and_members_are_kept_out(client, library):
    project_id, need_id = library.project.id, library.need.need_id
    login(client, "caretaker@b.example")
    assert client.get("/projects").get_data(as_text=True).count("Nytt bibliotek") == 0
    for path in (f"/projects/{project_id}", f"/projects/{project_id}/needs/{need_id}",
                 f"/projects/{project_id}/export.csv"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/projects/{project_id}/needs/{need_id}/place",
                       data={"item_id": library.old_chairs.id, "quantity": "1", "would_buy_new": "yes"}).status_code == 404
    client.post("/logout")
    login(client, "member@a.example")
    assert client.get(f"/projects/{project_id}").status_code == 200
    assert client.get("/projects/new").status_code == 403
    assert client.get(f"/projects/{project_id}/needs/new").status_code == 403
    assert client.post(f"/projects/{project_id}/needs/{need_id}/place",
                       data={"item_id": library.old_chairs.id, "quantity": "1", "would_buy_new": "yes"}).status_code == 403
    fresh()
    assert db.session.scalar(select(func.count()).select_from(Placement)) == 0


def test_the_municipality_s_climate_report_shows_each_project_and_its_internal_reuse(client, library):
    services.place(library.caretaker_a, library.need, library.old_chairs.id, Decimal(10),
                   would_buy_new=WouldBuyNew.YES, now=NOW)
    db.session.commit()
    login(client, "admin@a.example")
    args = f"scope=municipality:kommune-a&period=custom&from={NOW.year}-01-01&to={NOW.year}-12-31"
    page = client.get(f"/report?{args}").get_data(as_text=True)
    section = page.split('id="building-projects"')[1].split("</section>")[0]
    assert "Nytt bibliotek, Dulten: fra eget inventar" in section and "50 %" in section  # 10 of 20 chairs
    csv = client.get(f"/report/export.csv?{args}").get_data(as_text=True)
    assert "Byggeprosjekter" in csv and "Nytt bibliotek, Dulten: behov (stk.)" in csv
    # The move is internal reuse: in A's totals, given and received by A, by the ledger's one method.
    fresh()
    year = report.build(report.resolve_scope(None, "municipality:kommune-a"), date(NOW.year, 1, 1),
                        date(NOW.year, 12, 31))
    event = db.session.scalar(select(ReuseEvent))
    assert event.giver_municipality_id == event.receiver_organisation_id == library.a.id
    assert year.totals.co2e_net_kg == event.co2e_net_kg > 0
    client.post("/logout")
    login(client, "caretaker@b.example")
    other = client.get(f"/report?scope=municipality:kommune-b&period=custom&from={NOW.year}-01-01"
                       f"&to={NOW.year}-12-31").get_data(as_text=True)
    assert 'id="building-projects"' not in other


def test_the_projects_come_a_page_at_a_time_in_as_many_statements_for_many_as_for_one(client, library, web_app,
                                                                                      monkeypatch):
    login(client, "member@a.example")
    with counting_queries(web_app) as one:
        assert "Nytt bibliotek, Dulten" in client.get("/projects").get_data(as_text=True)
    for number in range(4):
        library.project = services.start_project(library.admin_a, services.ProjectInput(
            name=f"Skole {number}", due=DUE + timedelta(days=number + 1)), now=NOW)
        add(library, number + 1)
    db.session.commit()
    with counting_queries(web_app) as five:
        page = client.get("/projects").get_data(as_text=True)
    assert all(f"Skole {number}" in page for number in range(4)) and page.count("1 behov") == 5
    assert len(five) == len(one)  # the figures of a page's projects are read together (progress_of)
    monkeypatch.setattr(services, "PROJECTS_PER_PAGE", 2)
    pages = [client.get(f"/projects?page={number}").get_data(as_text=True) for number in (1, 2, 3, 4)]
    # Due soonest first: the library (60 days), then the schools in the order they are due.
    assert ["Nytt bibliotek, Dulten" in pages[0], "Skole 0" in pages[0], "Skole 1" in pages[1],
            "Skole 3" in pages[2]] == [True] * 4
    assert 'rel="next"' in pages[0] and 'rel="prev"' in pages[2] and 'rel="next"' not in pages[2]
    assert 'id="beyond-last"' in pages[3] and 'href="/projects?page=3"' in pages[3]
