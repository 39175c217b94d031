"""Administering networks (their members, partner organisations and policy defaults) and the whole site
(networks, municipalities, the system status). Functions flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Membership, Role, User
from marketplace.accounts.permissions import is_network_admin, is_site_admin
from marketplace.admin.permissions import can_bring_into_network
from marketplace.audit import services as audit
from marketplace.db import db
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.listings.models import Item, ItemStatus
from marketplace.organisations.models import (POLICY_FIELDS, Municipality, Network, Organisation, PartnerOrganisation,
                                              Unit)
from marketplace.organisations.services import (OrganisationError, apply_network_policy, create_network,
                                                create_organisation, find_municipality, find_network)
from marketplace.reservations.models import Reservation, ReservationStatus


# --------------------------------------------------------------------------------------------------------------
# Network administration: member municipalities, partner organisations and the network's policy defaults.
# A network's admins (and site admins) act on their own networks only: any other network, and any organisation
# outside it, is NotVisible (404), exactly as if it did not exist.
# --------------------------------------------------------------------------------------------------------------

class OpenReservations(Conflict):
    """Leaving the network would strand reservations still in flight with its other members."""


def administered_networks(actor) -> list[Network]:
    """The networks ``actor`` administers, by name: every network for a site admin."""
    query = select(Network).options(selectinload(Network.organisations)).order_by(Network.name)
    if not is_site_admin(actor):
        ids = [m.network_id for m in actor.memberships if m.role == Role.NETWORK_ADMIN]
        query = query.where(Network.id.in_(ids))
    return list(db.session.scalars(query))


def administered_network(actor, slug: str) -> Network:
    """The network called ``slug`` if ``actor`` administers it; otherwise NotVisible."""
    network = find_network(slug)
    if network is None or not is_network_admin(actor, network):
        raise NotVisible
    return network


def network_member(actor, network: Network, slug: str) -> Organisation:
    """A member (municipality or partner) of a network ``actor`` administers; otherwise NotVisible."""
    if not is_network_admin(actor, network):
        raise NotVisible
    organisation = next((org for org in network.organisations if org.slug == slug), None)
    if organisation is None:
        raise NotVisible
    return organisation


@dataclass(frozen=True)
class MemberFigures:
    organisation: Organisation
    users: int
    units: int
    listed: int  # published listings now


def network_overview(actor, network: Network) -> list[MemberFigures]:
    """Every member of the network with its active users, units and published listings: three grouped
    queries, however many members there are."""

    if not is_network_admin(actor, network):
        raise NotVisible
    ids = [org.id for org in network.organisations]
    users = dict(db.session.execute(
        select(Membership.organisation_id, func.count(func.distinct(Membership.user_id)))
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id.in_(ids), User.active.is_(True))
        .group_by(Membership.organisation_id)).all())
    units = dict(db.session.execute(
        select(Unit.municipality_id, func.count()).where(Unit.municipality_id.in_(ids), Unit.archived_at.is_(None))
        .group_by(Unit.municipality_id)).all())
    listed = dict(db.session.execute(
        select(Item.municipality_id, func.count()).where(Item.municipality_id.in_(ids),
                                                         Item.status == ItemStatus.PUBLISHED)
        .group_by(Item.municipality_id)).all())
    return [MemberFigures(org, users.get(org.id, 0), units.get(org.id, 0), listed.get(org.id, 0))
            for org in network.organisations]


def joinable_organisations(actor, network: Network, kind: type[Organisation]) -> list[Organisation]:
    """The municipalities (or partners) ``actor`` may add to ``network``, by name."""
    if not is_network_admin(actor, network):
        raise NotVisible
    candidates = db.session.scalars(select(kind).options(selectinload(kind.networks)).order_by(kind.name))
    return [org for org in candidates if network not in org.networks and can_bring_into_network(actor, org)]


def create_in_network(actor, network: Network, kind: type[Municipality] | type[PartnerOrganisation], slug: str,
                      name: str, org_number: str | None = None) -> Organisation:
    """Create a municipality (with the network's policy defaults) or a partner organisation in the network."""
    if not is_network_admin(actor, network):
        raise NotVisible
    organisation = create_organisation(kind, slug, name, networks=[network], org_number=org_number or None)
    audit.record("network_member_created", actor=actor, municipality_id=_tenant_id(organisation),
                 network=network.slug, organisation=organisation.slug, kind=str(organisation.kind))
    return organisation


def add_to_network(actor, network: Network, organisation: Organisation) -> None:
    """Bring an existing organisation into the network. A municipality that was in no network takes the
    network's policy defaults; one that stays in another network keeps its own rules."""
    if not is_network_admin(actor, network) or not can_bring_into_network(actor, organisation):
        raise NotVisible
    if network in organisation.networks:
        raise OrganisationError(_("%(name)s is already in %(network)s.", name=organisation.name, network=network.name))
    policy_applied = isinstance(organisation, Municipality) and not organisation.networks
    organisation.networks.append(network)
    if policy_applied:
        apply_network_policy(network, organisation)
    db.session.flush()
    audit.record("network_member_added", actor=actor, municipality_id=_tenant_id(organisation),
                 network=network.slug, organisation=organisation.slug, policy_applied=policy_applied)


def remove_from_network(actor, network: Network, organisation: Organisation) -> None:
    """Take an organisation out of the network. Its listings simply stop being visible to the others (that
    is computed from membership); but while it has open reservations with members it would no longer share a
    network with, it stays: those must be collected, rejected or cancelled first."""
    if not is_network_admin(actor, network) or network not in organisation.networks:
        raise NotVisible
    remaining = [other for other in organisation.networks if other.id != network.id]
    stranded = open_reservations_lost(organisation, remaining)
    if stranded:
        raise OpenReservations(_(
            "%(name)s has %(count)d open reservation(s) with members of %(network)s. They must be collected, "
            "rejected or cancelled before it can leave the network.",
            name=organisation.name, count=stranded, network=network.name))
    organisation.networks.remove(network)
    db.session.flush()
    audit.record("network_member_removed", actor=actor, municipality_id=_tenant_id(organisation),
                 network=network.slug, organisation=organisation.slug)


def open_reservations_lost(organisation: Organisation, networks_after: list[Network]) -> int:
    """How many open reservations ``organisation`` has, either way, with organisations it would no longer
    share any network with if it belonged to ``networks_after`` only."""

    before = {other.id for network in organisation.networks for other in network.organisations}
    after = {other.id for network in networks_after for other in network.organisations}
    lost = sorted(before - after - {organisation.id})
    if not lost:
        return 0
    return db.session.scalar(select(func.count()).select_from(Reservation).where(
        Reservation.status.in_([ReservationStatus.REQUESTED, ReservationStatus.APPROVED]),
        or_(and_(Reservation.municipality_id == organisation.id, Reservation.requester_organisation_id.in_(lost)),
            and_(Reservation.requester_organisation_id == organisation.id, Reservation.municipality_id.in_(lost))),
    )) or 0


def _checked_policy(values: dict) -> dict:
    """The policy numbers, checked against the same limits as a municipality's own rules page."""

    try:
        displacement = Decimal(str(values["displacement_unknown"]))
    except (InvalidOperation, ValueError) as error:
        raise OrganisationError(_("One of the numbers is outside what is allowed.")) from error
    partner_days = values["partner_share_days"]
    if not (0 <= values["network_share_days"] <= 365 and (partner_days is None or 0 <= partner_days <= 365)
            and 1 <= values["hold_days"] <= 60 and 0 <= values["pickup_grace_days"] <= 60
            and 1 <= values["waitlist_offer_hours"] <= 24 * 14 and 0 <= displacement <= 1):
        raise OrganisationError(_("One of the numbers is outside what is allowed."))
    return {**values, "displacement_unknown": displacement.quantize(Decimal("0.001"))}


def update_network_policy(actor, network: Network, **values) -> None:
    """Set the defaults a municipality gets when it is created in, or joins, the network. Members keep the
    rules they have: each municipality changes its own on its rules page."""
    if not is_network_admin(actor, network):
        raise NotVisible
    if set(values) != set(POLICY_FIELDS):
        raise TypeError(f"the network policy needs exactly {', '.join(POLICY_FIELDS)}")
    checked = _checked_policy(values)
    for name, value in checked.items():
        setattr(network, name, value)
    db.session.flush()
    audit.record("network_policy_changed", actor=actor, network=network.slug,
                 **{name: str(value) if isinstance(value, Decimal) else value for name, value in checked.items()})


def partner_users(actor, network: Network, partner: PartnerOrganisation) -> list[Membership]:
    """The people of a partner organisation with their roles (personal data: for the network's admins only)."""
    if not is_network_admin(actor, network) or network not in partner.networks \
            or not isinstance(partner, PartnerOrganisation):
        raise NotVisible
    return list(db.session.scalars(
        select(Membership).join(User, User.id == Membership.user_id)
        .options(selectinload(Membership.user))
        .where(Membership.organisation_id == partner.id).order_by(User.name, User.id)))


def _tenant_id(organisation: Organisation) -> int | None:
    """The municipality whose admins read an audit event about ``organisation`` (partners have none)."""
    return organisation.id if isinstance(organisation, Municipality) else None


# --------------------------------------------------------------------------------------------------------------
# Site administration: networks and municipalities across the whole site.
# --------------------------------------------------------------------------------------------------------------

def _require_site_admin(actor) -> None:
    if not is_site_admin(actor):
        raise Forbidden


def add_network(actor, slug: str, name: str) -> Network:
    _require_site_admin(actor)
    network = create_network(slug, name)
    audit.record("network_created", actor=actor, network=network.slug, name=network.name)
    return network


def rename_network(actor, network: Network, name: str) -> None:
    _require_site_admin(actor)
    name = name.strip()
    if not name or len(name) > 200:
        raise OrganisationError(_("A network needs a name of at most 200 characters."))
    previous, network.name = network.name, name
    db.session.flush()
    audit.record("network_renamed", actor=actor, network=network.slug, previous=previous, name=name)


def all_municipalities(actor) -> list[Municipality]:
    """Every municipality with its networks, by name (site admins)."""
    _require_site_admin(actor)
    return list(db.session.scalars(
        select(Municipality).options(selectinload(Municipality.networks)).order_by(Municipality.name)))


def municipality_for_site_admin(actor, slug: str) -> Municipality:
    """The municipality called ``slug``, for a site admin (Forbidden for others); NotVisible if none is."""
    _require_site_admin(actor)
    municipality = find_municipality(slug)
    if municipality is None:
        raise NotVisible
    return municipality


def move_municipality(actor, municipality: Municipality, network: Network) -> None:
    """Make ``network`` the municipality's only network. Refused while it has open reservations with members
    it would no longer share a network with. It takes the new network's policy defaults."""
    _require_site_admin(actor)
    if municipality.networks == [network]:
        raise OrganisationError(_("%(name)s is already in %(network)s.", name=municipality.name, network=network.name))
    stranded = open_reservations_lost(municipality, [network])
    if stranded:
        raise OpenReservations(_(
            "%(name)s has %(count)d open reservation(s) with municipalities it would leave. They must be "
            "collected, rejected or cancelled before it can move.", name=municipality.name, count=stranded))
    previous = list(municipality.networks)
    municipality.networks = [network]
    apply_network_policy(network, municipality)
    db.session.flush()
    audit.record("municipality_moved", actor=actor, municipality_id=municipality.id,
                 organisation=municipality.slug, previous=[other.slug for other in previous],
                 network=network.slug)
