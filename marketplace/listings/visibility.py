"""Who may see which listings: one SQL condition, ``visible_items_clause`` (or ``kept_clause``, the same with the
moment as a parameter), that every list, detail, photo and export query includes; so a count, a page or a photo
URL can never show what the condition hides. Deny by default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

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
    for kind, key, member in db.read(
            _VISIBILITY_INPUTS, {"organisation_ids": organisation_ids, "network_ids": network_ids}):
        found.setdefault((kind, key), set()).add(member)
    return found


def store_ids(municipality_ids: list[int]) -> list[int]:
    """The ids of these municipalities' reuse stores (archived ones too: items may still stand there), read
    once, so the visibility condition is a plain list."""
    return list(db.session.scalars(select(Location.id).where(Location.municipality_id.in_(municipality_ids),
                                                             Location.kind == LocationKind.STORE)))


# A rule of what a user sees in a group of municipalities, as plain data, so that the SQL built from it can be
# kept: ("caretaker",), ("member", user id), ("store_keeper", user id, store ids), or the sharing stages that
# reach the municipalities, ("stages", ("network", "partner") or one of them, the data-bearing category ids).
Rule = tuple
Plan = tuple[tuple[Rule, tuple[int, ...]], ...]  # each rule with the municipalities it holds for
ConditionAt = Callable[[datetime | ColumnElement], ColumnElement[bool]]  # a condition on items at a moment


def visible_items_clause(user: User, now: datetime) -> ColumnElement[bool]:
    """The SQL condition for the items ``user`` may see at ``now``. Deny by default.

    Its shape is for the planners: ``municipality_id IN (every reachable municipality) AND CASE WHEN
    municipality_id IN (...) THEN (what the user sees there) ... ELSE false END``. The first part is what the
    items' visibility index seeks; the CASE is checked on each index entry (no row is read) and, being opaque to
    the planners, it is neither split into several index scans nor badly estimated as a chain of ORs.
    """
    return _clause(visibility_key(user), now)


def visibility_key(user: User) -> Plan | bool:
    """What decides what ``user`` sees, as a key for SQL kept per worker: True (everything: a site admin), False
    (nothing), or what they see where (``visibility_plan``)."""
    if not is_signed_in(user):
        return False
    if is_site_admin(user):
        return True
    return visibility_plan(user) or False


def reachable_municipalities(key: Plan | bool) -> tuple[int, ...] | None:
    """The municipalities whose items a key of ``visibility_key`` may show (None: all, for a site admin)."""
    if key is True:
        return None
    return _built(key)[0] if key else ()


# The moment, as a parameter: a statement kept per key (``kept_clause``) is given it when it runs.
VISIBLE_AT = bindparam("visible_at")


@lru_cache(maxsize=1024)
def kept_clause(key: Plan | bool) -> ColumnElement[bool]:
    """The visibility clause for a key of ``visibility_key``, with the moment as the parameter ``visible_at``
    (``VISIBLE_AT``), so a statement that includes it can be built once per key and kept: the home page's newest
    items, an item, a search. The same SQL as ``visible_items_clause``'s (tested: they agree for every person and
    moment)."""
    return _clause(key, VISIBLE_AT)


def _clause(key: Plan | bool, moment: datetime | ColumnElement) -> ColumnElement[bool]:
    """The clause of a key at ``moment``: a time (``visible_items_clause``) or the parameter ``VISIBLE_AT``."""
    if key is True:
        return true()
    if key is False:
        return false()
    reachable, whens = _built(key)
    return and_(Item.municipality_id.in_(reachable), case(
        *((municipalities, condition_at(moment)) for municipalities, condition_at in whens), else_=false()))


def visibility_plan(user: User) -> Plan:
    """What ``user`` sees where, as plain data (``Rule``), read from their memberships and, in one statement,
    their networks' members and the data-bearing categories; empty when they see nothing."""
    own: dict[int, str] = {}  # municipality id → "caretaker", "store_keeper" or "member"
    stages: dict[int, set[str]] = {}  # municipality id → the sharing stages that reach it

    def reach(members: set[int], stage: str) -> None:
        for municipality_id in members:
            stages.setdefault(municipality_id, set()).add(stage)

    inputs = _visibility_inputs(
        [membership.organisation_id for membership in user.memberships if membership.organisation_id is not None],
        [membership.network_id for membership in user.memberships
         if membership.role == Role.NETWORK_ADMIN and membership.network_id is not None])
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
            reach(inputs.get(("organisation", organisation.id), set()), "network")
        elif isinstance(organisation, PartnerOrganisation):
            reach(inputs.get(("organisation", organisation.id), set()), "partner")
        elif membership.role == Role.NETWORK_ADMIN and membership.network_id is not None:
            # The coordinator follows the network's market as the member municipalities see it.
            reach(inputs.get(("network", membership.network_id), set()), "network")
    data_bearing = tuple(sorted(inputs.get(("data_bearing", 0), set())))
    keeping_stores = sorted(municipality_id for municipality_id, kind in own.items() if kind == "store_keeper")
    stores = tuple(store_ids(keeping_stores)) if keeping_stores else ()
    own_rules = {"caretaker": ("caretaker",), "member": ("member", user.id),
                 "store_keeper": ("store_keeper", user.id, stores)}
    # Municipalities with the same rule share one WHEN. An own municipality's rule covers at least all its
    # published items, so no network or partner stage adds anything there.
    rules: dict[Rule, list[int]] = {}
    for municipality_id, kind in own.items():
        rules.setdefault(own_rules[kind], []).append(municipality_id)
    for municipality_id, reached in stages.items():
        if municipality_id not in own:
            rules.setdefault(("stages", tuple(sorted(reached)), data_bearing), []).append(municipality_id)
    return tuple(sorted((rule, tuple(sorted(ids))) for rule, ids in rules.items()))


