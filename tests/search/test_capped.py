"""Search above the exact-count limit (decision 46): a total that is a lower bound, facets without counts, pages
ranked among the newest matches or read newest first from the index; and everything as before below it."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from werkzeug.datastructures import MultiDict

from marketplace.db import db
from marketplace.listings.models import ItemStatus
from marketplace.search import services
from marketplace.search.services import SearchParams
from tests.conftest import counting_queries, login
from tests.factories import make_item

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
LATER = T0 + timedelta(days=30)  # past every sharing stage
ROLES = ("member_a", "caretaker_a", "member_b", "member_c", "partner_user", "network_admin", "site_admin")


@pytest.fixture
def setup(region, catalogue):
    region.chairs_a = [make_item(region.caretaker_a, "office_chair", title=f"Kontorstol nr {number}",
                                 now=T0 + timedelta(hours=number)) for number in range(5)]
    region.chair_b = make_item(region.caretaker_b, "office_chair", title="Kontorstol fra B", now=T0)
    region.desks_a = [make_item(region.caretaker_a, "desk", title=f"Skrivebord nr {number}",
                                now=T0 + timedelta(hours=10 + number)) for number in range(2)]
    region.in_use = make_item(region.caretaker_a, "office_chair", title="Kontorstol i bruk", publish=False)
    region.in_use.status = ItemStatus.IN_USE  # the inventory: indexed like any item, never on the market
    region.draft = make_item(region.caretaker_a, "office_chair", title="Kontorstol, kladd", publish=False)
    region.hidden_c = make_item(_c_caretaker(region), "office_chair", title="Kontorstol i C", now=T0)
    db.session.commit()
    return region


def _c_caretaker(region):
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    return make_user("caretaker@c.example", Role.CARETAKER, region.c, region.school_c)


@pytest.fixture
def limit(app, monkeypatch):
    def set_limit(value: int) -> None:
        monkeypatch.setitem(app.config, "SEARCH_EXACT_COUNT_LIMIT", value)
    return set_limit


def found(user, *, with_facets=True, **args):
    return services.search(user, SearchParams.from_args(MultiDict(args)), now=LATER, with_facets=with_facets)


def ids(result) -> list[int]:
    return [item.id for item in result.items]


def test_below_the_limit_totals_and_facets_are_exact(setup, limit):
    limit(7)  # member_a finds 6 chairs for "stol": below it
    result = found(setup.member_a, q="stol")
    assert result.total == 6 and result.total_is_exact and result.facets_counted and result.reach is None
    assert {value.value: value.count for value in result.facets["municipality"]} == {"kommune-a": 5,
                                                                                      "kommune-b": 1}


def test_above_the_limit_the_total_is_a_lower_bound_and_the_facets_are_not_counted(setup, limit):
    limit(3)
    result = found(setup.member_a, q="stol")
    assert (result.total, result.total_is_exact, result.facets_counted, result.reach) == (3, False, False, 3)
    assert all(value.count is None for values in result.facets.values() for value in values)
    # The values are those of the newest matches (the sample of four: chairs of A); the page ranks the three
    # newest, as the total says.
    assert {value.value for value in result.facets["municipality"]} == {"kommune-a"}
    newest = {chair.id for chair in setup.chairs_a[-3:]}
    assert set(ids(result)) == newest and result.last_page == 1 and not result.has_next_page


def test_chosen_facets_that_leave_few_matches_are_counted_and_ranked_exactly(setup, limit):
    limit(3)
    result = found(setup.member_a, q="stol", municipality="kommune-b")
    assert ids(result) == [setup.chair_b.id] and result.total == 1 and result.total_is_exact
    assert not result.facets_counted  # the facets count the search without its own choices: over the limit
    chosen = {value.value: value for value in result.facets["municipality"]}
    assert chosen["kommune-b"].selected and chosen["kommune-b"].count is None


def test_a_word_searched_in_chosen_municipalities_reads_only_their_documents(setup, limit, app):
    """Narrowed to municipalities, PostgreSQL reads the word's matches of those municipalities only (``chosen`` of
    ``SearchIndex.matches``): a narrowing, never a widening, so visibility still decides."""
    limit(3)  # above it: the second sample, with the chosen municipality, is read
    with counting_queries(app) as statements:
        result = found(setup.member_a, q="stol", municipality="kommune-b")
    assert ids(result) == [setup.chair_b.id] and result.total == 1
    narrowed = [statement for statement in statements
                if "item_search.municipality_id IN ((SELECT organisations.id" in statement]
    assert len(narrowed) == (1 if db.engine.dialect.name == "postgresql" else 0)
    assert ids(found(setup.member_a, q="stol", municipality="kommune-c")) == []  # C's chair: not shared with A
    assert ids(found(setup.member_a, q="stol", municipality=["kommune-c", "kommune-b"])) == [setup.chair_b.id]
    assert ids(found(setup.member_a, q="stol", municipality="nowhere")) == []
    assert setup.hidden_c.id in ids(found(setup.site_admin, q="stol", municipality="kommune-c"))


def test_both_samples_of_a_faceted_search_share_one_planner_setting_which_is_put_back(setup, limit, app):
    """PostgreSQL plans a text search's samples with the planner setting of ``SearchIndex.planned``: set once for
    the two samples of a faceted search above the limit, and put back before any other statement runs."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the planner settings are PostgreSQL's")
    limit(3)
    with counting_queries(app) as statements:
        result = found(setup.member_a, q="stol", municipality="kommune-b")
    assert ids(result) == [setup.chair_b.id]
    settings = [number for number, statement in enumerate(statements) if "set_config" in statement]
    samples = [number for number, statement in enumerate(statements) if "item_search" in statement]
    assert len(samples) == 2 and len(settings) == 2
    assert settings[0] < samples[0] and samples[1] < settings[1]
    assert db.session.scalar(text("SELECT current_setting('enable_seqscan')")) == "on"


