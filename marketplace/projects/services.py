"""Building projects: start one, add its needs room by room, and cover each need from the own inventory first
(surplus listings, then items in use elsewhere, e.g. in a building being emptied), then the network's market,
and only then record why the rest is bought new (decision 44).

A need is the reuse-first check's need (``wanted.services.register_need``), so it is searched, posted as a
wanted notice and certified like any other. Moving own inventory into the project's room is internal reuse: it
is recorded in the ledger like a hand-over to oneself, with the answer to "would you otherwise buy new?".
Reservations for a project are held until its wanted-by date. Functions take the acting user, flush and never
commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db import ListPage, db, utcnow
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.i18n import OSLO, oslo_date
from marketplace.impact import ledger
from marketplace.inventory import services as inventory
from marketplace.listings import services as listings
from marketplace.listings.models import Category, Item, ItemStatus
from marketplace.locations.models import Location
from marketplace.organisations.models import Municipality
from marketplace.projects.models import Placement, Project, ProjectNeed, ProjectStatus
from marketplace.projects.permissions import can_run_project, can_see_projects, can_start_project
from marketplace.reservations import services as reservations
from marketplace.reservations.models import Reservation, ReservationStatus, WouldBuyNew
from marketplace.reservations.signals import reservation_closed
from marketplace.wanted import services as wanted
from marketplace.wanted.matching import Match, matching_items, tiers, with_related
from marketplace.wanted.models import NeedStatus, need_reservations
from marketplace.wanted.signals import need_covered_elsewhere

# Inventory that can furnish a project: what is in use elsewhere, or waiting for repair.
MOVABLE_STATUSES = (ItemStatus.IN_USE, ItemStatus.FOR_REPAIR)
MATCHES_SHOWN = 12
PROJECTS_PER_PAGE = 20
# Reservations that cover a need: held, approved or handed over (a cancelled or lapsed one covers nothing).
LIVE_RESERVATIONS = (ReservationStatus.REQUESTED, ReservationStatus.APPROVED, ReservationStatus.COLLECTED)


class ProjectError(ValueError):
    """Input that breaks a rule; ``errors`` maps a field name to a message fit to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class ProjectInput:
    name: str
    due: date | None = None
    location: Location | None = None
    building: str = ""
    description: str = ""


@dataclass
class NeedInput:
    category: Category | None
    quantity: Decimal | None
    room: str = ""
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class NeedMatches:
    """What could cover a need, in the order reuse-first asks for: the own surplus, the own inventory in use
    elsewhere, then the network's market."""

    own_surplus: list[Item]
    own_inventory: list[Item]
    network: list[Match]


# --- Seeing ---------------------------------------------------------------------------------------------

def projects(actor: User, page: int = 1) -> ListPage:
    """Page ``page`` of the actor's municipality's projects: active ones first, those due soonest first (the
    projects page)."""
    return db.page(projects_query(actor), page, PROJECTS_PER_PAGE)


def projects_query(actor: User) -> Select[tuple[Project]] | None:
    """``projects`` as a query, to count or page in SQL (the API); None for one who may not see them."""
    municipality = actor.municipality
    if not can_see_projects(actor, municipality):
        return None
    return (select(Project).where(Project.municipality_id == municipality.id)
            .order_by(Project.status, Project.due.is_(None), Project.due, Project.id))


def find_project(actor: User, project_id: int) -> Project:
    project = db.session.get(Project, project_id)
    if project is None or not can_see_projects(actor, project.municipality):
        raise NotVisible
    return project


def find_need(actor: User, project: Project, need_id: int) -> ProjectNeed:
    project_need = db.session.get(ProjectNeed, need_id)
    if project_need is None or project_need.project_id != project.id:
        raise NotVisible
    return project_need


def project_of_need(need_id: int) -> Project | None:
    """The project a need belongs to, if any (the need's page links to it)."""
    return db.session.scalar(select(Project).join(ProjectNeed).where(ProjectNeed.need_id == need_id))


# --- Starting and filling a project ---------------------------------------------------------------------

