from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict

from marketplace.listings import erasure
from marketplace.db import db
from marketplace.listings import services as listings
from marketplace.listings.models import Item
from marketplace.notifications.models import Notification
from marketplace.search import services, statements
from marketplace.search.services import SearchParams
from tests.conftest import counting_queries
from tests.factories import make_item

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
LATER = T0 + timedelta(days=30)


@pytest.fixture
def setup(region, catalogue):
    region.chair = make_item(region.caretaker_a, "office_chair", title="Kontorstoler, HÅG", brand="HÅG",
                             model="Capisco", colour="Bjørk", quantity=Decimal(24), now=T0)
    region.stack = make_item(region.caretaker_a, "stackable_chair", title="Stablestoler til kantina",
                             quantity=Decimal(40), now=T0 + timedelta(hours=1))
    region.desk = make_item(region.caretaker_b, "sit_stand_desk", title="Hev/senk-skrivebord 160 cm",
                            description="Elektrisk, på hjul", quantity=Decimal(3), now=T0 + timedelta(hours=2))
    region.laptop = make_item(region.caretaker_b, "laptop", title="Bærbar PC Lenovo T14", quantity=Decimal(12),
                              now=T0 + timedelta(hours=3))  # no erasure: stays in B
    region.sand = make_item(region.caretaker_a, "grit_sand", title="Strøsand", quantity=Decimal("3.5"),
                            now=T0 + timedelta(hours=4))
    region.draft = make_item(region.caretaker_a, "office_chair", title="Kladd stol", publish=False)
    region.hidden_c = make_item(_c_caretaker(region), "office_chair",
                                title="Stol i et annet nettverk", now=T0)
    db.session.commit()
    return region


def _c_caretaker(region):
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    return make_user("caretaker@c.example", Role.CARETAKER, region.c, region.school_c)


def ids(user, now=LATER, **args):
    result = services.search(user, SearchParams.from_args(MultiDict(args)), now=now)
    return [item.id for item in result.items], result


@pytest.mark.parametrize("query, expected", [
    ("stol", {"chair", "stack"}),            # the last part of a compound word
    ("stoler", {"chair", "stack"}),          # plural
    ("STABL", {"stack"}),                    # prefix, any case
    ("bjork", {"chair"}),                    # ø typed as o
    ("hag capisco", {"chair"}),              # brand and model, å typed as a
    ("hev senk", {"desk"}),
    ("skrivebord", {"desk"}),
    ("bord", {"desk"}),
    ("office chair", {"chair"}),             # the category's English name
    ("kontorstol", {"chair"}),               # the category's bokmål name
    ("hjul", {"desk"}),                      # the description
    ("pa hjul", {"desk"}),                   # på typed as pa
    ("strosand", {"sand"}),
    ("piano", set()),
])
def test_matching(setup, query, expected):
    found, _ = ids(setup.member_a, q=query)
    names = {name for name in ("chair", "stack", "desk", "sand", "laptop") if getattr(setup, name).id in found}
    assert names == expected


def test_ranking_prefers_better_matches_then_recency(setup):
    found, _ = ids(setup.member_a, q="stol")
    assert set(found) == {setup.chair.id, setup.stack.id}
    newest_first, _ = ids(setup.member_a, q="stol", sort="newest")
    assert newest_first == [setup.stack.id, setup.chair.id]


def test_visibility_is_inside_the_query(setup):
    everything, result = ids(setup.member_a)
    assert setup.laptop.id not in everything and setup.draft.id not in everything
    assert setup.hidden_c.id not in everything
    assert result.total == len(everything) == 4
    facet_total = sum(value.count for value in result.facets["category"])
    assert facet_total == 4
    assert "kommune-c" not in {value.value for value in result.facets["municipality"]}
    early, early_result = ids(setup.member_b, now=T0 + timedelta(hours=5))  # A's items not yet shared
    assert set(early) == {setup.desk.id, setup.laptop.id} and early_result.total == 2
    partner, _ = ids(setup.partner_user, now=T0 + timedelta(days=5))
    assert partner == []


@pytest.mark.parametrize("role", ["member_a", "caretaker_a", "admin_a", "member_b", "member_c", "partner_user",
                                  "network_admin", "site_admin"])
def test_a_text_search_finds_exactly_the_visible_matches(setup, role):
    """The text index is narrowed to the viewer's municipalities before the visibility join (PostgreSQL): that
    must never drop an item the viewer sees, nor add one."""
    user = getattr(setup, role)
    chair_b = make_item(setup.caretaker_b, "stackable_chair", title="Stoler fra B", now=T0)
    db.session.commit()
    chairs = {setup.chair.id, setup.stack.id, chair_b.id, setup.hidden_c.id, setup.draft.id}
    for now in (T0 + timedelta(hours=5), LATER):
        visible, _ = ids(user, now=now, per_page="48")
        found, result = ids(user, now=now, q="stol")
        assert set(found) == chairs & set(visible)
        assert result.total == len(found)
    assert set(ids(setup.site_admin, q="stol")[0]) == chairs - {setup.draft.id}


