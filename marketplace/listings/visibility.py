"""Who may see which listings: one SQL condition, ``visible_items_clause`` (or ``visibility``, which also names
the municipalities it reaches), that every list, detail, photo and export query includes; so a count, a page or
a photo URL can never show what the condition hides. Deny by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, case, false, literal, or_, select, true, union_all

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role, is_signed_in, is_site_admin
from marketplace.db import db, utcnow
from marketplace.listings.models import INVENTORY_STATUSES, Category, Item, ItemStatus
from marketplace.locations.models import Location, LocationKind
from marketplace.organisations.models import Municipality, PartnerOrganisation, network_members


def municipalities_in(network_ids: list[int]) -> list[int]:
    """The member ids of these networks, read once, so the visibility condition is a plain list the
    planner can use with the items' municipality index."""
    if not network_ids:
        return []
    return list(db.session.scalars(select(network_members.c.organisation_id)
                                   .where(network_members.c.network_id.in_(network_ids)).distinct()))


_MINE, _THEIRS = network_members.alias("mine"), network_members.alias("theirs")
# What the visibility condition is built from, in one statement built once: the members of the networks of the
# user's organisations, keyed ("organisation", id); the members of the networks they coordinate, keyed ("network",
# id); and the data-bearing categories, keyed ("data_bearing", 0).
_VISIBILITY_INPUTS = union_all(
    select(literal("organisation"), _MINE.c.organisation_id, _THEIRS.c.organisation_id)
    .join(_THEIRS, _THEIRS.c.network_id == _MINE.c.network_id)
    .where(_MINE.c.organisation_id.in_(bindparam("organisation_ids", expanding=True))),
    select(literal("network"), network_members.c.network_id, network_members.c.organisation_id)
    .where(network_members.c.network_id.in_(bindparam("network_ids", expanding=True))),
    select(literal("data_bearing"), literal(0), Category.id).where(Category.holds_data.is_(True)),
)


def _visibility_inputs(organisation_ids: list[int], network_ids: list[int]) -> dict[tuple[str, int], set[int]]:
    """The fellow members of these organisations and networks, and the data-bearing categories (see
    ``_VISIBILITY_INPUTS``), read in the request's transaction."""
    found: dict[tuple[str, int], set[int]] = {}
    for kind, key, member in db.session.execute(
            _VISIBILITY_INPUTS, {"organisation_ids": organisation_ids, "network_ids": network_ids}):
        found.setdefault((kind, key), set()).add(member)
    return found


def store_ids(municipality_ids: list[int]) -> list[int]:
    """The ids of these municipalities' reuse stores (archived ones too: items may still stand there), read
    once, so the visibility condition is a plain list."""
    return list(db.session.scalars(select(Location.id).where(Location.municipality_id.in_(municipality_ids),
                                                             Location.kind == LocationKind.STORE)))


def _erasure_settled(data_bearing: set[int]) -> ColumnElement[bool]:
    """Not data-bearing ICT, or its erasure is recorded: only then may it leave its municipality. The few
    data-bearing category ids are a plain list (cheaper than a subquery per row, and answerable from the items'
    visibility index)."""
    return or_(Item.category_id.not_in(sorted(data_bearing)), Item.erasure_recorded_at.is_not(None))


@dataclass(frozen=True)
class Visibility:
    """What a user may see at a moment: ``clause``, the SQL condition on items, and ``municipality_ids``, the
    municipalities it reaches (None: all, for a site admin), for narrowing a table outside ``items`` (the text
    index) before it is joined to them. Only ``clause`` decides what is visible; the ids never widen it."""

    clause: ColumnElement[bool]
    municipality_ids: tuple[int, ...] | None


def visible_items_clause(user: User, now: datetime) -> ColumnElement[bool]:
    """The SQL condition for the items ``user`` may see at ``now``. Deny by default."""
    return visibility(user, now).clause