def _check_project(municipality: Municipality, data: ProjectInput, today: date) -> None:
    errors = {}
    data.name, data.building = data.name.strip(), data.building.strip()
    data.description = data.description.strip()
    if not data.name:
        errors["name"] = _("Give the project a name.")
    elif len(data.name) > 140:
        errors["name"] = _("The name can be at most 140 characters.")
    if len(data.building) > 120:
        errors["building"] = _("The building can be at most 120 characters.")
    if len(data.description) > 4000:
        errors["description"] = _("The description can be at most 4000 characters.")
    if data.due is not None and data.due < today:
        errors["due"] = _("The wanted-by date cannot be in the past.")
    if data.location is not None and data.location.municipality_id != municipality.id:
        errors["location"] = _("Choose one of your municipality's locations.")
    if errors:
        raise ProjectError(errors)


def start_project(actor: User, data: ProjectInput, now: datetime | None = None) -> Project:
    municipality = actor.municipality
    if not can_start_project(actor, municipality):
        raise Forbidden
    now = now or utcnow()
    _check_project(municipality, data, oslo_date(now))
    project = Project(municipality=municipality, name=data.name, due=data.due, location=data.location,
                      building=data.building or data.name[:120], description=data.description,
                      created_by_id=actor.id, created_at=now)
    db.session.add(project)
    db.session.flush()
    audit.record("project_started", actor=actor, municipality_id=municipality.id, project_id=project.id)
    return project


def complete_project(actor: User, project: Project) -> Project:
    if not can_start_project(actor, project.municipality):
        raise Forbidden
    project.status = ProjectStatus.COMPLETED
    db.session.flush()
    audit.record("project_completed", actor=actor, municipality_id=project.municipality_id, project_id=project.id)
    return project


def _require_running(actor: User, project: Project) -> None:
    if not can_run_project(actor, project):
        raise Forbidden if project.is_active else Conflict(_("The project is completed."))


def add_need(actor: User, project: Project, data: NeedInput, now: datetime | None = None) -> ProjectNeed:
    """A need of the project in one of its rooms: registered as the reuse-first check registers any need
    (searched, posted as a wanted notice until the project's wanted-by date)."""
    _require_running(actor, project)
    data.room = (data.room or "").strip()
    if len(data.room) > 120:
        raise ProjectError({"room": _("The room can be at most 120 characters.")})
    if data.category is None:
        raise ProjectError({"category": _("Choose a category.")})
    title = (data.title or "").strip() or _("%(category)s for %(place)s", category=data.category.name_nb,
                                            place=data.room or project.name)
    need = wanted.register_need(actor, wanted.NeedInput(
        title=title[:140], category=data.category, quantity=data.quantity, needed_by=project.due,
        description=data.description,
        no_return_reason=_("Furnishing a new building (%(project)s): no device is replaced.",
                           project=project.name)), now=now)
    project_need = ProjectNeed(project=project, need=need, room=data.room)
    db.session.add(project_need)
    db.session.flush()
    audit.record("project_need_added", actor=actor, municipality_id=project.municipality_id,
                 project_id=project.id, need_id=need.id)
    return project_need


# --- What covers a need ----------------------------------------------------------------------------------

def placed_quantity(project_need: ProjectNeed) -> Decimal:
    return sum((placement.quantity for placement in project_need.placements), Decimal(0))


def _live(reservation: Reservation) -> bool:
    return reservation.status in LIVE_RESERVATIONS


def reserved_quantities(project_need: ProjectNeed) -> tuple[Decimal, Decimal]:
    """What live or collected reservations linked to the need hold: of the own municipality's listings, and of
    other organisations'."""
    own = other = Decimal(0)
    for reservation in project_need.need.reservations:
        if not _live(reservation):
            continue
        if reservation.item.municipality_id == project_need.project.municipality_id:
            own += reservation.quantity
        else:
            other += reservation.quantity
    return own, other


def still_lacking(project_need: ProjectNeed) -> Decimal:
    own, other = reserved_quantities(project_need)
    return max(Decimal(0), project_need.need.quantity - placed_quantity(project_need) - own - other)


