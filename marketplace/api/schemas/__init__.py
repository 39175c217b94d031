"""The shapes of API v1, by domain: every request body and query is validated by these Pydantic models, and the
OpenAPI document is generated from the very same models (marketplace/api/openapi.py), so the two cannot drift
apart. ``common`` holds the conventions every domain's shapes are built from.

Conventions (also in docs/api.md):
- Decimal amounts (quantities, kg, kg CO2e, NOK) are sent back as JSON *strings* in plain decimal notation,
  so nothing is lost to binary floating point: quantities without trailing zeros ("24", "2.5"), report
  figures at their stored scale ("123.450" kg, "1999.00" NOK). In requests, a number or a string is accepted.
- Times are ISO 8601 in UTC ("2026-11-28T10:15:00Z"); times sent in must carry a UTC offset.
- Request bodies refuse unknown fields (422), so a misspelt or forbidden field (``municipality_id``,
  ``quantity_available``, ``status`` outside creation) is never silently ignored.
"""
