"""Typo-tolerant search: a close spelling is suggested when a search finds few items, never a hidden word."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from marketplace.db import db
from marketplace.listings import services as listings
from marketplace.search import services, suggest, text, vocabulary
from marketplace.search.models import SearchWord
from marketplace.search.services import SearchParams
from tests.conftest import counting_queries
from tests.factories import make_item, make_user

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=30)


@pytest.fixture
def setup(region, catalogue):
    from marketplace.accounts.models import Role

    region.chair = make_item(region.caretaker_a, "office_chair", title="Kontorstol HÅG Capisco", colour="Bjørk",
                             now=T0)
    region.stack = make_item(region.caretaker_a, "stackable_chair", title="Stablestoler til kantina", now=T0)
    region.pupil = make_item(region.caretaker_b, "pupil_chair", title="Elevstoler", now=T0)
    region.desk = make_item(region.caretaker_b, "desk", title="Skrivebord i eik", now=T0)
    # Hidden from members of A and B: another network, a draft, and (until the network stage) A's newest item.
    caretaker_c = make_user("caretaker@c.example", Role.CARETAKER, region.c, region.school_c)
    region.other_network = make_item(caretaker_c, "desk", title="Xylofonbenk", now=T0)
    region.draft = make_item(region.caretaker_a, "desk", title="Pianokrakk", publish=False)
    region.not_yet = make_item(region.caretaker_a, "armchair", title="Gyngehest", now=LATER - timedelta(hours=1))
    db.session.commit()
    return region


def forgiving(user, now=LATER, **args):
    return suggest.search(user, SearchParams.from_args(MultiDict(args)), now=now)


def ids(found) -> list[int]:
    """The ids of the items a search (or a suggestion) shows as cards."""
    return [card.id for card in (found.result if isinstance(found, suggest.Suggestion) else found).items]


@pytest.mark.parametrize("typed, suggested, expected", [
    ("stoll", "stol", {"chair", "stack", "pupil"}),  # an ending of compound words
    ("kontorstl", "kontorstol", {"chair"}),  # a letter left out of a long word
    ("kontrostol", "kontorstol", {"chair"}),  # two letters swapped
    ("bjorkk", "bjørk", {"chair"}),  # folded letters: typed without ø, suggested as written
    ("Skrivebrod", "skrivebord", {"desk"}),
    ("svart kontorstl", None, set()),  # "svart" finds nothing: no correction of it helps
])
def test_a_close_word_is_suggested_with_its_hits(setup, typed, suggested, expected):
    result = forgiving(setup.member_b, q=typed)
    assert result.total == 0 and result.items == []
    if suggested is None:
        assert result.suggestion is None
        return
    assert result.suggestion.q == suggested
    assert result.suggestion.params.q == suggested
    found = {name for name in ("chair", "stack", "pupil", "desk") if getattr(setup, name).id in ids(result.suggestion)}
    assert found == expected
    assert result.suggestion.result.total == len(expected)


def test_the_other_words_and_the_filters_are_kept(setup):
    for number in range(3):  # "hage" finds more than "håg", but "håg" finds something: it is meant
        make_item(setup.caretaker_b, "armchair", title=f"Benk til hage {number}", now=T0)
    db.session.commit()
    result = forgiving(setup.member_b, q="HÅG kontorstl", category="office_chair", condition="good")
    assert result.suggestion.q == "HÅG kontorstol"
    assert result.suggestion.params.categories == ("office_chair",)
    assert result.suggestion.params.conditions == ("good",)
    assert ids(result.suggestion) == [setup.chair.id]
    # With a filter nothing close matches, there is nothing to suggest.
    assert forgiving(setup.member_b, q="kontorstl", category="desk").suggestion is None


def test_few_exact_hits_still_get_a_better_suggestion(setup):
    """A typo that is itself written somewhere (one item) still offers the word that finds more."""
    typo = make_item(setup.caretaker_b, "armchair", title="Stoll fra 1970", now=T0)
    db.session.commit()
    result = forgiving(setup.member_b, q="stoll")
    assert ids(result) == [typo.id] and result.total == 1
    assert result.suggestion.q == "stol"
    assert set(ids(result.suggestion)) == {setup.chair.id, setup.stack.id, setup.pupil.id, typo.id}  # "stol" is a prefix


def test_enough_exact_hits_need_no_suggestion_and_no_extra_statement(setup, app):
    params = SearchParams.from_args(MultiDict({"q": "stol"}))
    services.search(setup.member_b, params, now=LATER)  # warm up: the user's memberships are loaded once
    with counting_queries(app) as plain:
        exact = services.search(setup.member_b, params, now=LATER)
    with counting_queries(app) as forgiven:
        result = suggest.search(setup.member_b, params, now=LATER)
    assert exact.total == result.total == 3
    assert result.suggestion is None
    assert len(forgiven) == len(plain)
    with counting_queries(app) as exact_only:
        services.search(setup.member_b, SearchParams(q="kontorstl"), now=LATER)
    with counting_queries(app) as misspelt:
        assert suggest.search(setup.member_b, SearchParams(q="kontorstl"), now=LATER).suggestion.q == "kontorstol"
    # The candidates, the close matches (which count them too: the closest word is not counted first), their rows
    # with their photos (and on PostgreSQL the planner setting around the close matches' text search, as around
    # every one).
    assert len(misspelt) == len(exact_only) + 3 + (2 if db.engine.dialect.name == "postgresql" else 0)
    assert forgiving(setup.member_b, q="eik").suggestion is None  # one exact hit, and nothing close finds more
    assert forgiving(setup.member_b).suggestion is None  # no words, nothing to correct


@pytest.mark.parametrize("word, typo", [
    ("xylofonbenk", "xylofonbnk"),  # another network's item
    ("pianokrakk", "pianokrkk"),  # a draft
    ("gyngehest", "gyngehst"),  # not yet shared with the network
])
def test_a_word_only_in_hidden_items_is_never_suggested(setup, word, typo):
    assert db.session.get(SearchWord, word) is not None  # the vocabulary knows it: only the check keeps it out
    for user in (setup.member_b, setup.member_c if word != "xylofonbenk" else setup.member_a):
        result = forgiving(user, q=typo)
        assert result.total == 0 and result.suggestion is None
        assert forgiving(user, q=word).total == 0


def test_when_the_closest_word_is_hidden_the_next_close_word_is_suggested(setup, app):
    """The closest candidate of a one-word query is searched at once; when it finds no more than the query (here a
    draft's word), the next ones are counted first and the first that finds more is suggested."""
    shown = make_item(setup.caretaker_b, "desk", title="Pianokraks", now=T0)
    db.session.commit()
    close = [candidate.word for candidate in vocabulary.candidates(db.session, "pianokrakx")]
    assert close[:2] == ["pianokrakk", "pianokraks"]  # the closest is the draft's word
    with counting_queries(app) as statements:
        found = forgiving(setup.member_b, q="pianokrakx")
    assert found.suggestion.q == "pianokraks" and ids(found.suggestion) == [shown.id]
    assert found.suggestion.result.total == 1
    # The query, the candidates, the draft's word searched (nothing), the next word counted, then searched, and
    # its rows; the visibility inputs once (and on PostgreSQL the planner setting around each text search).
    texts = [statement for statement in statements if "item_search" in statement and "MATCH" in statement
             or "@@" in statement]
    assert len(texts) == 4


def test_a_hidden_word_becomes_a_suggestion_once_shared(setup):
    assert forgiving(setup.member_b, q="gyngehst").suggestion is None
    shared_later = LATER + timedelta(days=4)
    assert forgiving(setup.member_b, q="gyngehst", now=shared_later).suggestion.q == "gyngehest"
    assert forgiving(setup.caretaker_a, q="gyngehst").suggestion.q == "gyngehest"  # its own municipality sees it


def test_the_vocabulary_follows_the_items(setup):
    listings.update_item(setup.caretaker_b, setup.desk, _input_of(setup.desk, title="Skrivebord i eik, Kinnarps"))
    db.session.commit()
    assert forgiving(setup.member_b, q="kinarps").suggestion.q == "kinnarps"
    # An ending becomes a whole word when an item is called just that.
    assert db.session.get(SearchWord, "stol").whole is False
    make_item(setup.caretaker_b, "armchair", title="Stol", now=T0)
    db.session.commit()
    assert db.session.get(SearchWord, "stol").whole is True


def _input_of(item, **changes):
    from tests.factories import item_input

    return item_input(item.category.slug, **changes)


def test_candidates_are_ranked_closest_first(setup):
    found = vocabulary.candidates(db.session, "stoll")
    assert found[0].word == "stol" and found[0].distance == 1
    assert all(candidate.distance <= 1 for candidate in found)
    assert [c.word for c in vocabulary.candidates(db.session, "kontorstl")][:1] == ["kontorstol"]
    assert vocabulary.candidates(db.session, "qqqqqq") == []
    assert db.session.scalars(select(SearchWord.word).where(SearchWord.word == "tol")).all() == []  # too short


def test_text_helpers():
    assert text.edit_distance("stoll", "stol") == 1
    assert text.edit_distance("skpa", "skap") == 1
    assert text.edit_distance("kontorstl", "kontorstol") == 1
    assert text.edit_distance("", "ab") == 2
    assert text.trigrams("stol") == {" st", "sto", "tol", "ol "}
    assert text.variants("stol") == {"stol", "tol", "sol", "stl", "sto"}
    # One edit apart, whatever the edit: the two words share a variant.
    for typed, meant in (("stoll", "stol"), ("stl", "stol"), ("stpl", "stol"), ("sotl", "stol")):
        assert text.variants(typed) & text.variants(meant)
    entries = text.vocabulary(["Kontorstol, Bjørk", "HÅG"], ["én stol per pult"])
    assert entries["bjork"] == ("bjørk", True) and entries["hag"] == ("håg", True)
    assert entries["stol"] == ("stol", True) and entries["torstol"] == ("torstol", False)
    assert "en" not in entries and "tol" not in entries
    assert "torstol" not in text.vocabulary([], ["Kontorstol"])  # free text: whole words only
