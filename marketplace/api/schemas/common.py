"""The building blocks of every domain's shapes: bodies, queries and pages; decimals, times and bounded text;
the references and the error answer the domains share."""

from __future__ import annotations

import re
from datetime import UTC, date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, Strict,
                      WithJsonSchema, field_validator)

from marketplace.inputs import MAX_ID
from marketplace.listings.models import CategoryGroup, MeasureUnit

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20

GroupValue = Literal[tuple(group.value for group in CategoryGroup)]  # type: ignore[valid-type]
MeasureValue = Literal[tuple(unit.value for unit in MeasureUnit)]  # type: ignore[valid-type]


def _json_integer(value: Any) -> Any:
    # JSON has no integer type, only numbers: 7 and 7.0 are the same number. A string or a boolean is not one
    # (Pydantic would read "7" and true as 7 and 1).
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("Give a whole number.")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_json_integer)]
WholeNumber = BeforeValidator(_json_integer)  # for other integer fields: 7 and 7.0, not "7" nor true
Flag = Annotated[bool, Strict()]  # true or false only: not 0, 1, "yes" nor "true"


def _decimal_pattern(maximum: int, places: int, *, positive: bool) -> str:
    """A regular expression for the decimals from 0 (or just above it) to ``maximum``, a power of ten: no
    leading zeros, at most ``places`` decimals, so every string it matches is a value the bounds accept."""
    digits = len(str(maximum)) - 1
    assert maximum == 10**digits, "the pattern is written for a power of ten"
    fraction = rf"(\.[0-9]{{1,{places}}})?"
    some_thousandths = "|".join("0" * zeros + "[1-9]" + (f"[0-9]{{0,{rest}}}" if (rest := places - 1 - zeros)
                                                         else "")
                                for zeros in range(places))  # 0.5, 0.05, 0.005: not all zeros
    below_one = rf"0\.({some_thousandths})" if positive else f"0{fraction}"
    return rf"^([1-9][0-9]{{0,{digits - 1}}}{fraction}|{maximum}(\.0{{1,{places}}})?|{below_one})$"


def decimal_input(maximum: int, places: int, *, minimum_exclusive: bool) -> Any:
    """A decimal accepted as a JSON number or a string, with the documented bounds: the number's and the
    string's are the same, so whatever the document allows is accepted (MeasureUnit.quantity_problem then
    applies a category's own rule, such as whole pieces)."""
    low = {"exclusiveMinimum": 0} if minimum_exclusive else {"minimum": 0}
    pattern = _decimal_pattern(maximum, places, positive=minimum_exclusive)
    bounds = {"gt": 0} if minimum_exclusive else {"ge": 0}

    def as_documented(value: Any) -> Any:
        # Decimal() also reads other scripts' digits ("１") and exponents; a string must be what the pattern says.
        if isinstance(value, str) and not re.fullmatch(pattern, value):
            raise ValueError(f"Write a number {'above' if minimum_exclusive else 'from'} 0 up to {maximum} in "
                             f"digits 0-9, without leading zeros, with at most {places} decimals after a point.")
        return value

    return Annotated[
        Decimal,
        BeforeValidator(as_documented),
        Field(le=maximum, max_digits=len(str(maximum)) + places, decimal_places=places, **bounds),
        WithJsonSchema({"anyOf": [{"type": "number", **low, "maximum": maximum, "multipleOf": 10**-places},
                                  {"type": "string", "pattern": pattern}],
                        "description": f"A decimal number (JSON number or string), at most {places} decimals."}),
    ]


Quantity = decimal_input(1_000_000, 3, minimum_exclusive=True)
Figure = decimal_input(100_000_000, 3, minimum_exclusive=False)
DecimalString = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["24", "12.500"],
                                     description="A decimal number as a string (exact; no binary rounding).")]


# RFC 3339, as the document's formats say, in the years 2000 to 2099 (Pydantic alone also reads Unix seconds,
# a space for the T, "+0100", a date-time as a date); the year as written, so the pattern tells it exactly.
DAY_PATTERN = r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}$"
MOMENT_PATTERN = (r"^20[0-9]{2}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                  r"([Zz]|[+-][0-9]{2}:[0-9]{2})$")


def _written_as(pattern: str, example: str) -> Any:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise ValueError(f"Write it as {example}, in the years 2000 to 2099.")
        return value

    return BeforeValidator(check)


Moment = Annotated[AwareDatetime, _written_as(MOMENT_PATTERN, "2026-12-01T09:00:00+01:00"),
                   AfterValidator(lambda moment: moment.astimezone(UTC)),
                   WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN})]
Day = Annotated[date, _written_as(DAY_PATTERN, "2026-12-01"),
                WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN})]


def text(max_length: int, *, min_length: int = 0, **extra: Any) -> Any:
    return Annotated[str, Field(min_length=min_length, max_length=max_length, **extra)]


# --- Requests -------------------------------------------------------------------------------------------

class Body(BaseModel):
    """A JSON request body: unknown fields are refused, text must be clean Unicode without NUL characters
    (PostgreSQL stores neither)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("Text may not contain NUL characters.")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ValueError("Text must be valid Unicode.") from error
        return value


class Query(BaseModel):
    """URL query parameters. Unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Page(Query):
    page: Annotated[int, Field(ge=1, le=10_000, description="Page number, from 1.")] = 1
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE, description=f"Results per page, 1–{MAX_PER_PAGE}.")] = \
        DEFAULT_PER_PAGE


# --- Responses ------------------------------------------------------------------------------------------

class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MunicipalityRef(Out):
    slug: str
    name: str


class OrganisationRef(Out):
    slug: str
    name: str
    kind: Literal["municipality", "partner"]


class ErrorDetail(Out):
    code: str = Field(description="A stable machine-readable code, e.g. `validation_failed`, "
                                  "`insufficient_quantity`.")
    message: str = Field(description="A sentence fit to show a person, in the caller's language.")
    fields: dict[str, str] = Field(default={}, description="Per input field (dotted path), what is wrong.")
    request_id: str = Field(description="This request's id, also sent as the `X-Request-ID` header and written "
                                        "in the server's log: quote it when reporting a problem.")


class Error(Out):
    error: ErrorDetail
