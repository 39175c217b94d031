"""JSON API v1 (prefix /api/v1) and the profile page for personal API tokens, assembled; and the OpenAPI
document with its reference page.

The operations live by domain in the modules beside this one, on the one blueprint of ``core``; importing
them here registers them, in the order the document lists them. The document is generated from the same
registrations, so it covers every operation and nothing else.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template

# isort: off
# Importing the domains registers their operations, in this order: the document's (its list of tags).
from marketplace.api import (  # noqa: F401
    items, inventory, reservations, transport, impact, ledger, account, wanted, projects, locations)
# isort: on
from marketplace.api.account import account_blueprint
from marketplace.api.core import PREFIX, VERSION, blueprint, registry
from marketplace.api.openapi import constraints, describe
from marketplace.security import public

__all__ = ["account_blueprint", "blueprint", "registry"]

DESCRIPTION = """The JSON API of Ombruksmarkedet, the reuse marketplace for municipalities.

Authenticate with a personal token: `Authorization: Bearer omb_…` (make one under *API tokens* in the user
menu, or with `marketplace tokens create --email E`). A token acts as its user, with exactly that user's
permissions; cookies are not accepted. Errors are `{"error": {"code", "message", "fields", "request_id"}}`.
Decimal amounts are strings ("24", "2.5", "123.450"); request bodies refuse unknown fields with 422."""


def openapi_document() -> dict[str, Any]:
    cached = current_app.extensions.get("api_openapi")
    if cached is None:
        cached = registry.document(title="Ombruksmarkedet API", version=VERSION, description=DESCRIPTION,
                                   server_url=PREFIX)
        current_app.extensions["api_openapi"] = cached
    return cached


@blueprint.get("/openapi.json")
@public
def openapi_json():
    return jsonify(openapi_document())


@blueprint.get("/docs")
@public
def docs():
    return render_template("api/docs.html", spec=openapi_document(), describe=describe, constraints=constraints)
