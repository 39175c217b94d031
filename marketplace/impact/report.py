"""The climate report: reuse events summed in the database, by scope and period.

Credit rule (see the shared climate method): the CO2e and money avoided belong to the receiver, who did not
buy new; the waste avoided belongs to the giver, whose surplus was not thrown away. A network or site total
counts each event once. Periods are Norwegian dates, both ends included.

Sums are exact on both engines: PostgreSQL adds NUMERIC values; on SQLite, whose numbers are binary floats,
each value is first scaled to a whole number of grams or øre, so totals never drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, and_, case, cast, false, func, or_, select, true

from marketplace.accounts.models import Role, User
from marketplace.accounts.permissions import has_organisation_role, is_network_admin, is_site_admin
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.impact.models import ReuseEvent
from marketplace.listings.models import Category
from marketplace.organisations.models import Municipality, Network, Organisation, Unit, network_members

# A familiar comparison, with its source: driving a diesel van (DEFRA/DESNZ 2025, average van, diesel).
VAN_KG_PER_KM = Decimal("0.256")
VAN_SOURCE = "UK DESNZ/DEFRA GHG conversion factors 2025: diesel van, 0.256 kg CO2e per km"
MEASURES = ("co2e_net_kg", "co2e_gross_kg", "waste_kg", "money_nok")
_SCALES = {"co2e_net_kg": 3, "co2e_gross_kg": 3, "waste_kg": 3, "money_nok": 2, "quantity": 3}


class ScopeError(ValueError):
    """The scope text cannot be read or names nothing; the message is fit to show."""


@dataclass(frozen=True)
class Scope:
    kind: str  # "unit", "municipality", "network" or "site"
    id: int | None
    name: str
    key: str  # as written in URLs and on the command line: municipality:dulten, network:..., unit:12, site

    @property
    def counts_each_event_once(self) -> bool:
        return self.kind in ("network", "site")


def resolve_scope(actor: User | None, text: str) -> Scope:
    """Read "municipality:SLUG", "network:SLUG", "unit:ID" or "site", and check that ``actor`` may see it
    (``actor`` None is the command line, which may see everything)."""
    kind, _sep, value = (text or "").strip().partition(":")
    if kind == "site" and not value:
        if actor is not None and not is_site_admin(actor):
            raise Forbidden
        return Scope("site", None, _("All networks"), "site")
    if kind == "municipality":
        municipality = db.session.scalar(select(Municipality).where(Municipality.slug == value))
        if municipality is None:
            raise NotVisible
        if actor is not None and not _may_see_municipality(actor, municipality):
            raise Forbidden
        return Scope("municipality", municipality.id, municipality.name, f"municipality:{municipality.slug}")
    if kind == "network":
        network = db.session.scalar(select(Network).where(Network.slug == value))
        if network is None:
            raise NotVisible
        if actor is not None and not is_network_admin(actor, network):
            raise Forbidden
        return Scope("network", network.id, network.name, f"network:{network.slug}")
    if kind == "unit" and value.isdigit() and len(value) < 12:
        unit = db.session.get(Unit, int(value))
        if unit is None:
            raise NotVisible
        if actor is not None and not _may_see_municipality(actor, unit.municipality):
            raise Forbidden
        return Scope("unit", unit.id, f"{unit.name}, {unit.municipality.name}", f"unit:{unit.id}")
    raise ScopeError(_("Choose a scope like municipality:dulten, network:dulten-regionen, unit:12 or site."))


def _may_see_municipality(actor: User, municipality: Municipality) -> bool:
    """Staff of a municipality read its report; network admins read their members' reports."""
    if is_site_admin(actor) or has_organisation_role(actor, municipality, Role.MEMBER):
        return True
    return any(is_network_admin(actor, network) for network in municipality.networks)


def default_scope(actor: User) -> str | None:
    if actor.municipality is not None:
        return f"municipality:{actor.municipality.slug}"
    network = next((m.network for m in actor.memberships if m.role == Role.NETWORK_ADMIN), None)
    if network is not None:
        return f"network:{network.slug}"
    return "site" if is_site_admin(actor) else None


# --- Which events count, and for what -------------------------------------------------------------------

def _members(network_id: int):
    return select(network_members.c.organisation_id).where(network_members.c.network_id == network_id)


