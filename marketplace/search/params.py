"""A search as asked for: what the search page's URL and the API's query parameters say, read forgivingly."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from marketplace.inputs import MAX_ID
from marketplace.listings.models import CategoryGroup, Condition, ItemOffer

SORTS = ("relevance", "newest", "quantity")
PER_PAGE_CHOICES = (12, 24, 48)
MAX_PAGE = 10_000
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    group: str = ""
    categories: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    unit: int | None = None
    location: int | None = None  # the pickup location or store where the items stand
    available_now: bool = False
    offer: str = ""  # "lend": only items lent out (and returned); "give": only those given away
    min_quantity: Decimal | None = None
    sort: str = ""
    page: int = 1
    per_page: int = 24
    ignored: tuple[str, ...] = field(default=(), compare=False)  # parameters that made no sense

    @classmethod
    def from_args(cls, args) -> SearchParams:
        """Read a search from URL parameters; nonsense is ignored (and listed), never an error."""
        ignored: list[str] = []

        def one_of(name: str, allowed) -> str:
            value = (args.get(name) or "").strip()
            if value and value not in allowed:
                ignored.append(name)
                return ""
            return value

        def many(name: str, allowed=None) -> tuple[str, ...]:
            values = [value.strip() for value in args.getlist(name) if value.strip()][:50]
            kept = tuple(dict.fromkeys(v for v in values if allowed is None or v in allowed))
            if len(kept) < len(set(values)):
                ignored.append(name)
            return kept

        def number(name: str, cast, low, high, default):
            raw = (args.get(name) or "").strip().replace(",", ".")
            if not raw:
                return default
            try:
                if not raw.isascii():  # int() and Decimal() would read other scripts' digits too
                    raise ValueError(raw)
                value = cast(raw)
            except (ValueError, InvalidOperation):
                ignored.append(name)
                return default
            if not value == value or value < low:  # NaN or too small
                ignored.append(name)
                return default
            return min(value, high)

        per_page = number("per_page", int, 1, max(PER_PAGE_CHOICES), 24)
        return cls(
            q=(args.get("q") or "")[:MAX_QUERY_LENGTH].strip(),
            group=one_of("group", {group.value for group in CategoryGroup}),
            categories=many("category"),
            conditions=many("condition", {condition.value for condition in Condition}),
            municipalities=many("municipality"),
            unit=number("unit", int, 1, MAX_ID, None),
            location=number("location", int, 1, MAX_ID, None),
            available_now=(args.get("available") or "") in {"1", "on", "true", "yes"},
            offer=one_of("offer", {offer.value for offer in ItemOffer}),
            min_quantity=number("min_quantity", Decimal, Decimal(0), Decimal(10**9), None),
            sort=one_of("sort", SORTS),
            page=number("page", int, 1, MAX_PAGE, 1),
            per_page=min(PER_PAGE_CHOICES, key=lambda choice: abs(choice - per_page)),
            ignored=tuple(ignored),
        )

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """URL parameters for this search with ``changes``; the page goes back to 1 unless given."""
        params = replace(self, **({"page": 1} | changes))
        args: dict[str, Any] = {
            "q": params.q or None, "group": params.group or None, "category": list(params.categories) or None,
            "condition": list(params.conditions) or None, "municipality": list(params.municipalities) or None,
            "unit": params.unit, "location": params.location, "available": "1" if params.available_now else None,
            "offer": params.offer or None,
            "min_quantity": format(params.min_quantity.normalize(), "f") if params.min_quantity else None,
            "sort": params.sort or None, "page": params.page if params.page > 1 else None,
            "per_page": params.per_page if params.per_page != 24 else None,
        }
        return {key: value for key, value in args.items() if value is not None}

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.group or self.categories or self.conditions or self.municipalities
                    or self.unit or self.location or self.available_now or self.offer or self.min_quantity)
