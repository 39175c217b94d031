"""PostgreSQL's text index stores each document without its positions (migration 0035): narrower rows for a
word's matches to be read from, the same matches, and a one-word query ranked as with the positions. A national
market's matches are not narrowed by municipality."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from werkzeug.datastructures import MultiDict

from marketplace.db import db
from marketplace.search import index, services
from marketplace.search.services import SearchParams
from marketplace.search.text import query_terms
from tests.conftest import counting_queries
from tests.factories import make_item

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)
ONE_WORD = ["stol", "stabl", "kontor", "bord", "hjul", "stoler", "sk", "160"]
SEVERAL_WORDS = ["hev senk", "pa hjul", "stol kantina", "svart stol", "bord 160"]


@pytest.fixture
def indexed(region, catalogue, monkeypatch):
    """Items saved through the service, with the text each was indexed from."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL's text index is a tsvector")
    documents = {}
    save = index.SearchIndex.save

    def recording(self, session, item_id, document):
        documents[item_id] = document
        save(self, session, item_id, document)

    monkeypatch.setattr(index.SearchIndex, "save", recording)
    make_item(region.caretaker_a, "office_chair", title="Kontorstol, stolpe og stol", colour="Svart", now=T0)
    make_item(region.caretaker_a, "stackable_chair", title="Stablestoler til kantina", now=T0 + timedelta(hours=1))
    make_item(region.caretaker_b, "sit_stand_desk", title="Hev/senk-skrivebord 160 cm",
              description="Elektrisk, på hjul", now=T0 + timedelta(hours=2))
    make_item(region.caretaker_b, "desk", title="Skrivebord", description="Hjul og hev senk", publish=False)
    db.session.commit()
    return documents


def test_a_document_is_stored_with_every_word_and_ending_and_no_positions(indexed):
    for item_id, document in indexed.items():
        stored, stripped, positions = db.session.execute(text(
            "SELECT document::text, document = strip(to_tsvector('simple', :text)), "
            "document::text LIKE '%'':%' FROM item_search WHERE item_id = :id"),
            {"id": item_id, "text": document}).one()
        assert stripped and not positions, stored
        assert set(document.split()) == {word.strip("'") for word in stored.split()}


@pytest.mark.parametrize("query", ONE_WORD + SEVERAL_WORDS)
def test_the_same_documents_match(indexed, query):
    tsquery = " & ".join(f"{term}:*" for term in query_terms(query))
    for item_id, document in indexed.items():
        stored, positioned = db.session.execute(text(
            "SELECT document @@ to_tsquery('simple', :query), "
            "to_tsvector('simple', :text) @@ to_tsquery('simple', :query) FROM item_search WHERE item_id = :id"),
            {"id": item_id, "text": document, "query": tsquery}).one()
        assert stored == positioned, (query, document)


@pytest.mark.parametrize("query", ONE_WORD)
def test_a_one_word_query_ranks_each_document_as_with_its_positions(indexed, query):
    """A document holds each word and ending once (``text.document``), so its one position counted as a
    stripped word counts: ``ts_rank`` is the same, and so is the order by relevance."""
    tsquery = f"{query_terms(query)[0]}:*"
    matched = 0
    for item_id, document in indexed.items():
        stored, positioned = db.session.execute(text(
            "SELECT ts_rank(document, to_tsquery('simple', :query)), "
            "ts_rank(to_tsvector('simple', :text), to_tsquery('simple', :query)) FROM item_search "
            "WHERE item_id = :id"), {"id": item_id, "text": document, "query": tsquery}).one()
        assert stored == positioned, (query, document)
        matched += stored > 1e-10
    assert matched  # every query finds something here, so the ranks compared are not all "no match"


@pytest.mark.parametrize("reach, regional", [(100, True), (0, False)])
def test_only_a_regional_market_narrows_the_text_index_by_municipality(indexed, region, app, monkeypatch, reach,
                                                                        regional):
    """A regional viewer's matches are narrowed to their municipalities in the text index; a national viewer's
    are not (their municipalities are nearly all: a bitmap of every document), and their windowed statement is
    not compiled (JIT). Either way the visible matches are the same (the visibility join decides)."""
    monkeypatch.setattr(index, "WINDOWED_REACH", reach)
    with counting_queries(app) as statements:
        result = services.search(region.member_a, SearchParams.from_args(MultiDict({"q": "stol"})),
                                 now=T0 + timedelta(days=30))
    searched = [statement for statement in statements if "to_tsquery" in statement]
    assert len(searched) == 1
    assert ("item_search.municipality_id IN" in searched[0]) == regional
    assert any("set_config('jit', 'off', true)" in statement for statement in statements) != regional
    assert len(result.items) == 2  # both chairs of A (the desk and the draft are no "stol")