def _credit(scope: Scope) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(received, given): the events whose CO2e and money, and whose waste, the scope is credited with."""
    if scope.kind == "site":
        return true(), true()
    if scope.kind == "network":
        members = _members(scope.id)
        either = or_(ReuseEvent.giver_municipality_id.in_(members), ReuseEvent.receiver_organisation_id.in_(members))
        return either, either
    if scope.kind == "municipality":
        return (ReuseEvent.receiver_organisation_id == scope.id, ReuseEvent.giver_municipality_id == scope.id)
    if scope.kind == "unit":
        return ReuseEvent.receiver_unit_id == scope.id, ReuseEvent.giver_unit_id == scope.id
    return false(), false()


def _exact_sum(expression, scale: int):
    if db.engine.dialect.name == "postgresql":
        return func.coalesce(func.sum(expression), 0)
    return func.coalesce(func.sum(cast(func.round(expression * (10 ** scale)), Integer)), 0)


def _to_decimal(value, scale: int) -> Decimal:
    if db.engine.dialect.name == "postgresql":
        return Decimal(value or 0).quantize(Decimal(1).scaleb(-scale))
    return Decimal(int(value or 0)).scaleb(-scale)


def _measures(received, given, *, once: bool = False):
    """The aggregate columns: each measure credited by the rule, plus event counts on each side. When the
    scope counts each event once (network, site), the WHERE clause has already chosen the events, so the
    columns are plain sums instead of a test per row and measure."""
    if once:
        columns = [_exact_sum(getattr(ReuseEvent, name), _SCALES[name]).label(name) for name in MEASURES]
        quantity = _exact_sum(ReuseEvent.quantity, 3)
        events = func.sum(case((ReuseEvent.quantity > 0, 1), else_=-1))
        return columns + [quantity.label("quantity_received"), quantity.label("quantity_given"),
                          events.label("events_received"), events.label("events_given")]
    credited = {"co2e_net_kg": received, "co2e_gross_kg": received, "money_nok": received, "waste_kg": given}
    columns = [_exact_sum(case((credited[name], getattr(ReuseEvent, name)), else_=0), _SCALES[name]).label(name)
               for name in MEASURES]
    columns += [
        _exact_sum(case((received, ReuseEvent.quantity), else_=0), 3).label("quantity_received"),
        _exact_sum(case((given, ReuseEvent.quantity), else_=0), 3).label("quantity_given"),
        func.sum(case((received, case((ReuseEvent.quantity > 0, 1), else_=-1)), else_=0)).label("events_received"),
        func.sum(case((given, case((ReuseEvent.quantity > 0, 1), else_=-1)), else_=0)).label("events_given"),
    ]
    return columns


@dataclass
class Totals:
    co2e_net_kg: Decimal = Decimal(0)
    co2e_gross_kg: Decimal = Decimal(0)
    waste_kg: Decimal = Decimal(0)
    money_nok: Decimal = Decimal(0)
    quantity_received: Decimal = Decimal(0)
    quantity_given: Decimal = Decimal(0)
    events_received: int = 0
    events_given: int = 0

    @classmethod
    def from_row(cls, row) -> Totals:
        values = row._mapping
        return cls(
            **{name: _to_decimal(values[name], _SCALES[name]) for name in MEASURES},
            quantity_received=_to_decimal(values["quantity_received"], 3),
            quantity_given=_to_decimal(values["quantity_given"], 3),
            events_received=int(values["events_received"] or 0), events_given=int(values["events_given"] or 0),
        )

    def __add__(self, other: Totals) -> Totals:
        return Totals(**{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__})

    @property
    def events(self) -> int:
        return max(self.events_received, self.events_given)

    @property
    def van_km(self) -> Decimal:
        return (self.co2e_net_kg / VAN_KG_PER_KM).quantize(Decimal(1))


@dataclass
class Row:
    key: str
    label: str
    totals: Totals


@dataclass
class FactorUsed:
    category: str
    factor_set_version: str
    kgco2e_new: Decimal | None
    mass_kg: Decimal | None
    price_new_nok: Decimal | None
    sources: str
    overridden_by: str | None
    events: int


@dataclass
class Report:
    scope: Scope
    start: date
    end: date
    totals: Totals
    by_group: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_unit: list[Row] = field(default_factory=list)
    by_period: list[Row] = field(default_factory=list)
    matrix: list[tuple[str, str, Totals]] = field(default_factory=list)  # giver, receiver, totals
    factors: list[FactorUsed] = field(default_factory=list)
    bucket: str = "month"


def build(scope: Scope, start: date, end: date, *, bucket: str = "month", locale: str = "nb") -> Report:
    """The whole report: totals and every breakdown, each one aggregate query."""
    if end < start:
        raise ScopeError(_("The period must end on or after its first day."))
    received, given = _credit(scope)
    in_period = and_(ReuseEvent.occurred_on >= start, ReuseEvent.occurred_on <= end)
    relevant = and_(in_period, or_(received, given))
    measures = _measures(received, given, once=scope.counts_each_event_once)

    def grouped(key, label, *joins, where=None):
        query = select(key.label("key"), label.label("label"), *measures).select_from(ReuseEvent)
        for target, condition in joins:
            query = query.join(target, condition)
        query = query.where(relevant if where is None else and_(relevant, where))
        rows = db.session.execute(query.group_by(key, label).order_by(label)).all()
        return [Row(str(row.key), str(row.label), Totals.from_row(row)) for row in rows]

    totals = Totals.from_row(db.session.execute(select(*measures).where(relevant)).one())
    name = Category.name_en if locale == "en" else Category.name_nb
    report = Report(scope=scope, start=start, end=end, totals=totals, bucket=bucket)
    # Grouped by ids and days in SQL (few, cheap groups), labelled and bucketed here, with exact addition.
    categories = {category.id: category for category in db.session.scalars(select(Category))}
    by_category_id = grouped(ReuseEvent.category_id, ReuseEvent.category_id)
    report.by_category = sorted((Row(categories[int(row.key)].slug, categories[int(row.key)].name(locale),
                                     row.totals) for row in by_category_id), key=lambda row: row.label)
    report.by_group = _regroup(by_category_id, lambda key: categories[int(key)].group.value)
    report.by_period = _regroup(grouped(ReuseEvent.occurred_on, ReuseEvent.occurred_on),
                                lambda day: _period_key(date.fromisoformat(day[:10]), bucket))
    report.by_unit = _by_unit(scope, received, given, relevant, measures)
    if scope.counts_each_event_once:
        report.matrix = _matrix(relevant, measures)
    report.factors = _factors_used(relevant, name)
    return report


def _period_key(day: date, bucket: str) -> str:
    """2026-03 for months, 2026-Q1 for quarters: the period of a Norwegian date."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if bucket == "quarter" else f"{day:%Y-%m}"


