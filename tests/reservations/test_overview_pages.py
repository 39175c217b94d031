"""The reservations page a page at a time: open reservations first, then the finished ones; a tab reads one page
of rows whatever the history, keeps its tab and filters in every link, and answers nonsense page numbers
clearly. Another municipality's reservations are on no page."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from marketplace.db import db, utcnow
from marketplace.reservations import overview, services
from marketplace.reservations.forms import OverviewQuery
from marketplace.reservations.models import ReservationStatus, WouldBuyNew
from tests.conftest import login
from tests.factories import make_item

PAGE = overview.PAGE_SIZE
REQUESTED, APPROVED, REJECTED = 15, 5, 40  # 60 of A's: three pages, the boundary on the first
LOAN_FILTERS = ("on_loan", "overdue", "returned")


@pytest.fixture
def history(region, catalogue):
    """B's school asked A for chairs 60 times over a day (the newest last); A's caretaker rejected the 40 oldest
    and approved the next 5. A's school asked B three times (B's incoming, never A's)."""
    start = utcnow() - timedelta(days=1)
    chairs_a = make_item(region.caretaker_a, "office_chair", quantity=Decimal(100), now=start - timedelta(days=7))
    chairs_b = make_item(region.caretaker_b, "office_chair", quantity=Decimal(10), now=start - timedelta(days=7))
    asked = [services.reserve(region.member_b, chairs_a.id, Decimal(1), would_buy_new=WouldBuyNew.YES,
                              now=start + timedelta(minutes=number)) for number in range(60)]
    for reservation in asked[:REJECTED]:
        services.reject(region.caretaker_a, reservation, "Ikke nå", now=start + timedelta(hours=2))
    for reservation in asked[REJECTED:REJECTED + APPROVED]:
        services.approve(region.caretaker_a, reservation, now=start + timedelta(hours=2))
    region.theirs = [services.reserve(region.member_a, chairs_b.id, Decimal(1), would_buy_new=WouldBuyNew.NO,
                                      now=start + timedelta(minutes=number)).id for number in range(3)]
    db.session.commit()
    region.asked = [reservation.id for reservation in asked]
    return region


def _pages(user, tab, **query):
    """Every page of a tab, read through the service, until the one past the last."""
    pages = []
    while True:
        found = overview.reservations_page(user, tab, OverviewQuery(page=len(pages) + 1, **query))
        if not found.rows:
            assert found.beyond_last or found.total == 0
            return pages
        pages.append(found)


def test_open_reservations_come_first_then_the_history_each_once(history):
    pages = _pages(history.caretaker_a, overview.INCOMING)
    assert [len(page.rows) for page in pages] == [PAGE, PAGE, 60 - 2 * PAGE]
    assert {(page.total, page.open, page.last_page) for page in pages} == {(60, REQUESTED + APPROVED, 3)}
    listed = [reservation for page in pages for reservation in page.rows]
    assert sorted(reservation.id for reservation in listed) == sorted(history.asked)  # all of them, each once
    assert [reservation.status for reservation in listed] == (
        [ReservationStatus.REQUESTED] * REQUESTED + [ReservationStatus.APPROVED] * APPROVED
        + [ReservationStatus.REJECTED] * REJECTED)
    newest_first = list(reversed(history.asked))
    assert [reservation.id for reservation in listed[:REQUESTED]] == newest_first[:REQUESTED]
    assert [reservation.id for reservation in listed[REQUESTED + APPROVED:]] == newest_first[REQUESTED + APPROVED:]
    first = pages[0]
    assert len(first.open_rows) == REQUESTED + APPROVED and len(first.finished_rows) == PAGE - REQUESTED - APPROVED
    assert not pages[1].open_rows
    # The requester's own tab lists the same 60, as they see them.
    mine = _pages(history.member_b, overview.MINE)
    assert sorted(r.id for page in mine for r in page.rows) == sorted(history.asked)


def test_no_page_of_any_tab_shows_another_municipality_s_reservations(history):
    theirs = _pages(history.caretaker_b, overview.INCOMING)
    assert [[r.id for r in page.rows] for page in theirs] == [list(reversed(history.theirs))]
    assert all(r.municipality_id == history.b.id for page in theirs for r in page.rows)
    for tab in (overview.MINE, overview.INCOMING):
        for page in _pages(history.caretaker_a, tab):
            assert not set(history.theirs) & {r.id for r in page.rows}
    # Who handles no reservations has no incoming list, whatever the link asks for.
    for user in (history.member_a, history.member_c, history.network_admin):
        assert overview.reservations_page(user, overview.INCOMING, OverviewQuery()) == overview.ReservationPage(
            [], 0, 1, overview.PAGE_SIZE)


def test_filters_are_paged_and_counted_too(history):
    rejected = _pages(history.caretaker_a, overview.INCOMING, status=ReservationStatus.REJECTED)
    assert [len(page.rows) for page in rejected] == [PAGE, REJECTED - PAGE]
    assert {(page.total, page.open) for page in rejected} == {(REJECTED, 0)}
    waiting = overview.reservations_page(history.caretaker_a, overview.INCOMING,
                                         OverviewQuery(status=ReservationStatus.REQUESTED))
    assert (waiting.total, waiting.open, waiting.last_page) == (REQUESTED, REQUESTED, 1)
    for loans in ("all", *LOAN_FILTERS):
        assert _pages(history.caretaker_a, overview.INCOMING, loans=loans) == []
    past = overview.reservations_page(history.caretaker_a, overview.INCOMING, OverviewQuery(page=4))
    assert past.beyond_last and past.rows == [] and past.last_page == 3


