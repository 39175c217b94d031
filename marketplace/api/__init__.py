"""JSON API v1: bearer tokens, the same services as the web pages, and an OpenAPI document generated from the
Pydantic models that validate every request (see docs/api.md)."""