def _regroup(rows: list[Row], key_of) -> list[Row]:
    """Add rows up under a coarser key (categories into groups, days into months), keeping exact sums."""
    sums: dict[str, Totals] = {}
    for row in rows:
        key = key_of(row.key)
        sums[key] = sums.get(key, Totals()) + row.totals
    return [Row(key, key, sums[key]) for key in sorted(sums)]


def _by_unit(scope: Scope, received, given, relevant, measures) -> list[Row]:
    """Per unit: what each unit received (CO2e, money) and gave (waste), merged into one row per unit."""
    if scope.kind == "unit":
        return []
    rows: dict[int, Row] = {}
    for side, column in (("received", ReuseEvent.receiver_unit_id), ("given", ReuseEvent.giver_unit_id)):
        condition = received if side == "received" else given
        side_measures = _measures(condition, condition) if scope.kind == "municipality" else measures
        query = (select(Unit.id.label("key"), Unit.name.label("label"), Organisation.name.label("owner"), *side_measures)
                 .select_from(ReuseEvent).join(Unit, Unit.id == column)
                 .join(Organisation, Organisation.id == Unit.municipality_id)
                 .where(relevant, condition))
        if scope.kind == "municipality":
            query = query.where(Unit.municipality_id == scope.id)
        for row in db.session.execute(query.group_by(Unit.id, Unit.name, Organisation.name)).all():
            found = Totals.from_row(row)
            label = row.label if scope.kind == "municipality" else f"{row.label} ({row.owner})"
            current = rows.setdefault(row.key, Row(str(row.key), label, Totals()))
            if side == "received":
                for name in ("co2e_net_kg", "co2e_gross_kg", "money_nok", "quantity_received", "events_received"):
                    setattr(current.totals, name, getattr(found, name))
            else:
                for name in ("waste_kg", "quantity_given", "events_given"):
                    setattr(current.totals, name, getattr(found, name))
    return sorted(rows.values(), key=lambda row: row.label)


def _matrix(relevant, measures) -> list[tuple[str, str, Totals]]:
    giver = Organisation.__table__.alias("giver")
    receiver = Organisation.__table__.alias("receiver")
    query = (select(giver.c.name.label("giver"), receiver.c.name.label("receiver"), *measures)
             .select_from(ReuseEvent)
             .join(giver, giver.c.id == ReuseEvent.giver_municipality_id)
             .join(receiver, receiver.c.id == ReuseEvent.receiver_organisation_id)
             .where(relevant).group_by(giver.c.name, receiver.c.name).order_by(giver.c.name, receiver.c.name))
    return [(row.giver, row.receiver, Totals.from_row(row)) for row in db.session.execute(query).all()]


def _factors_used(relevant, name) -> list[FactorUsed]:
    """Every distinct factor the report's events were computed with, with its source."""
    query = (select(name.label("category"), ReuseEvent.factor_set_version, ReuseEvent.kgco2e_new, ReuseEvent.mass_kg,
                    ReuseEvent.price_new_nok, ReuseEvent.factor_sources, ReuseEvent.overridden_by,
                    func.count(ReuseEvent.id).label("events"))
             .join(Category, Category.id == ReuseEvent.category_id).where(relevant)
             .group_by(name, ReuseEvent.factor_set_version, ReuseEvent.kgco2e_new, ReuseEvent.mass_kg,
                       ReuseEvent.price_new_nok, ReuseEvent.factor_sources, ReuseEvent.overridden_by)
             .order_by(name))
    return [FactorUsed(row.category, row.factor_set_version, row.kgco2e_new, row.mass_kg, row.price_new_nok,
                       row.factor_sources, row.overridden_by, row.events) for row in db.session.execute(query).all()]
