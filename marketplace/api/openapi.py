"""The OpenAPI 3.1 document, assembled from the registered operations and the Pydantic models they validate
with. Nothing here is written by hand but the prose: every schema is ``model_json_schema`` of a model that
also checks the requests (or shapes the responses), so the document and the behaviour cannot disagree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from marketplace.api.schemas.common import MAX_ID, Error

_PATH_PARAMETER = re.compile(r"{(\w+)}")
JSON = "application/json"
MULTIPART = "multipart/form-data"

ERROR_DESCRIPTIONS = {
    400: "The request is malformed: a query parameter is invalid, the body is not JSON, or text contains NUL.",
    401: "No valid token: missing, malformed, unknown or revoked, or its user is deactivated.",
    403: "The caller may see this but not do it.",
    404: "Not found, or not visible to the caller (the two are never told apart).",
    409: "Not possible in the current state (`conflict`), or not enough available (`insufficient_quantity`).",
    413: "The upload is too large.",
    415: "The body has the wrong media type.",
    422: "The body does not match the schema (unknown fields included), or breaks a rule; see `fields`.",
    429: "Too many requests with this token; wait `Retry-After` seconds.",
    503: "The database is briefly unavailable (`database_unavailable`), or a photo cannot be stored because the "
         "server's storage is full or not writable (`storage_unavailable`); nothing was stored. Try again after "
         "`Retry-After` seconds.",
}


@dataclass
class Operation:
    method: str
    path: str  # OpenAPI style: /items/{item_id}
    endpoint: str
    summary: str
    description: str
    tag: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_media: str = JSON
    body_required: bool = True
    responses: dict[int, tuple[type[BaseModel] | None, str]] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    public: bool = False
    media: str = JSON  # of the success response

    @property
    def path_parameters(self) -> list[str]:
        return _PATH_PARAMETER.findall(self.path)

    @property
    def flask_rule(self) -> str:
        return _PATH_PARAMETER.sub(lambda match: f"<int(min=1, max={MAX_ID}):{match.group(1)}>", self.path)

    @property
    def error_statuses(self) -> list[int]:
        statuses = set(self.errors)
        if not self.public:
            statuses |= {401, 429, 503}  # 503: every token is looked up in the database
        if self.path_parameters:
            statuses.add(404)
        if self.query is not None:
            statuses.add(400)
        if self.body is not None:
            statuses |= {400, 413, 415, 422}
        return sorted(statuses)


@dataclass
class Registry:
    prefix: str
    operations: list[Operation] = field(default_factory=list)

    def route(self, blueprint, method: str, path: str, *, summary: str, tag: str,
              responses: dict[int, tuple[type[BaseModel] | None, str]], **options: Any) -> Callable:
        """Register a view as an API operation and as a Flask route of ``blueprint``."""

        def decorator(view: Callable) -> Callable:
            description = (view.__doc__ or "").strip()
            operation = Operation(method=method, path=path, endpoint=f"{blueprint.name}.{view.__name__}",
                                  summary=summary, description=description, tag=tag, responses=responses,
                                  **options)
            self.operations.append(operation)
            blueprint.add_url_rule(operation.flask_rule, view_func=view, methods=[method])
            return view

        return decorator

    def document(self, *, title: str, version: str, description: str, server_url: str) -> dict[str, Any]:
        inputs: list[type[BaseModel]] = []
        outputs: list[type[BaseModel]] = [Error]
        for operation in self.operations:
            inputs += [model for model in (operation.query, operation.body) if model is not None]
            outputs += [model for model, _description in operation.responses.values() if model is not None]
        wanted = [(model, "validation") for model in dict.fromkeys(inputs)] + \
                 [(model, "serialization") for model in dict.fromkeys(outputs)]
        refs, top = models_json_schema(wanted, ref_template="#/components/schemas/{model}")
        components: dict[str, Any] = top.get("$defs", {})

        def resolved(model: type[BaseModel], mode: str) -> dict[str, Any]:
            reference = refs[(model, mode)]
            return components[reference["$ref"].rsplit("/", 1)[1]]

        paths: dict[str, dict[str, Any]] = {}
        for operation in self.operations:
            entry: dict[str, Any] = {
                "operationId": operation.endpoint.rsplit(".", 1)[1],
                "summary": operation.summary,
                "tags": [operation.tag],
                "parameters": [],
                "responses": {},
            }
            if operation.description:
                entry["description"] = operation.description
            if operation.public:
                entry["security"] = []
            for name in operation.path_parameters:
                entry["parameters"].append({"name": name, "in": "path", "required": True,
                                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}})
            if operation.query is not None:
                query = resolved(operation.query, "validation")
                required = set(query.get("required", []))
                for name, schema in query.get("properties", {}).items():
                    parameter = {"name": name, "in": "query", "required": name in required, "schema": schema}
                    if "description" in schema:
                        parameter["description"] = schema["description"]
                    if schema.get("type") == "array":
                        parameter.update(style="form", explode=True)
                    entry["parameters"].append(parameter)
                # The query model itself is not a body anyone sends: keep only its parameters.
            if operation.body is not None:
                entry["requestBody"] = {
                    "required": operation.body_required,
                    "content": {operation.body_media: {"schema": refs[(operation.body, "validation")]}},
                }
            for status, (model, explanation) in operation.responses.items():
                response: dict[str, Any] = {"description": explanation}
                if model is not None:
                    response["content"] = {operation.media: {"schema": refs[(model, "serialization")]}}
                elif operation.media != JSON and status < 300:
                    response["content"] = {operation.media: {"schema": {"type": "string", "format": "binary"}}}
                if status == 200 and operation.endpoint.endswith(".get_item"):
                    response["headers"] = {"ETag": {"description": "Send it back in If-None-Match to get 304 "
                                                                   "when nothing changed.",
                                                    "schema": {"type": "string"}}}
                entry["responses"][str(status)] = response
            for status in operation.error_statuses:
                response = {"description": ERROR_DESCRIPTIONS[status],
                            "content": {JSON: {"schema": refs[(Error, "serialization")]}}}
                if status in (429, 503):
                    response["headers"] = {"Retry-After": {"description": "Seconds to wait.",
                                                           "schema": {"type": "integer"}}}
                if status == 401:
                    response["headers"] = {"WWW-Authenticate": {"description": "Always `Bearer …`.",
                                                                "schema": {"type": "string"}}}
                entry["responses"].setdefault(str(status), response)
            if not entry["parameters"]:
                del entry["parameters"]
            paths.setdefault(operation.path, {})[operation.method.lower()] = entry

        query_models = {model.__name__ for operation in self.operations for model in [operation.query] if model}
        for name in query_models:
            components.pop(name, None)
        return {
            "openapi": "3.1.0",
            "info": {"title": title, "version": version, "description": description},
            "servers": [{"url": server_url}],
            "security": [{"bearerAuth": []}],
            "tags": [{"name": tag} for tag in dict.fromkeys(operation.tag for operation in self.operations)],
            "paths": paths,
            "components": {
                "schemas": dict(sorted(components.items())),
                "securitySchemes": {"bearerAuth": {
                    "type": "http", "scheme": "bearer",
                    "description": "A personal API token (`omb_…`), made on the profile page or with "
                                   "`marketplace tokens create`.",
                }},
            },
        }


def describe(schema: dict[str, Any] | None) -> str:
    """A short readable type for the reference page: "string (date)", "array of ItemOut", "ItemOut | null"."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "anyOf" in schema or "oneOf" in schema:
        return " | ".join(describe(part) for part in schema.get("anyOf") or schema.get("oneOf"))
    if "enum" in schema:
        return " | ".join(f'"{value}"' for value in schema["enum"])
    if "const" in schema:
        return f'"{schema["const"]}"'
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {describe(schema.get('items'))}"
    if kind == "object" and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        return f"object of {describe(schema['additionalProperties'])}"
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


def constraints(schema: dict[str, Any]) -> str:
    """The bounds of a schema, for the reference page."""
    parts = []
    for key, label in (("minLength", "min length"), ("maxLength", "max length"), ("minimum", "≥"),
                       ("exclusiveMinimum", ">"), ("maximum", "≤"), ("pattern", "pattern")):
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    for part in schema.get("anyOf", []):
        extra = constraints(part)
        if extra:
            parts.append(extra)
    if "default" in schema:
        parts.append(f"default {json.dumps(schema['default'], ensure_ascii=False)}")
    return "; ".join(parts)