def test_the_text_index_holds_each_items_municipality(setup):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL's text index narrows by municipality")
    recorded = dict(db.session.execute(text("SELECT item_id, municipality_id FROM item_search")).all())
    assert recorded == dict(db.session.execute(select(Item.id, Item.municipality_id)).all())


def test_facets_filters_and_counts(setup):
    found, result = ids(setup.member_a, group="furniture")
    assert set(found) == {setup.chair.id, setup.stack.id, setup.desk.id}
    groups = {value.value: value.count for value in result.facets["group"]}
    assert groups == {"furniture": 3, "material": 1}  # the group facet counts its alternatives
    found, _ = ids(setup.member_a, category=["office_chair", "stackable_chair"])
    assert set(found) == {setup.chair.id, setup.stack.id}
    found, _ = ids(setup.member_a, municipality="kommune-b")
    assert found == [setup.desk.id]
    found, _ = ids(setup.member_a, min_quantity="24")
    assert set(found) == {setup.chair.id, setup.stack.id}
    found, _ = ids(setup.member_a, condition="good", q="stol", min_quantity="30")
    assert found == [setup.stack.id]
    found, result = ids(setup.member_a, municipality="kommune-a", unit=str(setup.depot_a.id))
    assert set(found) == {setup.chair.id, setup.stack.id, setup.sand.id}
    assert [value.label for value in result.facets["unit"]] == ["A depot"]
    found, _ = ids(setup.member_a, sort="quantity")
    assert found[0] == setup.stack.id


@pytest.mark.parametrize("args", [
    {"q": "qqqqqq", "category": "office_chair", "municipality": "kommune-a", "condition": "good"},  # no match
    {"q": "xyzzy", "group": "furniture"}, {"q": "xyzzy"},
])
def test_a_search_without_matches_lists_its_chosen_values_without_reading_labels(setup, app, args):
    """The facets of a search that finds nothing are its chosen values alone, under their own keys, with 0 (so
    they can be unticked): no label is read for them (one statement fewer for every typo). A search with matches
    reads them."""
    with counting_queries(app) as empty:
        found, result = ids(setup.member_a, **args)
    with counting_queries(app) as matched:
        ids(setup.member_a, category="office_chair")
    assert found == [] and result.total == 0 and result.total_is_exact
    assert [statement for statement in empty if "categories.name_nb" in statement] == []
    assert len([statement for statement in matched if "categories.name_nb" in statement]) == 1
    chosen = {facet: [(value.value, value.label, value.count, value.selected) for value in values]
              for facet, values in result.facets.items()}
    expected = {facet: [(args[facet], args[facet], 0, True)] if facet in args else []
                for facet in ("group", "category", "condition", "municipality")}
    assert chosen == expected | ({"unit": []} if "municipality" in args else {})


@pytest.mark.parametrize("args", [
    {"q": '"*():^-'}, {"q": "stol' OR 1=1 --"}, {"q": "x" * 5000}, {"q": "NEAR(stol bord)"},
    {"q": "stol AND NOT bord"}, {"category": "no-such"}, {"condition": "mint"}, {"group": "weapons"},
    {"page": "1000000000"}, {"page": "-3"}, {"page": "abc"}, {"per_page": "100000"}, {"min_quantity": "NaN"},
    {"min_quantity": "-1"}, {"unit": "9" * 40}, {"sort": "price; DROP TABLE items"}, {"q": "\x00\x01"},
])
def test_hostile_parameters_give_sensible_results(setup, args):
    found, result = ids(setup.member_a, **args)
    assert setup.laptop.id not in found and setup.hidden_c.id not in found
    assert result.params.per_page <= 48 and 1 <= result.params.page <= services.MAX_PAGE


def test_unknown_values_are_reported_as_ignored(setup):
    params = SearchParams.from_args(MultiDict({"condition": "mint", "group": "x", "page": "abc"}))
    assert set(params.ignored) == {"condition", "group", "page"}


def test_pagination_is_stable(setup):
    first, result = ids(setup.member_a, per_page="1", sort="newest")
    second, _ = ids(setup.member_a, per_page="12", sort="newest")
    assert result.params.per_page == 12  # the nearest allowed page size
    assert first == second


