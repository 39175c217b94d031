"""Networks, municipalities and units. Functions flush, never commit."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.permissions import can_administer_municipality
from marketplace.audit import services as audit
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.organisations.models import (
    Municipality,
    Network,
    Organisation,
    PartnerOrganisation,
    Unit,
    UnitKind,
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
    if org_number is not None and not re.fullmatch(r"\d{9}", org_number):
        raise OrganisationError(_("An organisation number has nine digits."))
    organisation = kind(slug=slug, name=name.strip(), org_number=org_number, networks=list(networks))
    db.session.add(organisation)
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


def update_sharing_policy(
    actor, municipality: Municipality, *, network_share_days: int, partner_share_days: int | None
) -> None:
    """Set how long the municipality keeps new listings to itself, and whether (and when) partners see them.
    Listings already published keep the schedule they were published with."""
    if not can_administer_municipality(actor, municipality):
        raise Forbidden
    for days in (network_share_days, partner_share_days):
        if days is not None and not 0 <= days <= 365:
            raise OrganisationError(_("Give a number of days from 0 to 365."))
    municipality.network_share_days = network_share_days
    municipality.partner_share_days = partner_share_days
    db.session.flush()
    audit.record("sharing_policy_changed", actor=actor, municipality_id=municipality.id,
                 network_share_days=network_share_days, partner_share_days=partner_share_days)


def update_reservation_policy(actor, municipality: Municipality, *, hold_days: int, pickup_grace_days: int,
                              waitlist_offer_hours: int, displacement_unknown) -> None:
    """How long reservations and waitlist offers are kept, and the displacement counted for "don't know".
    Reuse already recorded keeps the displacement it was computed with."""
    if not can_administer_municipality(actor, municipality):
        raise Forbidden
    displacement = Decimal(str(displacement_unknown))
    if not (1 <= hold_days <= 60 and 0 <= pickup_grace_days <= 60 and 1 <= waitlist_offer_hours <= 24 * 14
            and 0 <= displacement <= 1):
        raise OrganisationError(_("One of the numbers is outside what is allowed."))
    municipality.hold_days = hold_days
    municipality.pickup_grace_days = pickup_grace_days
    municipality.waitlist_offer_hours = waitlist_offer_hours
    municipality.displacement_unknown = displacement.quantize(Decimal("0.001"))
    db.session.flush()
    audit.record("reservation_policy_changed", actor=actor, municipality_id=municipality.id, hold_days=hold_days,
                 pickup_grace_days=pickup_grace_days, waitlist_offer_hours=waitlist_offer_hours,
                 displacement_unknown=str(displacement))


def network_neighbours(organisation: Organisation) -> list[Organisation]:
    """The other organisations that share a network with ``organisation``."""
    seen: dict[int, Organisation] = {}
    for network in organisation.networks:
        for other in network.organisations:
            if other.id != organisation.id:
                seen[other.id] = other
    return sorted(seen.values(), key=lambda org: org.name)
