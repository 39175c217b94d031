"""Bounds on what people type, in one place: ids in URLs and forms, and numbers.

An id is a positive integer the database's integer columns can hold; any other id names nothing, so a URL with
one is a 404 before a view (or the database, which would refuse it with an error) sees it. Numbers are written
in ASCII digits only: Python's ``int`` and ``Decimal`` also read Arabic-Indic or full-width digits ("١٢", "１"),
which nobody types into a quantity on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer
MAX_NUMBER_LENGTH = 20
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")  # no exponent, no other digits


def _at_most(limit: int) -> str:
    """A regular expression for the numbers 1 to ``limit``, written without leading zeros."""
    digits = str(limit)
    options = [f"[1-9][0-9]{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            options.append(f"{digits[:position]}[{lowest}-{int(digit) - 1}][0-9]{{{len(digits) - position - 1}}}")
    return "(?:" + "|".join([*options, digits]) + ")"


class IdConverter(IntegerConverter):
    """Every ``<int:…>`` in a route: the numbers 1 to ``MAX_ID`` in ASCII digits. The path itself must fit, not
    only the converted value, or a URL with another method's rule would answer 405 instead of 404."""

    regex = _at_most(MAX_ID)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def parse_id(text: str | None) -> int | None:
    """An id from a form or query value, or None when the value cannot name a row."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def page_or_first(text: str | None) -> int:
    """A list's page number from the address (``?page=``): the first page when it names none."""
    return parse_id(text) or 1


def parse_ids(values: Iterable[str]) -> list[int]:
    """The ids among form values (a list of checkboxes or hidden fields), leaving out what cannot name a row."""
    return [number for value in values if (number := parse_id(value)) is not None]


def parse_decimal(text: str | None) -> Decimal | None:
    """Read "2,5", "2.5", "1 200" or "1 200,75" (Norwegian spacing); None for blank. Raises ValueError for
    anything else: other digits than ASCII ones, exponents ("1e25"), more characters than any quantity needs."""
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        return None
    if len(text) > MAX_NUMBER_LENGTH or not _NUMBER.fullmatch(text):
        raise ValueError(text)
    return Decimal(text)