@pytest.mark.parametrize(("written", "page", "ignored"), [
    (None, 1, False), ("", 1, False), ("1", 1, False), (" 3 ", 3, False), ("999999999", 999999999, False),
    ("0", 1, True), ("-1", 1, True), ("abc", 1, True), ("2.5", 1, True), ("١٢", 1, True), ("1e3", 1, True),
    ("9" * 10, 1, True), ("9" * 5000, 1, True),
])
def test_a_page_number_is_a_positive_number_or_ignored(written, page, ignored):
    args = {} if written is None else {"page": written}
    query = OverviewQuery.from_args(args, LOAN_FILTERS)
    assert (query.page, query.page_ignored) == (page, ignored)


def test_unknown_filters_are_dropped_and_links_keep_tab_and_filters():
    query = OverviewQuery.from_args({"status": "nonsense", "loans": "<x>", "page": "2"}, LOAN_FILTERS)
    assert (query.status, query.loans, query.page) == (None, "", 2)
    rejected = OverviewQuery.from_args({"status": "rejected"}, LOAN_FILTERS)
    assert rejected.link_args("incoming", 1) == {"view": "incoming", "status": "rejected"}
    assert rejected.link_args("incoming", 3) == {"view": "incoming", "status": "rejected", "page": 3}
    loans = OverviewQuery.from_args({"loans": "overdue", "status": "rejected"}, LOAN_FILTERS)
    assert loans.link_args("mine", 2) == {"view": "mine", "loans": "overdue", "page": 2}  # a loan filter wins


def _rows(page: str) -> list[int]:
    return [int(number) for number in re.findall(r'<th scope="row"><a href="/reservations/(\d+)">', page)]


def _pager(page: str) -> str:
    found = re.search(r'<nav class="pagination".*?</nav>', page, re.DOTALL)
    return found.group(0) if found else ""


def _link(page: str, rel: str) -> dict[str, list[str]] | None:
    """The arguments of the pager's link to the ``rel`` ("prev", "next") page, or None without one."""
    found = re.search(rf'<a href="/reservations\?([^"]*)" rel="{rel}">', _pager(page))
    return parse_qs(found.group(1).replace("&amp;", "&")) if found else None


def test_the_incoming_tab_pages_through_http(client, history):
    login(client, "caretaker@a.example")
    first = client.get("/reservations?view=incoming").get_data(as_text=True)
    assert _rows(first) == list(reversed(history.asked))[:PAGE]
    assert "Viser 1–25 av 60" in first
    assert 'id="open-heading">Åpne reservasjoner <span class="tab-count">20</span>' in first
    assert 'id="finished-heading">Avsluttede reservasjoner <span class="tab-count">40</span>' in first
    assert "Side 1 av 3" in _pager(first) and _link(first, "prev") is None
    assert _link(first, "next") == {"view": ["incoming"], "page": ["2"]}

    second = client.get("/reservations?view=incoming&page=2").get_data(as_text=True)
    assert _rows(second) == list(reversed(history.asked))[PAGE:2 * PAGE]
    assert 'id="open-heading"' not in second and "Viser 26–50 av 60" in second
    assert _link(second, "prev") == {"view": ["incoming"]}  # page 1 has one address
    assert _link(second, "next") == {"view": ["incoming"], "page": ["3"]}
    last = client.get("/reservations?view=incoming&page=3").get_data(as_text=True)
    assert len(_rows(last)) == 60 - 2 * PAGE and _link(last, "next") is None
    assert not set(history.theirs) & set(_rows(first) + _rows(second) + _rows(last))

    rejected = client.get("/reservations?view=incoming&status=rejected").get_data(as_text=True)
    assert _link(rejected, "next") == {"view": ["incoming"], "status": ["rejected"], "page": ["2"]}
    assert '<option value="rejected" selected>' in rejected
    assert len(_rows(client.get("/reservations?view=incoming&status=rejected&page=2").get_data(as_text=True))) \
        == REJECTED - PAGE


def test_bad_page_numbers_get_a_clear_answer(client, web_app, history):
    login(client, "caretaker@a.example")
    first = _rows(client.get("/reservations?view=incoming").get_data(as_text=True))
    for bad in ("0", "-1", "abc", "2.5", "9" * 30, "%EF%BC%91"):
        response = client.get(f"/reservations?view=incoming&page={bad}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200, bad
        assert "Sidetallet ble ikke forstått, så første side vises." in page, bad
        assert _rows(page) == first, bad
    for beyond in ("4", "999999999"):
        response = client.get(f"/reservations?view=incoming&page={beyond}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and _rows(page) == []
        assert re.search(r'id="beyond-last">Det finnes ikke så mange sider\. <a href="/reservations\?'
                         r'(page=3&amp;view=incoming|view=incoming&amp;page=3)">Gå til siste side</a>', page)
    # An empty list past its end is just empty (a member's "incoming" link shows their own, empty list).
    member = web_app.test_client()
    login(member, "member@c.example")
    empty = member.get("/reservations?view=incoming&page=7").get_data(as_text=True)
    assert "Ingen reservasjoner her." in empty and 'id="beyond-last"' not in empty


def test_the_other_municipality_s_caretaker_pages_see_only_their_own(client, history):
    login(client, "caretaker@b.example")
    for address in ("/reservations?view=incoming", "/reservations?view=incoming&page=2",
                    "/reservations?view=incoming&status=requested", "/reservations?view=incoming&loans=all"):
        page = client.get(address).get_data(as_text=True)
        assert not set(history.asked) & set(_rows(page)), address
    assert _rows(client.get("/reservations?view=incoming").get_data(as_text=True)) == list(reversed(history.theirs))
