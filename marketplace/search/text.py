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


# --- The vocabulary: the words a typo can be corrected to (see ``vocabulary.py`` and ``suggest.py``) -------------

MIN_VOCABULARY_WORD = 3
MIN_VOCABULARY_ENDING = 4  # "stol" of "kontorstol" is a word to suggest; "tol" is too short to mean anything
ORIGINAL_WORD = re.compile(r"[^\W_]+")


def vocabulary(names: list[str | None], details: list[str | None] = ()) -> dict[str, tuple[str, bool]]:
    """The vocabulary entries of an item: folded word → (spelling, whole). Every whole word of three letters
    or more (``whole``), and the endings of four letters or more of the long words in its names, as the text
    index holds them (``stoll`` is corrected to the ending ``stol``, which the search finds in ``kontorstol``).
    The spelling is the word as written, lower-case (``bjørk`` for ``bjork``), so a suggestion reads right;
    endings are spelled from the written word too, where folding kept its letters one for one."""
    entries: dict[str, tuple[str, bool]] = {}
    for parts, with_endings in ((names, True), (details, False)):
        for written in ORIGINAL_WORD.findall(" ".join(part for part in parts if part).lower()):
            folded = words(written)
            if len(folded) != 1:  # folding split it (rare): keep the folded pieces as they are
                for word in folded:
                    _add(entries, word, word, True)
                continue
            word = folded[0]
            spelling = written if len(written) == len(word) else word
            _add(entries, word, spelling, True)
            if with_endings and len(word) >= MIN_WORD_FOR_SUFFIXES and not word.isdigit():
                for start in range(1, len(word) - MIN_VOCABULARY_ENDING + 1):
                    _add(entries, word[start:], spelling[start:], False)
    return entries


def _add(entries: dict[str, tuple[str, bool]], word: str, spelling: str, whole: bool) -> None:
    if len(word) < MIN_VOCABULARY_WORD or len(word) > MAX_TERM_LENGTH or not any(c.isalpha() for c in word):
        return
    if word not in entries or (whole and not entries[word][1]):
        entries[word] = (spelling, whole)


def trigrams(word: str) -> set[str]:
    """The word's trigrams, padded with a space at each end: `stol` → ` st`, `sto`, `tol`, `ol `."""
    padded = f" {word} "
    return {padded[start:start + 3] for start in range(len(padded) - 2)}


def variants(word: str) -> set[str]:
    """The word and every way of leaving out one letter of it: `stol` → `stol`, `tol`, `sol`, `stl`, `sto`.
    Two words share a variant if (and almost only if) they are one edit apart (see ``SearchVariant``)."""
    return {word} | {word[:start] + word[start + 1:] for start in range(len(word))}


def edit_distance(first: str, second: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from one word to the other (optimal string
    alignment): `stoll` → `stol` is 1, `skpa` → `skap` is 1."""
    previous_row = None
    row = list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(second)
        for j, b in enumerate(second, 1):
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + (a != b))
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[-1]
