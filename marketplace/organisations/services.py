"""Networks, municipalities and units. Functions flush, never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, literal, select, union_all

from marketplace.db import db
from marketplace.organisations.models import (
    POLICY_FIELDS,
    Municipality,
    Network,
    Organisation,
    PartnerOrganisation,
    Unit,
    UnitKind,
    network_members,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class OrganisationError(ValueError):
    """A request about organisations that cannot be carried out; the message is fit to show."""


def _check_slug(slug: str) -> str:
    if not SLUG_PATTERN.fullmatch(slug or ""):
        raise OrganisationError(
            _("%(slug)s is not a valid short name: use lower-case letters, digits and hyphens.", slug=slug)
        )
    return slug


def find_network(slug: str) -> Network | None:
    return db.session.scalar(select(Network).where(Network.slug == slug))


def find_organisation(slug: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def find_municipality(slug: str) -> Municipality | None:
    return db.session.scalar(select(Municipality).where(Municipality.slug == slug))


def create_network(slug: str, name: str) -> Network:
    if not name.strip():
        raise OrganisationError(_("A network needs a name."))
    if find_network(_check_slug(slug)) is not None:
        raise OrganisationError(_("A network with the short name %(slug)s already exists.", slug=slug))
    network = Network(slug=slug, name=name.strip())
    db.session.add(network)
    db.session.flush()
    return network


def create_organisation(
    kind: type[Municipality] | type[PartnerOrganisation],
    slug: str,
    name: str,
    *,
    networks: list[Network] = (),
    org_number: str | None = None,
) -> Municipality | PartnerOrganisation:
    if find_organisation(_check_slug(slug)) is not None:
        raise OrganisationError(_("An organisation with the short name %(slug)s already exists.", slug=slug))
    if not name.strip():
        raise OrganisationError(_("An organisation needs a name."))
    if org_number is not None and not re.fullmatch(r"\d{9}", org_number):
        raise OrganisationError(_("An organisation number has nine digits."))
    organisation = kind(slug=slug, name=name.strip(), org_number=org_number, networks=list(networks))
    db.session.add(organisation)
    db.session.flush()
    if isinstance(organisation, Municipality) and networks:
        # After the INSERT: the ORM would replace a None (partners switched off) by the column default.
        apply_network_policy(networks[0], organisation)
        db.session.flush()
    return organisation


def create_unit(municipality: Municipality, name: str, kind: UnitKind = UnitKind.OTHER, address: str | None = None) -> Unit:
    name = name.strip()
    if not name:
        raise OrganisationError(_("A unit needs a name."))
    if any(unit.name == name for unit in municipality.units):
        raise OrganisationError(_("%(municipality)s already has a unit called %(name)s.", municipality=municipality.name, name=name))
    unit = Unit(name=name, kind=kind, address=address)
    municipality.units.append(unit)
    db.session.flush()
    return unit


@dataclass(frozen=True)
class NetworkOverview:
    """The names of an organisation's networks, the first of the organisations it shares them with, and how
    many those are in all (the home page's "Your network")."""

    networks: list[str]
    neighbours: list[str]
    neighbour_count: int

    @property
    def more_neighbours(self) -> int:
        """How many neighbours are counted but not named."""
        return self.neighbour_count - len(self.neighbours)


def network_overview(organisation: Organisation, limit: int | None = None) -> NetworkOverview:
    """``organisation``'s networks by name, and the other members of them by name: the first ``limit`` and how
    many in all. One statement, however large the network (a national one has hundreds of members)."""
    # The limit is a parameter of the statement built once, and "no limit" a number both engines take.
    rows = db.read(_NETWORK_OVERVIEW, {"organisation_id": organisation.id,
                                  "limit": 2**31 - 1 if limit is None else limit}).all()
    # A UNION ALL keeps no order: each row brings its position in its own list, in the database's collation.
    rows.sort(key=lambda row: (row[0], row[2]))
    neighbour_rows = [row for row in rows if row[0]]
    return NetworkOverview([row[1] for row in rows if not row[0]], [row[1] for row in neighbour_rows],
                           neighbour_rows[0][3] if neighbour_rows else 0)


def _network_overview_statement():
    """The statement of ``network_overview``, built once (the home page runs it on every view): rows of (is a
    neighbour, name, position in its list, number of neighbours)."""
    own_networks = select(network_members.c.network_id).where(
        network_members.c.organisation_id == bindparam("organisation_id"))
    by_name = (Organisation.name, Organisation.id)
    neighbours = (select(Organisation.name, func.row_number().over(order_by=by_name).label("position"),
                         func.count().over().label("total"))
                  .where(Organisation.id.in_(select(network_members.c.organisation_id)
                                             .where(network_members.c.network_id.in_(own_networks))),
                         Organisation.id != bindparam("organisation_id"))
                  .order_by(*by_name).limit(bindparam("limit")).subquery())
    return union_all(
        select(literal(False), Network.name, func.row_number().over(order_by=(Network.name, Network.id)),
               literal(0)).where(Network.id.in_(own_networks)),
        select(literal(True), neighbours.c.name, neighbours.c.position, neighbours.c.total))


_NETWORK_OVERVIEW = _network_overview_statement()


def apply_network_policy(network: Network, municipality: Municipality) -> None:
    """Give ``municipality`` the network's policy defaults (it may change its own afterwards)."""
    for name in POLICY_FIELDS:
        setattr(municipality, name, getattr(network, name))
