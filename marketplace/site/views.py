"""Health checks for load balancers and monitoring (docs/operations.md): JSON, never cached, no sign-in."""

from flask import Blueprint, jsonify

from marketplace.security import public
from marketplace.site import services

blueprint = Blueprint("site", __name__)
NOT_CACHED = {"Cache-Control": "no-store"}


@blueprint.get("/healthz")
@public
def liveness():
    """The process answers. It does not touch the database, so a database outage restarts no worker."""
    return jsonify(status="ok"), 200, NOT_CACHED


@blueprint.get("/readyz")
@public
def readiness():
    """The database answers and is at the newest migration; 503 otherwise, with the reason."""
    problem = services.readiness_problem()
    if problem is not None:
        return jsonify(status="unavailable", reason=problem), 503, {**NOT_CACHED, "Retry-After": "5"}
    return jsonify(status="ok"), 200, NOT_CACHED
