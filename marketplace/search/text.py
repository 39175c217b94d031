"""How Norwegian text becomes search terms, the same way for documents and queries on every engine.

- Case and diacritics are folded, so `bjork` finds `bjørk`, `pa` finds `på`, `SKAP` finds `skap`.
- Every word of six letters or more is also indexed by its endings, so the last part of a compound word
  is found on its own: `stol` finds `kontorstol`, `bord` finds `skrivebord`.
- Query words match as prefixes (`stabl` finds `stablestol`) after common Norwegian inflection endings are
  taken off (`stoler` finds `stol`).
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "ð": "d", "þ": "th"})
_WORD = re.compile(r"[a-z0-9]+")
MIN_SUFFIX = 3  # the shortest ending indexed on its own ("pc" is short, but whole words are always kept)
MIN_WORD_FOR_SUFFIXES = 6
MAX_QUERY_TERMS = 8
MAX_TERM_LENGTH = 40
_ENDINGS = ("ene", "ane", "er", "en", "et", "ar", "a", "e")  # plural and definite forms


def fold(text: str) -> str:
    """Lower-case, Norwegian letters spelled out in ASCII, other accents removed."""
    text = (text or "").lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def document(names: list[str | None], details: list[str | None] = ()) -> str:
    """The text to index for an item: every word, and the endings of the long words in its names (title,
    category, brand, model, colour). Free text in ``details`` is indexed by whole words only, to keep the
    index small."""
    tokens: list[str] = []
    seen: set[str] = set()
    candidates_by_word = [
        [word] + ([word[start:] for start in range(1, len(word) - MIN_SUFFIX + 1)]
                  if len(word) >= MIN_WORD_FOR_SUFFIXES and not word.isdigit() else [])
        for word in words(" ".join(part for part in names if part))
    ] + [[word] for word in words(" ".join(part for part in details if part))]
    for candidates in candidates_by_word:
        for token in candidates:
            if token not in seen:
                seen.add(token)
                tokens.append(token)
    return " ".join(tokens)


def stem(word: str) -> str:
    """Take off a plural or definite ending, keeping at least three letters: stoler → stol, bordene → bord."""
    if word.isdigit():
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def query_terms(text: str) -> list[str]:
    """The prefix terms of a query: folded, stemmed, bounded in number and length, never syntax."""
    terms: list[str] = []
    for word in words(text)[: MAX_QUERY_TERMS * 2]:
        if len(word) < 2 and not word.isdigit():
            continue  # one letter would match nearly everything, slowly: it narrows nothing
        term = stem(word)[:MAX_TERM_LENGTH]
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_QUERY_TERMS]
