"""A search's statements are built once per shape and kept (``search.statements``): a kept statement binds each
search's own values, never those of the search it was built for, and a value left out is an error."""

from dataclasses import fields, replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import StatementError
from werkzeug.datastructures import MultiDict

from marketplace.db import db
from marketplace.listings.models import Condition
from marketplace.listings.visibility import visibility_key
from marketplace.search import services, statements
from marketplace.search.services import SearchParams
from tests.factories import make_item
from tests.search.test_services import LATER, T0

KEPT_STATEMENTS = (statements.page, statements.grouped, statements.capped_count, statements.text_sample)

# Pairs of searches of one shape (the same filters chosen, the same order) with different values: each finds
# something else, so a statement that kept the first one's values would answer the second wrongly.
PAIRS = [
    ({"q": "stol"}, {"q": "skrivebord"}),
    ({"q": "stol", "sort": "newest"}, {"q": "strosand", "sort": "newest"}),
    ({"q": "stol", "municipality": "kommune-a"}, {"q": "bord", "municipality": "kommune-b"}),
    ({"category": "office_chair"}, {"category": "sit_stand_desk"}),
    ({"group": "furniture"}, {"group": "material"}),
    ({"condition": "good"}, {"condition": "worn"}),
    ({"municipality": "kommune-a"}, {"municipality": "kommune-b"}),
    ({"min_quantity": "20"}, {"min_quantity": "2"}),
    ({"offer": "give"}, {"offer": "lend"}),
    ({"q": "stol", "offer": "give"}, {"q": "stol", "offer": "lend"}),
    ({"page": "1"}, {"page": "2"}),
    ({"q": "stol", "min_quantity": "30"}, {"q": "stol", "min_quantity": "1"}),
]


@pytest.fixture
def setup(region, catalogue):
    make_item(region.caretaker_a, "office_chair", title="Kontorstoler", quantity=Decimal(24), now=T0)
    make_item(region.caretaker_a, "stackable_chair", title="Stablestoler", quantity=Decimal(40),
              now=T0 + timedelta(hours=1))
    make_item(region.caretaker_b, "sit_stand_desk", title="Hev/senk-skrivebord", quantity=Decimal(3),
              now=T0 + timedelta(hours=2))
    make_item(region.caretaker_a, "grit_sand", title="Strøsand", quantity=Decimal("3.5"), now=T0 + timedelta(hours=4))
    db.session.commit()
    return region


def _forget_kept() -> None:
    for kept in KEPT_STATEMENTS:
        kept.cache_clear()


def _search(user, args, now=LATER):
    params = SearchParams.from_args(MultiDict(args))
    result = services.search(user, params, now=now)
    facets = {name: [(value.value, value.count, value.selected) for value in values]
              for name, values in result.facets.items()}
    return [item.id for item in result.items], result.total, facets


def _shape(user, args):
    return _shape_of(visibility_key(user), SearchParams.from_args(MultiDict(args)))


@pytest.mark.parametrize("first, second", PAIRS)
def test_a_kept_statement_answers_with_the_values_of_its_search(setup, first, second):
    user = setup.member_a
    assert _shape(user, first) == _shape(user, second)  # so the second search runs the first one's statements
    _forget_kept()
    expected = _search(user, second)
    _forget_kept()
    assert _search(user, first) != expected
    assert _search(user, second) == expected


def test_a_kept_statement_sees_at_the_moment_of_its_search(setup):
    """The moment is a value too: B's members see A's items only once they are shared with the network."""
    early, late = T0 + timedelta(hours=5), LATER
    _forget_kept()
    expected = _search(setup.member_b, {"q": "stol"}, now=late)
    _forget_kept()
    assert _search(setup.member_b, {"q": "stol"}, now=early)[0] == []
    assert _search(setup.member_b, {"q": "stol"}, now=late) == expected and expected[0]


def test_a_search_of_a_kept_shape_builds_nothing(setup, monkeypatch):
    built = []
    filtered = statements._filtered
    monkeypatch.setattr(statements, "_filtered",
                        lambda *args, **kwargs: built.append(args) or filtered(*args, **kwargs))
    _forget_kept()
    _search(setup.member_a, {"q": "stol", "condition": "good"})
    assert built
    built.clear()
    _search(setup.member_a, {"q": "bord", "condition": "worn"})
    _search(setup.member_a, {"q": "sand", "condition": "as_new"}, now=LATER + timedelta(days=1))
    assert built == []
    _search(setup.member_b, {"q": "stol", "condition": "good"})  # another person's visibility: another shape
    assert built


def test_a_value_left_out_is_an_error_not_an_earlier_one(setup):
    params = SearchParams(q="stol", conditions=(Condition.GOOD.value,))
    shape = statements.Shape.of(visibility_key(setup.member_a), params, services.search_index())
    values = statements.values(params, LATER, services.search_index(), limit=1000)
    assert db.read(statements.page(shape), values).all()
    for name in ("visible_at", "words", "conditions", "per_page"):
        with pytest.raises(StatementError):
            db.read(statements.page(shape), {key: value for key, value in values.items() if key != name})
        db.session.rollback()


def test_every_filter_and_order_is_part_of_the_shape(setup):
    """A filter missing from ``Shape`` would let searches with and without it share a statement: every field of a
    search but its page and size must change the shape (a new field must be listed here)."""
    chosen = {"q": "stol", "group": "furniture", "categories": ("desk",), "conditions": ("good",),
              "municipalities": ("kommune-a",), "unit": 1, "location": 1, "available_now": True, "offer": "lend",
              "min_quantity": Decimal(1), "sort": "quantity"}
    assert set(chosen) == {field.name for field in fields(SearchParams)} - {"page", "per_page", "ignored"}
    key, plain = visibility_key(setup.member_a), SearchParams()
    for name, value in chosen.items():
        assert _shape_of(key, replace(plain, **{name: value})) != _shape_of(key, plain), name
    one, two = replace(plain, municipalities=("a",)), replace(plain, municipalities=("a", "b"))
    assert _shape_of(key, one) != _shape_of(key, two)
    assert _shape_of(key, replace(plain, page=3, per_page=48)) == _shape_of(key, plain)


def _shape_of(key, params):
    return statements.Shape.of(key, params, services.search_index())
