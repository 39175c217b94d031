"""The API's lists page in SQL: ``per_page`` rows a page in each list's documented order (ties broken by the
id, so pages neither overlap nor skip), the same total on every page (past the last too), never a row of a
municipality the caller may not see, and as many statements for many rows as for few."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from marketplace.accounts.models import Role
from marketplace.db import db, utcnow
from marketplace.projects import services as projects
from marketplace.projects.models import Project, ProjectStatus
from marketplace.reservations import services as reservations
from marketplace.reservations.models import WouldBuyNew
from marketplace.wanted import services as wanted
from marketplace.wanted.models import Need, NoticeStatus, WantedNotice
from tests.api.conftest import *  # noqa: F401,F403  (the api fixture and the region with tokens)
from tests.conftest import counting_queries
from tests.factories import category, make_item, make_user

PAGES = 4  # with 7 rows and 3 a page: 3, 3, 1, then one past the last


def _pages(api, path: str, who: str, key: str, per_page: int = 3) -> list[dict]:
    joiner = "&" if "?" in path else "?"
    answers = []
    for page in range(1, PAGES + 1):
        response = api.get(f"{path}{joiner}per_page={per_page}&page={page}", who)
        assert response.status_code == 200, response.get_json()
        answer = response.get_json()
        assert set(answer) == {key, "total", "page", "per_page"}
        assert (answer["page"], answer["per_page"]) == (page, per_page)
        answers.append(answer)
    return answers


@contextmanager
def _loading(model):
    """The ``model`` rows built into objects inside the block: a list cut in Python builds every row."""
    loaded = []

    def load(target, _context):
        loaded.append(target)

    event.listen(model, "load", load)
    try:
        yield loaded
    finally:
        event.remove(model, "load", load)


def _reads_one_page(api, path: str, who: str, model) -> None:
    joiner = "&" if "?" in path else "?"
    with _loading(model) as loaded:
        answer = api.get(f"{path}{joiner}per_page=3&page=2", who).get_json()
    assert answer["total"] == 7 and len(loaded) == 3, (answer["total"], len(loaded))


def _ids(answers: list[dict], key: str) -> list[list[int]]:
    return [[row["id"] for row in answer[key]] for answer in answers]


def _all_ids(api, path: str, who: str, key: str) -> list[int]:
    answer = api.get(f"{path}{'&' if '?' in path else '?'}per_page=100", who).get_json()
    assert answer["total"] == len(answer[key])
    return [row["id"] for row in answer[key]]


def _notice(user, title: str, now, needed_by: date | None = None):
    return wanted.post_notice(user, wanted.NoticeInput(title=title, category=category("stackable_chair"),
                                                       quantity=Decimal(2), needed_by=needed_by), now=now)


@pytest.fixture
def notices(setup):
    """A's six open notices (needed-by dates with ties and without one, some posted at the same moment) and a
    withdrawn one; B's notice shared with the network and one not yet shared; C's (another network)."""
    now = utcnow()
    today = now.date()
    posted = [(None, now), (today + timedelta(days=20), now), (today + timedelta(days=9), now - timedelta(hours=2)),
              (None, now - timedelta(hours=1)), (today + timedelta(days=9), now), (today + timedelta(days=9), now)]
    setup.ours = [_notice(setup.member_a, f"Behov {number}", when, needed_by)
                  for number, (needed_by, when) in enumerate(posted)]
    setup.withdrawn = _notice(setup.member_a, "Trukket", now - timedelta(hours=1))
    wanted.close_notice(setup.member_a, setup.withdrawn, NoticeStatus.WITHDRAWN)
    setup.shared = _notice(setup.member_b, "Fra B, delt", setup.long_ago, today + timedelta(days=9))
    setup.unshared = _notice(setup.member_b, "Fra B, ikke delt ennå", now)
    setup.theirs = _notice(setup.member_c, "Fra C", setup.long_ago)
    db.session.commit()
    return setup


def test_open_notices_come_three_a_page_soonest_needed_first(api, notices):
    open_ones = [*notices.ours, notices.shared]
    expected = [notice.id for notice in sorted(open_ones, key=lambda notice: (
        notice.needed_by is None, notice.needed_by or date.min, -notice.id))]
    answers = _pages(api, "/wanted", "member_a", "notices")
    assert [answer["total"] for answer in answers] == [7] * PAGES
    assert _ids(answers, "notices") == [expected[:3], expected[3:6], expected[6:], []]
    assert expected == _all_ids(api, "/wanted", "member_a", "notices")  # the same order as one long page
    _reads_one_page(api, "/wanted", "member_a", WantedNotice)
    hidden = {notices.withdrawn.id, notices.unshared.id, notices.theirs.id}
    assert not hidden & {notice_id for page in _ids(answers, "notices") for notice_id in page}


def test_our_notices_come_three_a_page_newest_first(api, notices):
    ours = [*notices.ours, notices.withdrawn]
    expected = [notice.id for notice in sorted(ours, key=lambda notice: (notice.created_at, notice.id),
                                               reverse=True)]
    answers = _pages(api, "/wanted?view=ours", "member_a", "notices")
    assert [answer["total"] for answer in answers] == [7] * PAGES
    assert _ids(answers, "notices") == [expected[:3], expected[3:6], expected[6:], []]
    assert expected == _all_ids(api, "/wanted?view=ours", "member_a", "notices")
    _reads_one_page(api, "/wanted?view=ours", "member_a", WantedNotice)


def test_no_page_of_notices_shows_another_municipalitys_unshared_ones(api, notices):
    a_ids = {notice.id for notice in [*notices.ours, notices.withdrawn]}
    for who, view, total in (("member_c", "open", 1), ("member_c", "ours", 1), ("member_b", "ours", 2),
                             ("partner_user", "ours", 0)):
        answers = _pages(api, f"/wanted?view={view}", who, "notices")
        assert [answer["total"] for answer in answers] == [total] * PAGES, (who, view)
        assert not a_ids & {notice_id for page in _ids(answers, "notices") for notice_id in page}, (who, view)
    # B sees A's open notices only from the network stage on: none yet, only its own two.
    answers = _pages(api, "/wanted", "member_b", "notices")
    assert [answer["total"] for answer in answers] == [2] * PAGES
    assert {notice_id for page in _ids(answers, "notices") for notice_id in page} == {notices.shared.id,
                                                                                   notices.unshared.id}


def _need(user, title: str, now):
    return wanted.register_need(user, wanted.NeedInput(title=title, category=category("stackable_chair"),
                                                       quantity=Decimal(2)), now=now)


def test_needs_come_three_a_page_newest_first_and_stay_in_their_municipality(api, setup):
    now = utcnow()
    made = [_need(setup.member_a, f"Behov {number}", now - timedelta(hours=number % 3)) for number in range(7)]
    theirs = _need(setup.member_b, "Behov i B", now)
    db.session.commit()
    expected = [need.id for need in sorted(made, key=lambda need: (need.created_at, need.id), reverse=True)]
    answers = _pages(api, "/needs", "member_a", "needs")
    assert [answer["total"] for answer in answers] == [7] * PAGES
    assert _ids(answers, "needs") == [expected[:3], expected[3:6], expected[6:], []]
    assert expected == _all_ids(api, "/needs", "member_a", "needs")
    _reads_one_page(api, "/needs", "member_a", Need)
    assert theirs.id not in expected
    for who, total in (("member_b", 1), ("member_c", 0), ("partner_user", 0)):
        answers = _pages(api, "/needs", who, "needs")
        assert [answer["total"] for answer in answers] == [total] * PAGES, who
        assert not set(expected) & {need_id for page in _ids(answers, "needs") for need_id in page}, who


def test_projects_come_three_a_page_active_then_due_soonest_and_stay_in_their_municipality(api, setup):
    today = utcnow().date()
    dues = [today + timedelta(days=30), None, today + timedelta(days=10), today + timedelta(days=30), None,
            today + timedelta(days=10), today + timedelta(days=60)]
    made = [projects.start_project(setup.admin_a, projects.ProjectInput(name=f"Bygg {number}", due=due))
            for number, due in enumerate(dues)]
    for project in made[2::3]:
        projects.complete_project(setup.admin_a, project)
    admin_b = make_user("admin@b.example", Role.MUNICIPAL_ADMIN, setup.b)
    theirs = projects.start_project(admin_b, projects.ProjectInput(name="Bygg i B"))
    db.session.commit()
    expected = [project.id for project in sorted(made, key=lambda project: (
        project.status != ProjectStatus.ACTIVE, project.due is None, project.due or date.min, project.id))]
    answers = _pages(api, "/projects", "member_a", "projects")
    assert [answer["total"] for answer in answers] == [7] * PAGES
    assert _ids(answers, "projects") == [expected[:3], expected[3:6], expected[6:], []]
    assert expected == _all_ids(api, "/projects", "member_a", "projects")
    _reads_one_page(api, "/projects", "member_a", Project)
    for who, total in (("member_b", 1), ("member_c", 0), ("network_admin", 0)):
        answers = _pages(api, "/projects", who, "projects")
        assert [answer["total"] for answer in answers] == [total] * PAGES, who
        assert not set(expected) & {project_id for page in _ids(answers, "projects") for project_id in page}, who
    assert _ids(_pages(api, "/projects", "member_b", "projects"), "projects")[0] == [theirs.id]


# --- Statements ----------------------------------------------------------------------------------------------

# The most statements each list may read on either engine (SQLite counts its BEGIN): the token and its user, the
# COUNT, the page, and what the answer shows of its rows (visibility's inputs, a need's reservations, a project's
# needs and figures), read for the whole page at once.
LISTS = {
    "/wanted": 7,
    "/wanted?view=ours": 7,
    "/needs": 8,
    "/projects": 12,
    "/reservations?role=incoming": 6,
    "/reservations": 6,
}


def _grow(setup, times: int, started: int) -> None:
    """``times`` more of what the lists show, each with what its answer reads: notices (open, and shared by B),
    needs with a reservation, projects with needs, reservations both ways."""
    now = utcnow()
    for number in range(started, started + times):
        chairs = make_item(setup.caretaker_b, "stackable_chair", title=f"Stoler fra B {number}",
                           quantity=Decimal(5), now=setup.long_ago)
        ours = make_item(setup.caretaker_a, title=f"Stol fra A {number}", now=setup.long_ago)
        _notice(setup.member_b, f"Fra B {number}", setup.long_ago)
        need = _need(setup.caretaker_a, f"Behov {number}", now)
        reservation = reservations.reserve(setup.caretaker_a, chairs.id, Decimal(1), would_buy_new=WouldBuyNew.YES)
        wanted.record_outcome(setup.caretaker_a, need, reservation_ids=[reservation.id], reason="other",
                              reason_text="Resten kjøpes")
        reservations.reserve(setup.member_b, ours.id, Decimal(1), would_buy_new=WouldBuyNew.NO)
        project = projects.start_project(setup.admin_a, projects.ProjectInput(name=f"Bygg {number}"))
        projects.add_need(setup.admin_a, project, projects.NeedInput(category=category("office_chair"),
                                                                     quantity=Decimal(3), room=f"Rom {number}"))
    db.session.commit()


def _count(api, web_app, path: str) -> int:
    with counting_queries(web_app) as statements:
        response = api.get(path, "caretaker_a")
    assert response.status_code == 200, response.get_json()
    return len(statements)


@pytest.mark.parametrize("path", LISTS)
def test_a_list_reads_as_many_statements_for_many_rows_as_for_few(api, setup, web_app, path):
    _grow(setup, 2, 0)
    api.get(path, "caretaker_a")  # warm up
    few = _count(api, web_app, path)
    _grow(setup, 8, 2)
    answer = api.get(path, "caretaker_a").get_json()
    assert answer["total"] >= 10 and len(next(rows for rows in answer.values() if isinstance(rows, list))) >= 10
    many = _count(api, web_app, path)
    assert many == few <= LISTS[path], (few, many)