def test_edits_and_deletions_keep_the_index_in_step(setup):
    listings.update_item(setup.caretaker_a, setup.sand, _input_like(setup.sand, title="Grus til vintervedlikehold"))
    assert ids(setup.member_a, q="grus")[0] == [setup.sand.id]
    assert ids(setup.member_a, q="strosand")[0] == [setup.sand.id]  # the category name still matches
    draft = make_item(setup.caretaker_a, "table", title="Spillebord", publish=False)
    listings.delete_draft(setup.caretaker_a, draft)
    db.session.commit()
    again = make_item(setup.caretaker_a, "table", title="Langbord", now=T0)
    assert ids(setup.member_a, q="spillebord")[0] == []
    assert ids(setup.member_a, q="langbord")[0] == [again.id]


def _input_like(item, **changes):
    from tests.factories import item_input

    return item_input(item.category.slug, quantity=item.quantity, **changes)


def test_saved_search_alerts_once_and_only_for_visible_items(setup):
    saved = services.save_search(setup.member_b, SearchParams.from_args(MultiDict({"q": "stol"})), "Stoler",
                                 now=T0 + timedelta(minutes=30))
    db.session.commit()
    # A's chairs become visible to B three days after publication: announced at the first check after.
    assert services.announce_saved_search_matches(T0 + timedelta(days=2)) == 0
    assert services.announce_saved_search_matches(T0 + timedelta(days=3, hours=2)) == 1
    notes = db.session.scalars(select(Notification).where(Notification.user_id == setup.member_b.id)).all()
    assert len(notes) == 1 and set(notes[0].data["item_ids"]) == {setup.chair.id, setup.stack.id}
    assert services.announce_saved_search_matches(T0 + timedelta(days=4)) == 0  # once only
    # A new matching item in C's network never notifies B; a new one in A does, when it reaches B.
    make_item(_c_caretaker_existing(setup), "office_chair", title="Stol C", now=T0 + timedelta(days=5))
    new = make_item(setup.caretaker_a, "office_chair", title="Enda en stol", now=T0 + timedelta(days=5))
    assert services.announce_saved_search_matches(T0 + timedelta(days=6)) == 0
    assert services.announce_saved_search_matches(T0 + timedelta(days=8, hours=1)) == 1
    last = db.session.scalars(select(Notification).order_by(Notification.id.desc())).first()
    assert last.data["item_ids"] == [new.id] and last.link == f"/items/{new.id}"
    assert db.session.scalar(select(func.count(Notification.id))) == 2
    assert saved.checked_until == T0 + timedelta(days=8, hours=1)


def _c_caretaker_existing(region):
    from tests.factories import find_user

    return find_user("caretaker@c.example")


def test_saved_search_for_ict_waits_for_erasure(setup):
    services.save_search(setup.member_a, SearchParams.from_args(MultiDict({"q": "lenovo"})), "PC",
                         now=T0)
    assert services.announce_saved_search_matches(T0 + timedelta(days=10)) == 0  # B's laptop: no erasure
    erasure.record_erasure(setup.caretaker_b, setup.laptop, b"%PDF-1.4\n%%EOF\n", now=T0 + timedelta(days=11))
    assert services.announce_saved_search_matches(T0 + timedelta(days=12)) == 1


def test_saving_needs_a_real_search_and_has_a_limit(setup):
    with pytest.raises(services.SavedSearchError):
        services.save_search(setup.member_a, SearchParams(), "Alt")
    for number in range(services.MAX_SAVED_SEARCHES):
        services.save_search(setup.member_a, SearchParams(q=f"ord{number}"), "")
    with pytest.raises(services.SavedSearchError):
        services.save_search(setup.member_a, SearchParams(q="en til"), "")


def test_only_the_owner_deletes_a_saved_search(setup):
    from marketplace.errors import NotVisible

    saved = services.save_search(setup.member_a, SearchParams(q="stol"), "Stoler")
    with pytest.raises(NotVisible):
        services.delete_saved_search(setup.member_b, saved.id)
    services.delete_saved_search(setup.member_a, saved.id)
    assert services.saved_searches(setup.member_a) == []


