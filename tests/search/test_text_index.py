"""The text index in step with the items (migration 0032), and a text search's newest matches read a window of
publication time at a time (``index.SearchIndex.newest``): the same page and total as reading every match."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text, update
from werkzeug.datastructures import MultiDict

from marketplace.db import db
from marketplace.listings import services as listings
from marketplace.listings.models import Item, ItemStatus
from marketplace.search import index, services
from marketplace.search.services import SearchParams
from tests.conftest import counting_queries, fresh
from tests.factories import make_item

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)


def _postgres_only() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL's text index holds the municipality and the publication")


def _in_step() -> None:
    """Every item has its index row, holding its municipality and, while it is published, its publication."""
    fresh()
    recorded = {item_id: (municipality_id, published_at) for item_id, municipality_id, published_at in
                db.session.execute(text("SELECT item_id, municipality_id, published_at FROM item_search"))}
    expected = {item.id: (item.municipality_id, item.published_at if item.status == ItemStatus.PUBLISHED else None)
                for item in db.session.scalars(select(Item))}
    assert recorded == expected


def test_the_index_follows_publishing_withdrawing_closing_moving_and_deleting(region, catalogue):
    _postgres_only()
    chair = make_item(region.caretaker_a, "office_chair", title="Kontorstol", now=T0)
    desk = make_item(region.caretaker_a, "desk", title="Skrivebord", now=T0 + timedelta(hours=1))
    draft = make_item(region.caretaker_a, "desk", title="Skrivebord, kladd", publish=False)
    db.session.commit()
    _in_step()

    listings.withdraw_item(region.caretaker_a, chair, now=T0 + timedelta(days=1))
    db.session.commit()
    _in_step()
    listings.publish_item(region.caretaker_a, chair, now=T0 + timedelta(days=2))  # published again: a new time
    db.session.commit()
    _in_step()

    desk.status = ItemStatus.COMPLETED  # as the last handover of a reservation leaves it
    db.session.commit()
    _in_step()
    # A statement that changes many items at once (as a sweep might) is followed too.
    db.session.execute(update(Item).where(Item.id == chair.id).values(status=ItemStatus.IN_USE))
    db.session.commit()
    _in_step()
    db.session.execute(update(Item).where(Item.id == chair.id).values(status=ItemStatus.PUBLISHED,
                                                                      municipality_id=region.b.id))
    db.session.commit()
    _in_step()

    listings.delete_draft(region.caretaker_a, draft)
    db.session.commit()
    _in_step()
    assert db.session.scalar(text("SELECT count(*) FROM item_search WHERE item_id = :id"), {"id": draft.id}) == 0


@pytest.fixture(params=["windowed", "at once"])
def aged(request, region, catalogue, monkeypatch):
    """Chairs of A published over five months; the search runs at NOW, so some are outside the first window.
    PostgreSQL reads a national market's matches a window at a time: the test region is made one here."""
    if request.param == "windowed":
        monkeypatch.setattr(index, "WINDOWED_REACH", 0)
    region.now = T0 + timedelta(days=150)
    ages = [1, 5, 29, 31, 45, 90, 140]  # days before NOW
    region.chairs = {age: make_item(region.caretaker_a, "office_chair", title=f"Kontorstol {age}",
                                    now=region.now - timedelta(days=age)) for age in ages}
    region.withdrawn = make_item(region.caretaker_a, "office_chair", title="Kontorstol trukket",
                                 now=region.now - timedelta(days=2))
    listings.withdraw_item(region.caretaker_a, region.withdrawn, now=region.now - timedelta(days=1))
    db.session.commit()
    return region


def _search(user, now, **args):
    return services.search(user, SearchParams.from_args(MultiDict(args)), now=now)


@pytest.mark.parametrize("limit", [3, 4, 5, 6, 1000])
def test_the_newest_matches_are_the_same_whatever_window_they_are_in(aged, app, monkeypatch, limit):
    monkeypatch.setitem(app.config, "SEARCH_EXACT_COUNT_LIMIT", limit)
    assert index.WINDOWS[0] == timedelta(days=30)  # the ages above straddle it
    newest = [aged.chairs[age].id for age in sorted(aged.chairs)]
    # By relevance (all alike here, so newest first) the page is ranked among the sample: the newest ``limit``.
    result = _search(aged.member_a, aged.now, q="kontorstol")
    assert [item.id for item in result.items] == newest[:limit]
    assert result.total == min(len(newest), limit) and result.total_is_exact == (len(newest) <= limit)
    # Newest first the pages come from the index, as deep as there are matches.
    result = _search(aged.member_a, aged.now, q="kontorstol", sort="newest")
    assert [item.id for item in result.items] == newest
    assert aged.withdrawn.id not in [item.id for item in result.items]


def test_a_word_found_only_in_older_windows_is_ranked_and_counted(aged):
    old = make_item(aged.caretaker_a, "desk", title="Gammelt skrivebord", now=aged.now - timedelta(days=120))
    db.session.commit()
    result = _search(aged.member_a, aged.now, q="gammelt skrivebord")
    assert [item.id for item in result.items] == [old.id] and result.total == 1 and result.total_is_exact
    assert _search(aged.member_c, aged.now, q="gammelt skrivebord").total == 0  # another network: not visible


@pytest.mark.parametrize("args", [{"q": "kontorstol"}, {"q": "kontorstol", "sort": "newest"},
                                  {"q": "kontorstol", "municipality": "kommune-a"}, {"q": "stol", "page": "2"}])
@pytest.mark.parametrize("role", ["member_a", "member_b", "member_c", "site_admin"])
def test_a_broad_word_walked_newest_first_finds_what_ranking_every_match_finds(aged, monkeypatch, args, role):
    """SQLite answers a word with many matches from the newest-first index, the word a filter (``BROAD_MATCHES``):
    the same items, totals and visibility as ranking every match; the order among them is newest first."""
    user = getattr(aged, role)
    expected = _search(user, aged.now, **args)
    monkeypatch.setattr(index, "BROAD_MATCHES", 2)
    walked = _search(user, aged.now, **args)
    assert (walked.total, walked.total_is_exact) == (expected.total, expected.total_is_exact)
    assert {item.id for item in walked.items} == {item.id for item in expected.items}
    if args.get("sort") == "newest" or db.engine.dialect.name == "sqlite":
        newest = sorted(walked.items, key=lambda item: (item.published_at, item.id), reverse=True)
        assert walked.items == newest


def test_sqlite_counts_a_words_matches_once_for_both_halves(aged, app):
    """SQLite chooses between ranking every match and walking the newest-first index by a count of the word's
    matches (``newest_or_walked``): the count is made once, not once in each half's LIMIT; the ranked half and the
    walked half's ids are the statement's other two reads of the text index."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the walked half is SQLite's")
    with counting_queries(app) as statements:
        result = _search(aged.member_a, aged.now, q="kontorstol")
    assert result.total == len(aged.chairs)
    [statement] = [statement for statement in statements if "MATCH" in statement]
    assert statement.count("item_search MATCH") == 3
