"""The main signed-in pages read a fixed number of statements, whatever the number of rows behind them: each page
is counted, the region grows two and a half times (items, reservations both ways, inventory, municipalities in the
network, building projects with needs covered both ways), and the page is counted again. A page that loads a row's
relation one row at a time fails here."""

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.db import db, utcnow
from marketplace.inventory import services as inventory
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Municipality
from marketplace.projects import services as projects
from marketplace.reservations import overview
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from tests.conftest import counting_queries, login
from tests.factories import category, item_input, make_item

# The pages a caretaker opens all day, with the most statements each may read on either engine (a page adding one
# more fails here and should say why in its change). SQLite counts the BEGIN its connections send; PostgreSQL
# counts the planner setting around a text search (decision 22) instead.
PAGES = {
    "/": 9,
    "/items": 9,
    "/items?q=stol&condition=good": 9,
    "/items/{item}": 8,
    "/items/ours": 8,
    "/reservations": 8,
    "/reservations?view=incoming": 8,
    "/report": 37,  # the report, the same for the period before, and three appendices
    "/inventory": 9,
    "/projects": 15,  # with the COUNT of its pager
    "/projects/{project}": 14,
}


def _grow(region, times: int, started: int) -> tuple[int, int]:
    """``times`` more of everything the pages list; returns an item of B's that A's caretaker can see, and A's
    first building project."""
    a_month_ago = utcnow() - timedelta(days=30)
    seen = project = None
    for number in range(started, started + times):
        theirs = make_item(region.caretaker_b, title=f"Stol fra B {number}", now=a_month_ago)
        ours = make_item(region.caretaker_a, title=f"Stol fra A {number}", now=a_month_ago)
        inventory.register(region.caretaker_a, item_input(title=f"Pult i bruk {number}"))
        reservations.reserve(region.caretaker_a, theirs.id, Decimal(1), would_buy_new=WouldBuyNew.YES)
        reservations.reserve(region.member_b, ours.id, Decimal(1), would_buy_new=WouldBuyNew.NO)
        organisations.create_organisation(Municipality, f"kommune-x{number}", f"X{number} kommune",
                                          networks=[region.vest])
        started_project = projects.start_project(region.admin_a, projects.ProjectInput(name=f"Bygg {number}"))
        project = project or started_project
        for _ in range(2):  # a need covered from the own inventory, and one by the network
            need = projects.add_need(region.admin_a, project, projects.NeedInput(
                category=category("office_chair"), quantity=Decimal(3), room=f"Rom {number}"))
            kept = inventory.register(region.caretaker_a, item_input(title=f"Stol på lager {number}"))
            projects.place(region.caretaker_a, need, kept.id, Decimal(1), would_buy_new=WouldBuyNew.YES)
            projects.reserve(region.caretaker_a, need, theirs.id, Decimal(1), would_buy_new=WouldBuyNew.YES)
        seen = seen or theirs
    db.session.commit()
    return seen.id, project.id


@pytest.fixture
def caretaker(client, region, catalogue):
    item, project = _grow(region, 2, 0)
    login(client, "caretaker@a.example")
    return client, region, item, project


def _count(web_app, client, address: str) -> int:
    with counting_queries(web_app) as statements:
        response = client.get(address)
    assert response.status_code == 200, address
    return len(statements)


@pytest.mark.parametrize("page", PAGES)
def test_a_main_page_reads_as_many_statements_for_many_rows_as_for_few(caretaker, web_app, page):
    client, region, item, project = caretaker
    address = page.format(item=item, project=project)
    client.get(address)  # warm up: the first request of an app loads what every later one finds ready
    few = _count(web_app, client, address)
    _grow(region, 3, 2)
    many = _count(web_app, client, address)
    assert many == few <= PAGES[page], (few, many)


def _grow_history(region, chairs_a: int, chairs_b: int, times: int) -> None:
    """``times`` more reservations each way, most of them finished: B's school asks A (A's incoming), A's
    caretaker asks B (A's own), and the owner side rejects all but every fifth (years of history, in small)."""
    for number in range(times):
        for asker, owner, item in ((region.member_b, region.caretaker_a, chairs_a),
                                   (region.caretaker_a, region.caretaker_b, chairs_b)):
            asked = reservations.reserve(asker, item, Decimal(1), would_buy_new=WouldBuyNew.YES)
            if number % 5:
                reservations.reject(owner, asked, "Ikke nå")
    db.session.commit()


def _table_rows(page: str) -> int:
    return page.count('<th scope="row"><a href="/reservations/')


@pytest.mark.parametrize("address", ["/reservations", "/reservations?view=incoming",
                                     "/reservations?view=incoming&page=2", "/reservations?view=mine&status=rejected"])
def test_the_reservations_page_lists_one_page_of_rows_however_long_the_history(client, region, catalogue, web_app,
                                                                               address, monkeypatch):
    """A municipality's history grows for years; the page shows one page of it, with the same statements.
    (Pages of five rows: the same code as the real size's, with a tenth of the history to build.)"""
    monkeypatch.setattr(overview, "PAGE_SIZE", 5)
    a_month_ago = utcnow() - timedelta(days=30)
    chairs_a = make_item(region.caretaker_a, title="Stoler fra A", quantity=Decimal(1000), now=a_month_ago).id
    chairs_b = make_item(region.caretaker_b, title="Stoler fra B", quantity=Decimal(1000), now=a_month_ago).id
    _grow_history(region, chairs_a, chairs_b, 2 * overview.PAGE_SIZE + 2)  # a second page, even of the rejected alone
    login(client, "caretaker@a.example")
    client.get(address)
    with counting_queries(web_app) as statements:
        few = client.get(address).get_data(as_text=True)
    _grow_history(region, chairs_a, chairs_b, 3 * overview.PAGE_SIZE)
    with counting_queries(web_app) as more_statements:
        many = client.get(address).get_data(as_text=True)
    assert _table_rows(few) == _table_rows(many) == overview.PAGE_SIZE
    assert len(statements) == len(more_statements) <= PAGES["/reservations"], (len(statements), len(more_statements))
