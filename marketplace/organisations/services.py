"""Networks, municipalities and units. Functions flush, never commit."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

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


def network_neighbours(organisation: Organisation, limit: int | None = None) -> tuple[list[Organisation], int]:
    """The other organisations that share a network with ``organisation``, by name: the first ``limit`` of
    them, and how many there are in all. One statement, however large the network (a national one has hundreds
    of members, which the home page would otherwise load in full to list)."""
    own_networks = select(network_members.c.network_id).where(network_members.c.organisation_id == organisation.id)
    shared = select(network_members.c.organisation_id).where(network_members.c.network_id.in_(own_networks))
    rows = db.session.execute(
        select(Organisation, func.count().over()).where(Organisation.id.in_(shared), Organisation.id != organisation.id)
        .order_by(Organisation.name, Organisation.id).limit(limit)).all()
    return [row[0] for row in rows], rows[0][1] if rows else 0


def apply_network_policy(network: Network, municipality: Municipality) -> None:
    """Give ``municipality`` the network's policy defaults (it may change its own afterwards)."""
    for name in POLICY_FIELDS:
        setattr(municipality, name, getattr(network, name))
