"""`marketplace bench-data`: a large region in bulk, for benchmarks (here a tiny one)."""

from datetime import timedelta

from sqlalchemy import func, select, text

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.db import db
from marketplace.devdata import benchdata
from marketplace.listings.models import Item, ItemStatus
from marketplace.organisations.models import Municipality, Network, Unit
from marketplace.search import services as search
from marketplace.search.models import SearchWord
from tests.conftest import fresh


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_bench_data_generates_a_searchable_region(runner, catalogue):
    result = runner.invoke(args=["bench-data", "--items", "200", "--municipalities", "4", "--network-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Items: 200/200" in result.output
    fresh()
    assert _count(Item) == 200
    assert _count(Municipality) == 4 and _count(Network) == 2
    assert 3 * 4 <= _count(Unit) <= 8 * 4
    assert db.session.scalar(text("SELECT count(*) FROM item_search")) == 200
    if db.engine.dialect.name == "postgresql":  # the index's copy of each published item's publication (0032)
        assert db.session.scalar(text(
            "SELECT count(*) FROM item_search JOIN items ON items.id = item_id WHERE item_search.published_at "
            "IS DISTINCT FROM CASE WHEN items.status = 'published' THEN items.published_at END")) == 0
        assert db.session.scalar(text("SELECT count(*) FROM item_search WHERE published_at IS NOT NULL")) > 100
    # The vocabulary is written as the service would write it, so a typo finds its word in a bench region too.
    assert db.session.get(SearchWord, "kontorstol") is not None or db.session.get(SearchWord, "stablestol")
    assert db.session.scalar(text("SELECT count(*) FROM search_variants WHERE word = 'stol'")) == 5

    # Published items carry the stages of their municipality's policy, as publishing sets them.
    published = list(db.session.scalars(select(Item).where(Item.status == ItemStatus.PUBLISHED)))
    assert len(published) > 100
    for item in published:
        assert item.network_visible_at == item.published_at + timedelta(days=item.municipality.network_share_days)

    # A generated staff member signs in with the bench password and finds their municipality's items.
    member = db.session.scalar(select(User).where(User.email.like("ansatt@%")).order_by(User.id).limit(1))
    assert accounts.password_matches(member, benchdata.PASSWORD)
    own = next(item for item in published if item.municipality_id == member.municipality.id)
    params = search.SearchParams(q=own.title, municipalities=(member.municipality.slug,), per_page=48)
    found = search.search(member, params)
    assert own.id in [item.id for item in found.items]
    assert all(item.municipality_id == member.municipality.id for item in found.items)


def test_bench_data_refuses_a_database_with_items_unless_forced(runner, catalogue):
    assert runner.invoke(args=["bench-data", "--items", "20", "--municipalities", "2"]).exit_code == 0
    again = runner.invoke(args=["bench-data", "--items", "20", "--municipalities", "2"])
    assert again.exit_code != 0 and "--force" in again.output
    fresh()
    assert _count(Item) == 20
    forced = runner.invoke(args=["bench-data", "--items", "20", "--municipalities", "2", "--force"])
    assert forced.exit_code == 0, forced.output
    fresh()
    assert _count(Item) == 40 and _count(Municipality) == 4  # new short names, no clash with the first region
