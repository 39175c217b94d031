"""The vocabulary of the text index: the distinct words it has been given, and their trigrams.

Kept up to date where the text index is (``services.index_item``, in the item's transaction), filled for the
items there were by migration 0019, and read only to correct a misspelt query word (``suggest.py``): its
trigrams find the few words close to it through the primary key of ``search_trigrams``, on either engine, and
Python ranks those few by edit distance. The vocabulary only grows (a word of a deleted item stays): it says
which words exist somewhere, never what a viewer may see; a suggestion is always checked by a real search.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketplace.search import text
from marketplace.search.models import SearchTrigram, SearchWord

MAX_CANDIDATES = 40  # words read per misspelt word, those sharing most trigrams first; Python ranks them


@dataclass(frozen=True)
class Candidate:
    word: str  # folded
    spelling: str
    distance: int


def add(session: Session, entries: dict[str, tuple[str, bool]]) -> None:
    """Add the words of ``entries`` (``text.vocabulary``) that are new, with their trigrams. Known words cost
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
    session.execute(insert(SearchTrigram).on_conflict_do_nothing(), sorted(
        ({"trigram": trigram, "length": len(word), "word": word} for word in new for trigram in text.trigrams(word)),
        key=lambda row: (row["trigram"], row["length"], row["word"])))


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


def max_distance(word: str) -> int:
    """How many edits a word may be away from what was meant: one in a short word, two in a long one."""
    return 1 if len(word) < 8 else 2


def candidates(session: Session, word: str) -> list[Candidate]:
    """The vocabulary's words within ``max_distance`` edits of ``word`` (folded), the closest first (whole words
    before endings, then the more trigrams in common, then alphabetically): the same order on both engines."""
    distance = max_distance(word)
    grams = text.trigrams(word)
    # An edit changes at most three of a word's trigrams (four for a swap), so a word within ``distance`` edits
    # shares at least this many with it; the length can differ by at most ``distance`` letters.
    least = max(1, len(grams) - 3 * distance - 1)
    shared = func.count().label("shared")
    close = (select(SearchTrigram.word, shared)
             .where(SearchTrigram.trigram.in_(sorted(grams)),
                    SearchTrigram.length.between(len(word) - distance, len(word) + distance))
             .group_by(SearchTrigram.word).having(func.count() >= least)
             .order_by(shared.desc(), SearchTrigram.word).limit(MAX_CANDIDATES).subquery("close"))
    rows = session.execute(select(SearchWord.word, SearchWord.spelling, SearchWord.whole, close.c.shared)
                           .join(close, close.c.word == SearchWord.word)).all()
    found = []
    for found_word, spelling, whole, common in rows:
        edits = text.edit_distance(word, found_word)
        if edits <= distance:
            similarity = common / len(grams | text.trigrams(found_word))
            found.append(((edits, not whole, -similarity, found_word), Candidate(found_word, spelling, edits)))
    return [candidate for _key, candidate in sorted(found, key=lambda pair: pair[0])]
