"""The building blocks of every domain's shapes: bodies, queries and pages; decimals, times and bounded text;
the references and the error answer the domains share."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema,
                      field_validator)

from marketplace.inputs import MAX_ID
from marketplace.listings.models import CategoryGroup, MeasureUnit

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

GroupValue = Literal[tuple(group.value for group in CategoryGroup)]  # type: ignore[valid-type]
MeasureValue = Literal[tuple(unit.value for unit in MeasureUnit)]  # type: ignore[valid-type]

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _decimal_input(maximum: int, places: int, *, minimum_exclusive: bool) -> Any:
    """A decimal accepted as a JSON number or a string, with the documented bounds."""
    low = {"exclusiveMinimum": 0} if minimum_exclusive else {"minimum": 0}
    pattern = rf"^[0-9]{{1,{len(str(maximum))}}}(\.[0-9]{{1,{places}}})?$"
    bounds = {"gt": 0} if minimum_exclusive else {"ge": 0}

    def as_documented(value: Any) -> Any:
        # Decimal() also reads other scripts' digits ("１") and exponents; a string must be what the pattern says.
        if isinstance(value, str) and not re.fullmatch(pattern, value):
            raise ValueError(f"Write the number as digits 0-9 with at most {places} decimals after a point.")
        return value

    return Annotated[
        Decimal,
        BeforeValidator(as_documented),
        Field(le=maximum, max_digits=len(str(maximum)) + places, decimal_places=places, **bounds),
        WithJsonSchema({"anyOf": [{"type": "number", **low, "maximum": maximum},
                                  {"type": "string", "pattern": pattern}],
                        "description": f"A decimal number (JSON number or string), at most {places} decimals."}),
    ]


Quantity = _decimal_input(1_000_000, 3, minimum_exclusive=True)
Figure = _decimal_input(100_000_000, 3, minimum_exclusive=False)
DecimalString = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["24", "12.500"],
                                     description="A decimal number as a string (exact; no binary rounding).")]


def _in_range(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    if not EARLIEST <= moment < LATEST:
        raise ValueError("Give a time between the years 2000 and 2099.")
    return moment


def _date_in_range(day: date) -> date:
    if not EARLIEST.date() <= day < LATEST.date():
        raise ValueError("Give a date between the years 2000 and 2099.")
    return day


Moment = Annotated[AwareDatetime, AfterValidator(_in_range)]
Day = Annotated[date, AfterValidator(_date_in_range)]


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
