"""Report scopes: what a scope text names, who may read it, and which events it is credited with.

Credit rule (see the shared climate method): the CO2e and money avoided belong to the receiver, who did not
buy new; the waste avoided belongs to the giver, whose surplus was not thrown away. A network counts the events
recorded in it when they were appended (never today's membership); the site counts every event.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, select, true

from marketplace.accounts.models import Role, User
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.inputs import parse_id
from marketplace.impact import permissions
from marketplace.impact.models import ReuseEvent, reuse_event_networks
from marketplace.organisations.models import Municipality, Network, PartnerOrganisation, Unit

class ScopeError(ValueError):
    """The scope text cannot be read or names nothing; the message is fit to show."""


@dataclass(frozen=True)
class Scope:
    kind: str  # "unit", "municipality", "partner", "network" or "site"
    id: int | None
    name: str
    key: str  # as written in URLs and on the command line: municipality:dulten, partner:..., network:..., unit:12, site

    @property
    def counts_each_event_once(self) -> bool:
        return self.kind in ("network", "site")


# The scopes named by a slug: what they name, and who may read their report.
_NAMED_BY_SLUG = {"municipality": (Municipality, permissions.can_see_municipality_report),
                  "partner": (PartnerOrganisation, permissions.can_see_partner_report),
                  "network": (Network, permissions.can_see_network_report)}


def resolve_scope(actor: User | None, text: str) -> Scope:
    """Read "municipality:SLUG", "partner:SLUG", "network:SLUG", "unit:ID" or "site", and check that ``actor`` may see it
    (``actor`` None is the command line, which may see everything)."""
    kind, _sep, value = (text or "").strip().partition(":")
    if kind == "site" and not value:
        if actor is not None and not permissions.can_see_site_report(actor):
            raise Forbidden
        return Scope("site", None, _("All networks"), "site")
    if kind in _NAMED_BY_SLUG:
        model, may_see = _NAMED_BY_SLUG[kind]
        found = db.session.scalar(select(model).where(model.slug == value))
        if found is None:
            raise NotVisible
        if actor is not None and not may_see(actor, found):
            raise Forbidden
        return Scope(kind, found.id, found.name, f"{kind}:{found.slug}")
    if kind == "unit" and value.isascii() and value.isdigit():
        unit_id = parse_id(value)  # a number no unit can have names none
        unit = db.session.get(Unit, unit_id) if unit_id is not None else None
        if unit is None:
            raise NotVisible
        if actor is not None and not permissions.can_see_municipality_report(actor, unit.municipality):
            raise Forbidden
        return Scope("unit", unit.id, f"{unit.name}, {unit.municipality.name}", f"unit:{unit.id}")
    raise ScopeError(_("Choose a scope like municipality:dulten, partner:hjelpen, network:dulten-regionen, unit:12 "
                       "or site."))


def default_scope(actor: User) -> str | None:
    if actor.municipality is not None:
        return f"municipality:{actor.municipality.slug}"
    if isinstance(actor.organisation, PartnerOrganisation):
        return f"partner:{actor.organisation.slug}"
    network = next((m.network for m in actor.memberships if m.role == Role.NETWORK_ADMIN), None)
    if network is not None:
        return f"network:{network.slug}"
    return "site" if permissions.can_see_site_report(actor) else None


# --- Which events count, and for what -------------------------------------------------------------------

def credit(scope: Scope) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(received, given): the events whose CO2e and money, and whose waste, the scope is credited with."""
    if scope.kind == "site":
        return true(), true()
    if scope.kind == "network":  # the networks recorded on the event, never today's membership
        counted = ReuseEvent.id.in_(select(reuse_event_networks.c.event_id)
                                    .where(reuse_event_networks.c.network_id == scope.id))
        return counted, counted
    if scope.kind == "municipality":
        return (ReuseEvent.receiver_organisation_id == scope.id, ReuseEvent.giver_municipality_id == scope.id)
    if scope.kind == "partner":  # a partner organisation receives; only municipalities give
        return ReuseEvent.receiver_organisation_id == scope.id, false()
    if scope.kind == "unit":
        return ReuseEvent.receiver_unit_id == scope.id, ReuseEvent.giver_unit_id == scope.id
    return false(), false()
