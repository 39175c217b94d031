"""The search page with a suggestion: the "Mente du «…»?" link, the close matches marked as such, the saved
search, and no suggestion (nor any extra statement) when the exact search finds enough."""

import re
from datetime import timedelta

import pytest

from marketplace.db import db, utcnow
from marketplace.search import services
from tests.conftest import counting_queries, fresh, login
from tests.factories import make_item


@pytest.fixture
def setup(region, catalogue):
    long_ago = utcnow() - timedelta(days=10)
    make_item(region.caretaker_a, "office_chair", title="Kontorstol med armlener", now=long_ago)
    make_item(region.caretaker_a, "stackable_chair", title="Stablestol", now=long_ago)
    make_item(region.caretaker_b, "pupil_chair", title="Elevstol", now=long_ago)
    make_item(region.caretaker_a, "desk", title="Pianokrakk", publish=False)  # a draft: hidden from everyone else
    db.session.commit()
    return region


def test_a_misspelt_search_offers_the_word_and_its_matches(client, setup):
    login(client, "member@b.example")
    html = client.get("/items?q=kontorstl&condition=good").get_data(as_text=True)
    assert ('Mente du «<a href="/items?q=kontorstol&amp;condition=good" id="suggestion-link">kontorstol</a>»?'
            in html)
    assert "Treff på lignende ord" in html and "1 gjenstand for «kontorstol», ikke for det du skrev." in html
    assert "Kontorstol med armlener" in html
    assert "Fant ingenting" not in html  # the close matches take the empty state's place
    assert "0 gjenstander" in html  # the exact count is still told


def test_enough_hits_show_no_suggestion(client, setup):
    login(client, "member@b.example")
    html = client.get("/items?q=stol").get_data(as_text=True)
    assert "3 gjenstander" in html
    assert "Mente du" not in html and "Treff på lignende ord" not in html


def test_nothing_close_reads_as_before(client, setup):
    login(client, "member@b.example")
    html = _without_tokens(client.get("/items?q=pianokrkk").get_data(as_text=True))  # close only to a draft
    assert "Fant ingenting" in html and "Mente du" not in html and "Pianokrakk" not in html
    own = _without_tokens(client.get("/items?q=qqqqqq").get_data(as_text=True))
    assert own.replace("qqqqqq", "pianokrkk") == html  # the same page as for a word close to nothing at all


def _without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which are signed with the time to the second."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", html)


def test_the_misspelt_search_can_be_saved_and_the_suggestion_followed(client, setup):
    login(client, "member@b.example")
    assert client.post("/searches", data={"q": "kontorstl", "name": "Stoler"}).status_code == 303
    assert client.post("/searches", data={"q": "kontorstol"}).status_code == 303
    fresh()
    assert [saved.params for saved in services.saved_searches(setup.member_b)] in (
        [{"q": "kontorstol"}, {"q": "kontorstl"}], [{"q": "kontorstl"}, {"q": "kontorstol"}])
    followed = client.get("/items?q=kontorstol").get_data(as_text=True)
    assert "1 gjenstand" in followed and "Mente du" not in followed


def test_the_suggestion_costs_a_bounded_number_of_statements(client, setup, web_app):
    login(client, "member@b.example")
    client.get("/items")  # warm up: the user and caches
    with counting_queries(web_app) as nothing_close:
        client.get("/items?q=qqqqqq")  # nothing found, nothing close: only the vocabulary is asked
    with counting_queries(web_app) as forgiven:
        client.get("/items?q=kontorstl")
    # Beyond the vocabulary lookup: the correction counted under visibility, the close matches and their rows,
    # and the photos of their cards (on PostgreSQL also the planner setting around a text search): a bound,
    # whatever the vocabulary's or the region's size.
    assert len(forgiven) <= len(nothing_close) + 4 + (2 if db.engine.dialect.name == "postgresql" else 0)