@pytest.mark.parametrize("args", [{}, {"q": "stol", "sort": "newest"}, {"group": "furniture"},
                                  {"q": "kontorstol", "condition": "good", "sort": "newest"}])
@pytest.mark.parametrize("role", ROLES)
def test_pages_newest_first_are_the_same_above_the_limit(setup, limit, role, args):
    """Newest first, the page comes from the index in that order however many match: exactly the page an
    exact search shows, visibility and the inventory's absence included, on every page."""
    user = getattr(setup, role)
    limit(1000)
    expected = [ids(found(user, per_page="12", page=str(page), **args)) for page in (1, 2)]
    limit(3)
    pages = [found(user, per_page="12", page=str(page), **args) for page in (1, 2)]
    assert [ids(page) for page in pages] == expected
    assert setup.in_use.id not in ids(pages[0]) and setup.draft.id not in ids(pages[0])
    for result in pages:
        assert result.total_is_exact == (len(expected[0]) <= 3)
        assert result.total == min(len(expected[0]), 3)


@pytest.mark.parametrize("args", [{"q": "stol"}, {}, {"q": "stol", "municipality": "kommune-b"},
                                  {"group": "furniture", "municipality": "kommune-a"}])
def test_the_list_without_facets_counts_alike(setup, limit, args):
    limit(3)
    with_facets, without = found(setup.member_a, **args), found(setup.member_a, with_facets=False, **args)
    assert (with_facets.total, with_facets.total_is_exact) == (without.total, without.total_is_exact)
    assert ids(with_facets) == ids(without)


def test_a_page_past_the_ranked_matches_is_empty_and_says_so(setup, limit, client, web_app, monkeypatch):
    limit(3)
    assert found(setup.member_a, q="stol", per_page="12", page="2").items == []
    monkeypatch.setitem(web_app.config, "SEARCH_EXACT_COUNT_LIMIT", 3)
    login(client, "member@a.example")
    html = client.get("/items?q=stol&per_page=12&page=2").get_data(as_text=True)
    assert "Over 3 gjenstander" in html and "Gå til første side" in html


def test_the_page_says_more_than_and_shows_no_counts(setup, client, web_app, monkeypatch):
    login(client, "member@a.example")
    exact = client.get("/items?q=stol").get_data(as_text=True)
    assert "6 gjenstander" in exact and "(5)" in exact and 'id="facets-uncounted"' not in exact
    monkeypatch.setitem(web_app.config, "SEARCH_EXACT_COUNT_LIMIT", 3)
    html = client.get("/items?q=stol").get_data(as_text=True)
    assert "Over 3 gjenstander" in html and 'class="facet__count"' not in html
    assert 'id="facets-uncounted"' in html and 'id="result-reach"' in html
    newest = client.get("/items").get_data(as_text=True)
    assert "Over 3 gjenstander" in newest and 'id="result-reach"' not in newest


def test_the_api_says_whether_the_total_is_exact(setup, client, web_app, monkeypatch):
    from marketplace.api import services as tokens

    secret = tokens.create_token(setup.member_a, "tests").secret
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    body = client.get("/api/v1/items?q=stol", headers=headers).get_json()
    assert (body["total"], body["total_is_exact"], len(body["items"])) == (6, True, 6)
    monkeypatch.setitem(web_app.config, "SEARCH_EXACT_COUNT_LIMIT", 3)
    body = client.get("/api/v1/items?q=stol", headers=headers).get_json()
    assert (body["total"], body["total_is_exact"], len(body["items"])) == (3, False, 3)
