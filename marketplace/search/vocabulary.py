"""The vocabulary of the text index: the distinct words it has been given, and their one-edit variants.

Kept up to date where the text index is (``services.index_item``, in the item's transaction), filled for the
items there were by migration 0022, and read only to correct a misspelt query word (``suggest.py``): its own
variants find the words one edit away from it through the primary key of ``search_variants`` (a few key
lookups, each listing a few words, however large the vocabulary), and Python ranks those few. The vocabulary
only grows (a word of a deleted item stays): it says which words exist somewhere, never what a viewer may see;
a suggestion is always checked by a real search.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketplace.search import text
from marketplace.search.models import SearchVariant, SearchWord

MAX_DISTANCE = 1  # one edit: a letter added, left out or changed, or two neighbours swapped
MAX_CANDIDATES = 200  # a bound only: a misspelt word has a handful of neighbours


@dataclass(frozen=True)
class Candidate:
    word: str  # folded
    spelling: str
    distance: int


def add(session: Session, entries: dict[str, tuple[str, bool]]) -> None:
    """Add the words of ``entries`` (``text.vocabulary``) that are new, with their variants. Known words cost
    one lookup for all of them; new ones two inserts, which leave alone a word another transaction adds."""
    if not entries:
        return
    known = dict(session.execute(
        select(SearchWord.word, SearchWord.whole).where(SearchWord.word.in_(sorted(entries)))).all())
    now_whole = sorted(word for word, (_spelling, whole) in entries.items() if whole and known.get(word) is False)
    if now_whole:  # an ending until now, and now a word of its own
        session.execute(update(SearchWord).where(SearchWord.word.in_(now_whole)).values(whole=True))
    new = sorted(word for word in entries if word not in known)  # in key order, so two writers lock alike
    if not new:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(SearchWord).on_conflict_do_nothing(),
                    [{"word": word, "spelling": entries[word][0], "whole": entries[word][1]} for word in new])
    session.execute(insert(SearchVariant).on_conflict_do_nothing(), sorted(
        ({"variant": variant, "word": word} for word in new for variant in text.variants(word)),
        key=lambda row: (row["variant"], row["word"])))


def merge(entries: dict[str, tuple[str, bool]], more: dict[str, tuple[str, bool]]) -> None:
    """Add ``more`` to ``entries`` (both as ``text.vocabulary`` gives them): the first spelling stays, and an
    ending seen as a whole word becomes one."""
    for word, (spelling, whole) in more.items():
        if word not in entries or (whole and not entries[word][1]):
            entries[word] = (spelling, whole)


def add_all(session: Session, entries: dict[str, tuple[str, bool]], batch: int = 500) -> None:
    """``add`` for a large vocabulary (a bulk load), a batch of words at a time."""
    words = sorted(entries)
    for start in range(0, len(words), batch):
        add(session, {word: entries[word] for word in words[start:start + batch]})


def candidates(session: Session, word: str) -> list[Candidate]:
    """The vocabulary's words within ``MAX_DISTANCE`` of ``word`` (folded), the closest first: by edit
    distance, whole words before endings, more trigrams in common, then alphabetically — the same order on both
    engines. ``word`` itself is among them if the vocabulary has it."""
    close = (select(SearchVariant.word).where(SearchVariant.variant.in_(sorted(text.variants(word))))
             .distinct().order_by(SearchVariant.word).limit(MAX_CANDIDATES).subquery("close"))
    rows = session.execute(select(SearchWord.word, SearchWord.spelling, SearchWord.whole)
                           .join(close, close.c.word == SearchWord.word)).all()
    grams = text.trigrams(word)
    found = []
    for found_word, spelling, whole in rows:
        edits = text.edit_distance(word, found_word)
        if edits <= MAX_DISTANCE:
            theirs = text.trigrams(found_word)
            similarity = len(grams & theirs) / len(grams | theirs)
            found.append(((edits, not whole, -similarity, found_word), Candidate(found_word, spelling, edits)))
    return [candidate for _key, candidate in sorted(found, key=lambda pair: pair[0])]
