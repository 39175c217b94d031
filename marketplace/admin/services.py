"""Administering a municipality: its sharing, listing and reservation policy, its units, and its audit log.
For the municipality's own administrators (and site admins). Functions flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from marketplace.accounts.models import Invitation, Membership, User
from marketplace.accounts.permissions import can_administer_municipality
from marketplace.admin.permissions import can_read_audit_log
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden, NotVisible
from marketplace.listings.models import Item
from marketplace.organisations.models import Municipality, Unit, UnitKind
from marketplace.organisations.services import OrganisationError, create_unit, find_municipality
from marketplace.reservations.models import Reservation


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


def update_listing_policy(actor, municipality: Municipality, *, electrical_safety_note_required: bool) -> None:
    """Whether electrical items need a safety-check note to be published (listings already published stay)."""
    if not can_administer_municipality(actor, municipality):
        raise Forbidden
    if municipality.electrical_safety_note_required != electrical_safety_note_required:
        municipality.electrical_safety_note_required = electrical_safety_note_required
        db.session.flush()
        audit.record("listing_policy_changed", actor=actor, municipality_id=municipality.id,
                     electrical_safety_note_required=electrical_safety_note_required)


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


# --- Unit administration (a municipality's admins) ------------------------------------------------------------

def municipality_for_unit_admin(actor, slug: str) -> Municipality:
    """The municipality whose units ``actor`` administers: 403 for its own people without the right, 404 for
    everyone else."""
    municipality = find_municipality(slug[:60])
    if municipality is None:
        raise NotVisible
    if not can_administer_municipality(actor, municipality):
        if any(m.organisation_id == municipality.id for m in actor.memberships):
            raise Forbidden
        raise NotVisible
    return municipality


def unit_for_admin(actor, municipality: Municipality, unit_id: int) -> Unit:
    if not can_administer_municipality(actor, municipality):
        raise Forbidden
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.municipality_id != municipality.id:
        raise NotVisible
    return unit


@dataclass(frozen=True)
class UnitSummary:
    unit: Unit
    items: int
    users: int


def unit_summaries(actor, municipality: Municipality) -> list[UnitSummary]:
    """Every unit of the municipality (archived last) with its number of items and users: three queries."""

    if not can_administer_municipality(actor, municipality):
        raise Forbidden
    units = db.session.scalars(select(Unit).where(Unit.municipality_id == municipality.id)
                               .order_by(Unit.archived_at.is_not(None), Unit.name)).all()
    ids = [unit.id for unit in units]
    items = dict(db.session.execute(select(Item.unit_id, func.count()).where(Item.unit_id.in_(ids))
                                    .group_by(Item.unit_id)).all())
    users = dict(db.session.execute(select(Membership.unit_id, func.count()).where(Membership.unit_id.in_(ids))
                                    .group_by(Membership.unit_id)).all())
    return [UnitSummary(unit, items.get(unit.id, 0), users.get(unit.id, 0)) for unit in units]


def _check_unit_name(municipality: Municipality, name: str, unit: Unit | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise OrganisationError(_("A unit needs a name."))
    if len(name) > 200:
        raise OrganisationError(_("The name is too long."))
    # Unique within the municipality (a constraint says so too); compared without case, as people read them.
    if any(other.name.casefold() == name.casefold() and other is not unit for other in municipality.units):
        raise OrganisationError(_("%(municipality)s already has a unit called %(name)s.",
                                  municipality=municipality.name, name=name))
    return name


@dataclass(frozen=True)
class UnitDetails:
    """Where a unit's listings are fetched, as people write it: the address (street, postcode and place), the
    opening hours and whom to ask. Free text, each at most UNIT_DETAIL_LENGTH characters; empty is allowed."""

    address: str = ""
    opening_hours: str = ""
    contact: str = ""


UNIT_DETAIL_LENGTH = 300
_DETAIL_FIELDS = ("address", "opening_hours", "contact")
_AUDIT_NAMES = {"address": "unit_address"}


def _check_details(details: UnitDetails) -> dict[str, str | None]:
    values = {}
    for name in _DETAIL_FIELDS:
        text = " ".join((getattr(details, name) or "").split())
        if len(text) > UNIT_DETAIL_LENGTH:
            raise OrganisationError(_("At most %(count)d characters (this has %(length)d).",
                                      count=UNIT_DETAIL_LENGTH, length=len(text)))
        values[name] = text or None
    return values


def _check_kind(kind: str) -> UnitKind:
    try:
        return UnitKind(kind)
    except ValueError as error:
        raise OrganisationError(_("Choose one of the kinds.")) from error


def add_unit(actor, municipality: Municipality, name: str, kind: str,
             details: UnitDetails | None = None) -> Unit:
    if not can_administer_municipality(actor, municipality):
        raise Forbidden
    unit_kind = _check_kind(kind)
    values = _check_details(details or UnitDetails())
    unit = create_unit(municipality, _check_unit_name(municipality, name), unit_kind, values["address"])
    unit.opening_hours, unit.contact = values["opening_hours"], values["contact"]
    db.session.flush()
    audit.record("unit_created", actor=actor, municipality_id=municipality.id, unit_id=unit.id, name=unit.name)
    return unit


def update_unit(actor, municipality: Municipality, unit_id: int, name: str, kind: str,
                details: UnitDetails | None = None) -> Unit:
    """Rename a unit, change its kind, and (when ``details`` is given) its address, opening hours and contact.
    Nothing changes unless everything is valid; each kind of change is audited once, with the old values."""
    unit = unit_for_admin(actor, municipality, unit_id)
    new_name = _check_unit_name(municipality, name, unit)
    unit_kind = _check_kind(kind)
    values = _check_details(details) if details is not None else {}
    if (new_name, unit_kind) != (unit.name, unit.kind):
        audit.record("unit_renamed", actor=actor, municipality_id=municipality.id, unit_id=unit.id,
                     name_from=unit.name, name_to=new_name, kind=unit_kind.value)
        unit.name, unit.kind = new_name, unit_kind
    changed = [field for field, value in values.items() if getattr(unit, field) != value]
    if changed:
        # "unit_address", as audit.record's own ``address`` is the client's IP address.
        audit.record("unit_details_changed", actor=actor, municipality_id=municipality.id, unit_id=unit.id,
                     unit_address=values["address"], opening_hours=values["opening_hours"],
                     contact=values["contact"],
                     previous={_AUDIT_NAMES.get(field, field): getattr(unit, field) for field in changed})
        for field in changed:
            setattr(unit, field, values[field])
    db.session.flush()
    return unit


def set_unit_archived(actor, municipality: Municipality, unit_id: int, archived: bool) -> Unit:
    """An archived unit is offered for no new listing or membership; what it did stays (items, the ledger)."""
    unit = unit_for_admin(actor, municipality, unit_id)
    if (unit.archived_at is not None) != archived:
        unit.archived_at = utcnow() if archived else None
        db.session.flush()
        audit.record("unit_archived" if archived else "unit_unarchived", actor=actor,
                     municipality_id=municipality.id, unit_id=unit.id)
    return unit


def merge_units(actor, municipality: Municipality, source_id: int, target_id: int) -> dict[str, int]:
    """Move everything that is now at unit ``source`` to ``target``, and archive ``source``.

    Items, memberships, reservations (the requester's unit) and invitations move. Reuse events do not: the
    ledger is append-only and says where reuse happened at the time, so reports by unit keep ``source``'s
    history under its name (docs/decisions.md). Returns how many rows of each kind moved.
    """

    source = unit_for_admin(actor, municipality, source_id)
    target = unit_for_admin(actor, municipality, target_id)
    if source.id == target.id:
        raise OrganisationError(_("Choose another unit to merge into."))
    if target.archived_at is not None:
        raise OrganisationError(_("%(name)s is archived: unarchive it first, or choose another unit.",
                                  name=target.name))
    moved = {}
    for label, column in (("items", Item.unit_id), ("memberships", Membership.unit_id),
                          ("reservations", Reservation.requester_unit_id), ("invitations", Invitation.unit_id)):
        moved[label] = db.session.execute(
            update(column.class_).where(column == source.id).values({column.key: target.id})
            .execution_options(synchronize_session=False)).rowcount
    db.session.expire_all()  # the moved rows' relationships are stale in this session
    source = db.session.get(Unit, source_id)
    if source.archived_at is None:
        source.archived_at = utcnow()
    db.session.flush()
    audit.record("units_merged", actor=actor, municipality_id=municipality.id, unit_id=source_id,
                 into_unit_id=target_id, **moved)
    return moved


# --- The audit log -----------------------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 100


def audit_log(actor: User, municipality: Municipality, page: int = 1, action: str = "") -> tuple[list[AuditEvent], int]:
    """The audit log of one municipality, newest first, for its administrators."""
    if not can_read_audit_log(actor, municipality):
        raise Forbidden
    query = select(AuditEvent).where(AuditEvent.municipality_id == municipality.id)
    if action:
        query = query.where(AuditEvent.action == action)
    total = db.count(query)
    events = db.session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                .limit(AUDIT_PAGE_SIZE).offset((max(page, 1) - 1) * AUDIT_PAGE_SIZE)).all()
    return list(events), total


def audit_actions(municipality: Municipality) -> list[str]:
    """The kinds of event in the municipality's log, for the filter."""
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.municipality_id == municipality.id)
                                   .distinct().order_by(AuditEvent.action)))