@pytest.mark.parametrize("args", [
    {"group": "furniture", "condition": "good"},
    {"category": ["office_chair", "stackable_chair", "laptop"], "municipality": "kommune-a"},
    {"q": "stol", "condition": ["good", "worn"], "municipality": ["kommune-a", "kommune-b"]},
    {"group": "material", "category": "office_chair", "municipality": "kommune-b"},  # nothing passes all
    {"municipality": "kommune-a", "unit": "depot", "min_quantity": "10"},
])
def test_each_facet_counts_its_values_under_every_other_filter(setup, args):
    """The facets come from one grouped pass filtered in Python: each value's count must be what searching
    with that value instead of the facet's own choice finds (the page query, filtered in SQL, is the oracle)."""
    args = {key: str(setup.depot_a.id) if value == "depot" else value for key, value in args.items()}
    found, result = ids(setup.member_a, per_page="48", **args)
    assert result.total == len(found)
    assert "unit" in result.facets if "municipality" in args else "unit" not in result.facets
    everything = ids(setup.member_a, municipality=["kommune-a", "kommune-b"])[1].facets  # every value there is
    for facet, values in result.facets.items():
        assert values or facet not in args, facet  # a chosen facet always shows its choice
        shown = {value.value: value.count for value in values if value.count}
        expected = {}
        for candidate in {value.value for value in everything[facet] + values}:
            alone, _ = ids(setup.member_a, per_page="48", **(args | {facet: candidate}))
            if alone:
                expected[candidate] = len(alone)
        assert shown == expected, facet


def test_a_municipality_slug_that_names_none_matches_nothing(setup):
    """The municipality facet is a list of one-row subqueries (one per slug, for SQLite's choice of index): a slug
    without a municipality is NULL there and must neither match nor widen anything."""
    found, _ = ids(setup.member_a, municipality=["kommune-b", "no-such-place"])
    assert found == [setup.desk.id]
    found, result = ids(setup.member_a, municipality="no-such-place", q="stol")
    assert found == [] and result.total == 0
    found, _ = ids(setup.member_a, municipality=["kommune-a", "kommune-c"], q="stol")  # C: not reachable
    assert set(found) == {setup.chair.id, setup.stack.id}


def test_a_chosen_filter_value_without_matches_stays_visible(setup):
    _found, result = ids(setup.member_a, q="hev senk", condition="worn")
    conditions = {value.value: (value.count, value.selected) for value in result.facets["condition"]}
    assert conditions["worn"] == (0, True)


def test_counts_and_pages_are_answered_from_the_visibility_indexes(setup, app):
    """The speed of search at scale rests on this: under the viewer's visibility condition, the grouped count
    and a page in date order read index entries only, never the item rows (SQLite shows it plainly)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's choice depends on its statistics")
    from marketplace.listings.visibility import visibility_key

    shape = statements.Shape.of(visibility_key(setup.member_b), SearchParams(), services.search_index())
    grouped = statements.grouped(shape, by_unit=False)
    page = statements.page(shape)
    values = statements.values(SearchParams(page=21), LATER, services.search_index(), limit=1000)

    def plan(statement) -> str:
        compiled = statement.compile(db.engine)
        expanded = compiled.construct_expanded_state(compiled.construct_params(values, extracted_parameters=None))
        rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + expanded.statement,
                                                       tuple(expanded.positional_parameters))
        return " | ".join(row[3] for row in rows)

    # The grouped count is of the newest items (the sample of ``statements.grouped``), so it walks the newest-first
    # visibility index; either way, by a covering index of the items, never their rows.
    assert "SEARCH items USING COVERING INDEX ix_items_visibility_newest" in plan(grouped)
    assert "SEARCH items USING COVERING INDEX ix_items_visibility_newest" in plan(page)
    assert not any("items" in step and "COVERING" not in step for step in (plan(grouped) + plan(page)).split(" | "))


def test_a_text_search_reads_the_text_index_once(setup, app):
    """Broad words match tens of thousands of documents at scale: the page, the total and every facet (here
    with two chosen facets and the unit facet) must come from one statement over the text index."""
    with counting_queries(app) as statements:
        found, result = ids(setup.member_a, q="stol", condition="good", municipality="kommune-a")
    assert set(found) == {setup.chair.id, setup.stack.id} and result.total == 2 and "unit" in result.facets
    assert len([statement for statement in statements if "item_search" in statement]) == 1


def test_the_planner_setting_for_text_search_is_put_back(setup):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the setting is PostgreSQL's")
    from sqlalchemy import text

    before = db.session.scalar(text("SHOW enable_seqscan"))
    ids(setup.member_a, q="stol")
    assert db.session.scalar(text("SHOW enable_seqscan")) == before == "on"


@pytest.mark.parametrize("args", [{"q": "stol"}, {"q": "stol", "condition": "good"}, {}, {"group": "furniture"}])
def test_the_total_is_the_same_with_and_without_facets(setup, args):
    params = SearchParams.from_args(MultiDict(args))
    with_facets = services.search(setup.member_a, params, now=LATER)
    without = services.search(setup.member_a, params, now=LATER, with_facets=False)
    assert without.total == with_facets.total == len(with_facets.items) > 0
    assert [item.id for item in without.items] == [item.id for item in with_facets.items]
