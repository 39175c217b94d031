"""Search that forgives typos: when a search finds few items, a close spelling that finds more is suggested
("Mente du «kontorstol»?") and its first hits are shown, marked as hits for another word.

A one-word query is corrected to the closest word of the vocabulary (``vocabulary.candidates``) that finds
more items than it; in a longer query, each word that finds nothing on its own is corrected to the closest one
that finds something; always counted by the real search under the viewer's visibility and the search's
filters. The vocabulary holds the words of every item, hidden ones too, so it only proposes: a word is
suggested only if this viewer's own search finds it, and a word of items the viewer cannot see is skipped like
a word that does not exist. A search with enough exact hits costs nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from marketplace.accounts.models import User
from marketplace.db import db, utcnow
from marketplace.listings.visibility import Plan, visibility_key
from marketplace.search import services, text, vocabulary
from marketplace.search.services import SearchParams, SearchResult

FEW_HITS = 3  # fewer exact hits than this, and close spellings are tried
MAX_WORDS_CORRECTED = 3  # the first words of a long query; the rest are kept as written
MAX_TRIED = 5  # close words tried per word, the closest first
SIMILAR_PER_PAGE = 12


@dataclass(frozen=True)
class Suggestion:
    q: str  # the query with the corrected words, as it reads ("kontorstol", "bjørk")
    params: SearchParams  # the search with it, every filter kept: the "Mente du …?" link
    result: SearchResult  # its first hits, without facets


def search(user: User, params: SearchParams, *, locale: str = "nb", now: datetime | None = None) -> SearchResult:
    """``services.search`` with facets and its items read as cards, and when it finds fewer than ``FEW_HITS`` items
    for a text query, a ``Suggestion`` in ``result.suggestion`` (or None)."""
    now = now or utcnow()
    key = visibility_key(user)  # found once, for the search and the suggestion's searches alike
    result = services.search(user, params, locale=locale, now=now, key=key, cards=True)
    if result.total < FEW_HITS and text.query_terms(params.q):
        result.suggestion = suggestion(user, params, result.total, now, key)
    return result


def suggestion(user: User, params: SearchParams, exact_total: int, now: datetime,
               key: Plan | bool) -> Suggestion | None:
    """The corrected search for ``params`` if one finds more than ``exact_total`` items for ``user``, who sees
    ``key`` (what they see: ``visibility_key``)."""
    query_words = list(dict.fromkeys(text.words(params.q)))[: text.MAX_QUERY_TERMS]
    if len(query_words) == 1:
        return _one_word(user, params, query_words[0], exact_total, now, key)
    corrections: dict[str, vocabulary.Candidate] = {}
    for word in [word for word in query_words if _correctable(word)][:MAX_WORDS_CORRECTED]:
        if _hits(key, params, word, now):
            continue  # a word of a longer query that finds something alone is meant as written
        for candidate in _candidates(word):
            if _hits(key, params, candidate.word, now):
                corrections[word] = candidate
                break
    return _similar(user, params, corrections, exact_total, now, key) if corrections else None


def _one_word(user: User, params: SearchParams, word: str, exact_total: int, now: datetime,
              key: Plan | bool) -> Suggestion | None:
    """A one-word query finds what the word alone finds, so a candidate is the correction if it finds more than
    ``exact_total``. The closest is searched at once: the search that shows its first hits counts them too, and
    the closest mostly finds more (one statement fewer than counting it first). The others, tried only when it
    does not, are counted first (``_hits``): a miss costs less to count than to search."""
    if not _correctable(word):
        return None
    for number, candidate in enumerate(_candidates(word)):
        if number and _hits(key, params, candidate.word, now) <= exact_total:
            continue
        similar = _similar(user, params, {word: candidate}, exact_total, now, key)
        if similar is not None or number:
            return similar
    return None


def _candidates(word: str) -> list[vocabulary.Candidate]:
    """The closest ``MAX_TRIED`` words of the vocabulary, ``word`` itself left out."""
    return [candidate for candidate in vocabulary.candidates(db.session, word) if candidate.word != word][:MAX_TRIED]


def _similar(user: User, params: SearchParams, corrections: dict[str, vocabulary.Candidate], exact_total: int,
             now: datetime, key: Plan | bool) -> Suggestion | None:
    """The search with ``corrections``, its first hits shown, if it finds more than ``exact_total`` items."""
    corrected = replace(params, q=_rewrite(params.q, corrections), page=1)
    similar = services.search(user, replace(corrected, per_page=SIMILAR_PER_PAGE), now=now, with_facets=False,
                              key=key, cards=True)
    if similar.total <= exact_total:
        return None
    return Suggestion(q=corrected.q, params=corrected, result=similar)


def _correctable(word: str) -> bool:
    return len(word) >= text.MIN_VOCABULARY_WORD and any(char.isalpha() for char in word)


def _hits(key: Plan | bool, params: SearchParams, word: str, now: datetime) -> int:
    """How many items (up to ``FEW_HITS``) the viewer finds for ``word`` alone with the search's filters."""
    return services.count_matching(key, replace(params, q=word), now, FEW_HITS)


def _rewrite(query: str, corrections: dict[str, vocabulary.Candidate]) -> str:
    """The query as written, each corrected word replaced by its correction's spelling."""
    written = text.ORIGINAL_WORD.findall(query)
    return " ".join(
        corrections[folded[0]].spelling if len(folded := text.words(token)) == 1 and folded[0] in corrections
        else token for token in written)