def matches(actor: User, project_need: ProjectNeed) -> NeedMatches:
    """What could cover the need, own first. Items placed in a project already are not offered again."""
    project, need = project_need.project, project_need.need
    category_ids = [category.id for category in with_related(need.category)]
    order = {category.id: index for index, category in enumerate(tiers(need.category))}
    surplus = db.session.scalars(listings.visible_items(actor).where(
        Item.municipality_id == project.municipality_id, Item.status == ItemStatus.PUBLISHED,
        Item.category_id.in_(category_ids), Item.quantity_available > 0)
        .order_by(Item.published_at.desc()).limit(MATCHES_SHOWN))
    in_use = db.session.scalars(select(Item).where(
        Item.municipality_id == project.municipality_id, Item.status.in_(MOVABLE_STATUSES),
        Item.category_id.in_(category_ids), Item.id.not_in(select(Placement.item_id)))
        .order_by(Item.quantity.desc(), Item.building, Item.room, Item.id).limit(MATCHES_SHOWN))
    network = [match for match in matching_items(actor, need.category, same_group=False).matches
               if match.item.municipality_id != project.municipality_id]
    return NeedMatches(own_surplus=sorted(surplus, key=lambda item: order.get(item.category_id, 99)),
                       own_inventory=sorted(in_use, key=lambda item: order.get(item.category_id, 99)),
                       network=network)


def _check_cover(project_need: ProjectNeed, item: Item, quantity: Decimal | None) -> Decimal:
    need = project_need.need
    if need.status != NeedStatus.OPEN:
        raise Conflict(_("This need is decided already."))
    if item.category_id not in {category.id for category in with_related(need.category)}:
        raise ProjectError({"item_id": _("Choose an item of the need's category or a related one.")})
    if problem := item.category.unit.quantity_problem(quantity):
        raise ProjectError({"quantity": problem})
    if quantity > still_lacking(project_need):
        raise ProjectError({"quantity": _("That is more than the need still lacks (%(lacking)s).", lacking=format(
            still_lacking(project_need).normalize(), "f"))})
    return quantity


def _close_if_covered(actor: User, project_need: ProjectNeed, now: datetime) -> None:
    """A need covered in full by reuse is met: its outcome is recorded and its notice closes."""
    if still_lacking(project_need) == 0:
        decide(actor, project_need, reason="", now=now)