_PUBLISHED = Item.status == ItemStatus.PUBLISHED
# What every member sees of their municipality: its published items and its inventory (what is in use, for repair
# or recycling: never beyond the municipality). Each member sees what they listed themselves too (``_built``).
_MEMBER_SEES = or_(_PUBLISHED, Item.status.in_(INVENTORY_STATUSES))


@lru_cache(maxsize=1024)
def _built(plan: Plan) -> tuple[tuple[int, ...], tuple[tuple[ColumnElement[bool], ConditionAt], ...]]:
    """The SQL of a plan, kept per worker as far as it does not depend on the moment (building it anew cost more
    than running the statement): the reachable municipalities, and each rule's municipalities with its condition
    as a function of the moment. Pure: the same plan, the same SQL."""
    whens = []
    for rule, municipality_ids in plan:
        kind = rule[0]
        if kind == "caretaker":  # drafts and history too: they handle the municipality's listings
            condition = true()
        elif kind == "member":
            condition = or_(_MEMBER_SEES, Item.created_by_id == rule[1])
        elif kind == "store_keeper":
            # Besides what members see, every item standing in the municipality's stores (drafts, expired and
            # written-off ones too), as its caretakers do.
            condition = or_(_MEMBER_SEES, Item.created_by_id == rule[1], Item.location_id.in_(rule[2]))
        else:
            whens.append((Item.municipality_id.in_(municipality_ids),
                          _stages_condition(rule[1], _erasure_settled(rule[2]))))
            continue
        whens.append((Item.municipality_id.in_(municipality_ids), lambda _now, condition=condition: condition))
    return tuple(sorted({municipality for _rule, ids in plan for municipality in ids})), tuple(whens)


def _stages_condition(names: tuple[str, ...], settled: ColumnElement[bool]) -> ConditionAt:
    """The items the sharing stages ``names`` have brought out at a moment, as a function of the moment."""
    def at(now: datetime) -> ColumnElement[bool]:
        reached = []
        if "network" in names:
            reached.append(and_(_PUBLISHED, Item.network_visible_at <= now, settled))
        if "partner" in names:
            reached.append(and_(_PUBLISHED, Item.partner_visible_at.is_not(None), Item.partner_visible_at <= now,
                                settled))
        return or_(*reached)
    return at


def _erasure_settled(data_bearing: tuple[int, ...]) -> ColumnElement[bool]:
    """Not data-bearing ICT, or its erasure is recorded: only then may it leave its municipality. The few
    data-bearing category ids are a plain list (cheaper than a subquery per row, and answerable from the items'
    visibility index)."""
    return or_(Item.category_id.not_in(data_bearing), Item.erasure_recorded_at.is_not(None))


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