def visibility(user: User, now: datetime) -> Visibility:
    """What ``user`` may see at ``now`` (see ``Visibility``). Deny by default.

    The clause's shape is for the planners: ``municipality_id IN (every reachable municipality) AND CASE WHEN
    municipality_id IN (...) THEN (what the user sees there) ... ELSE false END``. The first part is what the
    items' visibility index seeks; the CASE is checked on each index entry (no row is read) and, being opaque to
    the planners, it is neither split into several index scans nor badly estimated as a chain of ORs.
    """
    if not is_signed_in(user):
        return Visibility(false(), ())
    if is_site_admin(user):
        return Visibility(true(), None)
    published = Item.status == ItemStatus.PUBLISHED
    # What the user sees in each municipality: an own municipality's rule (which covers at least all its
    # published items, so no network or partner stage adds anything there), or the stages that reach it.
    own_rules = {"caretaker": true(),  # drafts and history too: they handle the municipality's listings
                 # The inventory (what is in use, for repair or recycling) too: never beyond the municipality.
                 "member": or_(published, Item.created_by_id == user.id, Item.status.in_(INVENTORY_STATUSES))}
    own: dict[int, str] = {}  # municipality id → "caretaker", "store_keeper" or "member"
    stages: dict[int, dict[str, ColumnElement[bool]]] = {}

    def reach(members: set[int], name: str, condition) -> None:
        for municipality_id in members:
            stages.setdefault(municipality_id, {})[name] = condition

    inputs = _visibility_inputs(
        [membership.organisation_id for membership in user.memberships if membership.organisation_id is not None],
        [membership.network_id for membership in user.memberships
         if membership.role == Role.NETWORK_ADMIN and membership.network_id is not None])
    settled = _erasure_settled(inputs.get(("data_bearing", 0), set()))
    for membership in user.memberships:
        organisation = membership.organisation
        if isinstance(organisation, Municipality):
            if has_organisation_role(user, organisation, Role.CARETAKER):
                own[organisation.id] = "caretaker"
            elif has_organisation_role(user, organisation, Role.STORE_KEEPER) and own.get(organisation.id) != \
                    "caretaker":
                own[organisation.id] = "store_keeper"
            else:
                own.setdefault(organisation.id, "member")
            reach(inputs.get(("organisation", organisation.id), set()), "network",
                  and_(published, Item.network_visible_at <= now, settled))
        elif isinstance(organisation, PartnerOrganisation):
            reach(inputs.get(("organisation", organisation.id), set()), "partner",
                  and_(published, Item.partner_visible_at.is_not(None), Item.partner_visible_at <= now, settled))
        elif membership.role == Role.NETWORK_ADMIN and membership.network_id is not None:
            # The coordinator follows the network's market as the member municipalities see it.
            reach(inputs.get(("network", membership.network_id), set()), "network",
                  and_(published, Item.network_visible_at <= now, settled))
    if "store_keeper" in own.values():
        # A store keeper sees, besides what members see, every item standing in the municipality's stores
        # (drafts, expired and written-off ones too), as its caretakers do.
        own_rules["store_keeper"] = or_(own_rules["member"], Item.location_id.in_(store_ids(
            [municipality_id for municipality_id, kind in own.items() if kind == "store_keeper"])))
    # Municipalities with the same rule share one WHEN.
    rules: dict[tuple, tuple[ColumnElement[bool], list[int]]] = {}
    for municipality_id, kind in own.items():
        rules.setdefault(("own", kind), (own_rules[kind], []))[1].append(municipality_id)
    for municipality_id, reached in stages.items():
        if municipality_id not in own:
            names = tuple(sorted(reached))
            rules.setdefault(names, (or_(*(reached[name] for name in names)), []))[1].append(municipality_id)
    if not rules:
        return Visibility(false(), ())
    reachable = tuple(sorted(set(own) | set(stages)))
    return Visibility(and_(Item.municipality_id.in_(reachable), case(
        *((Item.municipality_id.in_(sorted(ids)), condition) for condition, ids in rules.values()), else_=false())),
        reachable)


def visible_since_expression(user: User) -> ColumnElement:
    """When ``item`` became (or becomes) visible to ``user``: publication for their own municipality, the
    network or partner stage for others, and for data-bearing ICT not before its erasure was recorded."""
    own_ids = [m.organisation_id for m in user.memberships if isinstance(m.organisation, Municipality)]
    is_partner = any(isinstance(m.organisation, PartnerOrganisation) for m in user.memberships)
    stage = Item.partner_visible_at if is_partner else Item.network_visible_at
    data_bearing = select(Category.id).where(Category.holds_data.is_(True))
    outside = case(
        (and_(Item.category_id.in_(data_bearing), Item.erasure_recorded_at > stage), Item.erasure_recorded_at),
        else_=stage,
    )
    if is_site_admin(user):
        return Item.published_at
    if own_ids:
        return case((Item.municipality_id.in_(own_ids), Item.published_at), else_=outside)
    return outside


@dataclass(frozen=True)
class VisibilityStage:
    audience: str  # "municipality", "network", "partners"
    visible_from: datetime | None  # None: not (yet) planned
    reached: bool


def visibility_stages(item: Item, now: datetime | None = None) -> list[VisibilityStage]:
    """Who can see the item now and from when the wider circles will, for the owner's item page."""
    now = now or utcnow()
    published = item.status == ItemStatus.PUBLISHED
    held_back = item.needs_erasure
    stages = [VisibilityStage("municipality", item.published_at, published)]
    for audience, moment in (("network", item.network_visible_at), ("partners", item.partner_visible_at)):
        moment = None if held_back else moment
        stages.append(VisibilityStage(audience, moment, published and moment is not None and moment <= now))
    return stages