def place(actor: User, project_need: ProjectNeed, item_id: int, quantity: Decimal | None, *,
          would_buy_new: WouldBuyNew, now: datetime | None = None) -> Placement:
    """Move own inventory into the need's room (the whole row, or the part asked for, split off): internal
    reuse, appended to the ledger with the answer to "would you otherwise buy new?"."""
    project = project_need.project
    _require_running(actor, project)
    now = now or utcnow()
    item = db.session.get(Item, item_id)
    if item is None or item.municipality_id != project.municipality_id:
        raise NotVisible
    if item.status not in MOVABLE_STATUSES or db.session.scalar(
            select(Placement.id).where(Placement.item_id == item.id)) is not None:
        raise Conflict(_("This item is not free to move: it is placed in a project already, or not in use."))
    quantity = _check_cover(project_need, item, quantity)
    if quantity > item.quantity:
        raise ProjectError({"quantity": _("The row has only %(quantity)s.", quantity=format(
            item.quantity.normalize(), "f"))})
    came_from = str(inventory.place_of(item))
    moved = inventory.move(actor, item, quantity, inventory.Place(
        building=project.building, room=project_need.room, location_id=project.location_id), now)
    placement = Placement(need_id=project_need.need_id, item_id=moved.id, quantity=quantity, came_from=came_from,
                          placed_by_id=actor.id, placed_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(placement)
            db.session.flush()
    except IntegrityError:  # placed by someone else just now (the unique key on the item)
        raise Conflict(_("Someone else placed these just now. Reload the page.")) from None
    db.session.expire(project_need, ["placements"])
    placement.reuse_event = ledger.record(ledger.HandOver(
        item=moved, quantity=quantity, receiver=project.municipality, receiver_unit_id=moved.unit_id,
        would_buy_new=would_buy_new.value), now)
    db.session.flush()
    audit.record("project_item_placed", actor=actor, municipality_id=project.municipality_id,
                 project_id=project.id, need_id=project_need.need_id, item_id=moved.id,
                 quantity=format(quantity.normalize(), "f"), came_from=came_from)
    _close_if_covered(actor, project_need, now)
    return placement


def held_until(project: Project) -> datetime | None:
    """The end of the project's wanted-by date, Norwegian time."""
    if project.due is None:
        return None
    return datetime.combine(project.due + timedelta(days=1), time.min, tzinfo=OSLO)


def reserve(actor: User, project_need: ProjectNeed, item_id: int, quantity: Decimal | None, *,
            would_buy_new: WouldBuyNew, note: str = "", now: datetime | None = None) -> Reservation:
    """Reserve a listing (the own municipality's surplus or the network's) for the need, held until the
    project's wanted-by date."""
    project = project_need.project
    _require_running(actor, project)
    now = now or utcnow()
    item = listings.find_visible_item(actor, item_id, now)
    if item is None:
        raise NotVisible
    quantity = _check_cover(project_need, item, quantity)
    note = (note or "").strip() or _("For the building project %(project)s, %(room)s.", project=project.name,
                                     room=project_need.room or project.building)
    reservation = reservations.reserve(actor, item.id, quantity, would_buy_new=would_buy_new, note=note,
                                       held_until=held_until(project), now=now)
    project_need.need.reservations.append(reservation)
    db.session.flush()
    audit.record("project_item_reserved", actor=actor, municipality_id=project.municipality_id,
                 project_id=project.id, need_id=project_need.need_id, reservation_id=reservation.id)
    _close_if_covered(actor, project_need, now)
    return reservation


def assign(actor: User, project_need: ProjectNeed, item_id: int, quantity: Decimal | None, *,
           would_buy_new: WouldBuyNew, now: datetime | None = None) -> Placement | Reservation:
    """Cover the need with an item: the own inventory is moved into the room, a listing is reserved."""
    item = db.session.get(Item, item_id)
    if item is not None and item.municipality_id == project_need.project.municipality_id \
            and item.status in MOVABLE_STATUSES:
        return place(actor, project_need, item_id, quantity, would_buy_new=would_buy_new, now=now)
    return reserve(actor, project_need, item_id, quantity, would_buy_new=would_buy_new, now=now)


def decide(actor: User, project_need: ProjectNeed, *, reason: str, reason_text: str = "",
           now: datetime | None = None):
    """Close the need: met by what covers it, and what is still lacking bought new with a reason (waiting
    for approval where the municipality's policy says so)."""
    _require_running(actor, project_need.project)
    need = project_need.need
    linked = [reservation.id for reservation in need.reservations if _live(reservation)]
    return wanted.record_outcome(actor, need, reservation_ids=linked, reason=reason, reason_text=reason_text,
                                 now=now)


@need_covered_elsewhere.connect
def placed_for_the_need(need) -> Decimal | None:
    """The own inventory moved into a project need's room met it too, wherever its outcome is recorded (the
    project's page or the need's own)."""
    project_need = db.session.get(ProjectNeed, need.id)
    return placed_quantity(project_need) if project_need is not None else None


@reservation_closed.connect
def land_in_the_room(reservation: Reservation, *, handed_over: bool, event=None, **_details) -> None:
    """What is handed over for a project becomes the receiver's inventory item in the need's room (a loan is
    not received for good, so it lands nowhere)."""
    if not handed_over or event is None:
        return
    project_need = db.session.scalar(select(ProjectNeed).join(
        need_reservations, need_reservations.c.need_id == ProjectNeed.need_id).where(
        need_reservations.c.reservation_id == reservation.id))
    if project_need is None:
        return
    project = project_need.project
    received = inventory.receive(reservation.item, reservation.quantity, project.municipality, inventory.Place(
        building=project.building, room=project_need.room, location_id=project.location_id),
        by_id=reservation.requester_id, unit_id=reservation.requester_unit_id, now=event.recorded_at)
    audit.record("project_item_received", municipality_id=project.municipality_id, project_id=project.id,
                 need_id=project_need.need_id, reservation_id=reservation.id, item_id=received.id)
