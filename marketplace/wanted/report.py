"""Reuse-first figures for the impact report: needs registered, how many and how much was met by reuse, why
the rest was bought new, and ICT devices handed back against new ones.

The same scope (unit, municipality, network, site) and period (Norwegian dates, both ends included) as the
climate report. Everything is summed in SQL, exactly on both engines (the climate report's exact sum). A need
counts in the period it was registered; its outcome counts once the need is closed (approved where policy
asks), so a need waiting for approval is registered but not yet decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, false, func, select, true

from marketplace.db import db
from marketplace.i18n import OSLO
from marketplace.impact.document import Appendix
from marketplace.impact.models import CategoryFactor
from marketplace.impact.report import Report, Scope, exact_sum, to_decimal
from marketplace.impact.signals import report_appendices
from marketplace.impact.services import factor_set_in_force
from marketplace.listings.models import Category, CategoryGroup
from marketplace.organisations.models import network_members
from marketplace.wanted.forms import REASON_LABELS
from marketplace.wanted.models import BuyNewReason, Need, NeedOutcome, NeedStatus


@dataclass
class NeedsReport:
    registered: int = 0
    decided: int = 0
    reused: int = 0  # met by reuse in full
    partly_reused: int = 0
    bought_new: int = 0
    quantity_needed: Decimal = Decimal(0)  # of the decided needs
    quantity_reused: Decimal = Decimal(0)
    value_needed: Decimal = Decimal(0)  # NOK at the new price of the factor set in force at the period's end
    value_reused: Decimal = Decimal(0)
    reasons: dict[str, int] = field(default_factory=dict)  # why (the rest) was bought new: reason → needs
    ict_issued: Decimal = Decimal(0)  # new devices issued (the part of decided ICT needs not met by reuse)
    ict_returned: int = 0  # of those needs, how many named a device handed back
    ict_not_returned: int = 0  # and how many said why none came back

    @property
    def share_by_count(self) -> Decimal | None:
        """Needs met by reuse in full, of the decided needs."""
        return (Decimal(self.reused) / self.decided).quantize(Decimal("0.001")) if self.decided else None

    @property
    def share_by_value(self) -> Decimal | None:
        """The new price of what reuse supplied, of the new price of everything needed."""
        if not self.value_needed:
            return None
        return (self.value_reused / self.value_needed).quantize(Decimal("0.001"))


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.kind == "site":
        return true()
    if scope.kind == "network":
        return Need.municipality_id.in_(select(network_members.c.organisation_id)
                                        .where(network_members.c.network_id == scope.id))
    if scope.kind == "municipality":
        return Need.municipality_id == scope.id
    if scope.kind == "unit":
        return Need.unit_id == scope.id
    return false()


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OSLO).astimezone(timezone.utc)


def build(scope: Scope, start: date, end: date) -> NeedsReport:
    """Three aggregate queries, whatever the number of needs."""
    registered = and_(_in_scope(scope), Need.created_at >= _utc_start(start),
                      Need.created_at < _utc_start(end + timedelta(days=1)))
    decided = and_(registered, Need.status == NeedStatus.CLOSED, Need.outcome.is_not(None))
    factor_set = factor_set_in_force(end)
    price = (select(CategoryFactor.price_new_nok).where(
        CategoryFactor.factor_set_id == factor_set.id, CategoryFactor.category_id == Need.category_id)
        .scalar_subquery() if factor_set else None)
    is_ict = Need.category_id.in_(select(Category.id).where(Category.group == CategoryGroup.ICT))
    issued = and_(is_ict, Need.outcome != NeedOutcome.REUSED)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    columns = [
        count(true()).label("decided"),
        count(Need.outcome == NeedOutcome.REUSED).label("reused"),
        count(Need.outcome == NeedOutcome.PARTLY_REUSED).label("partly_reused"),
        count(Need.outcome == NeedOutcome.BOUGHT_NEW).label("bought_new"),
        exact_sum(Need.quantity, 3).label("quantity_needed"),
        exact_sum(Need.reused_quantity, 3).label("quantity_reused"),
        exact_sum(case((issued, Need.quantity - Need.reused_quantity), else_=0), 3).label("ict_issued"),
        count(and_(issued, Need.returned_asset_tag != "")).label("ict_returned"),
        count(and_(issued, Need.returned_asset_tag == "")).label("ict_not_returned"),
    ]
    if price is not None:
        columns += [exact_sum(Need.quantity * func.coalesce(price, 0), 2).label("value_needed"),
                    exact_sum(Need.reused_quantity * func.coalesce(price, 0), 2).label("value_reused")]
    row = db.session.execute(select(*columns).where(decided)).one()._mapping
    report = NeedsReport(
        registered=db.session.scalar(select(func.count(Need.id)).where(registered)) or 0,
        decided=int(row["decided"]), reused=int(row["reused"]), partly_reused=int(row["partly_reused"]),
        bought_new=int(row["bought_new"]), quantity_needed=to_decimal(row["quantity_needed"], 3),
        quantity_reused=to_decimal(row["quantity_reused"], 3), ict_issued=to_decimal(row["ict_issued"], 3),
        ict_returned=int(row["ict_returned"]), ict_not_returned=int(row["ict_not_returned"]),
    )
    if price is not None:
        report.value_needed = to_decimal(row["value_needed"], 2)
        report.value_reused = to_decimal(row["value_reused"], 2)
    reasons = db.session.execute(select(Need.buy_new_reason, func.count()).where(
        decided, Need.buy_new_reason.is_not(None)).group_by(Need.buy_new_reason)).all()
    report.reasons = {BuyNewReason(reason).value: count for reason, count in reasons}
    return report


def figures(needs: NeedsReport) -> dict:
    """The figures by machine name, for JSON (the export and the API): every reason for buying new is listed,
    with 0 when none gave it; shares are None when nothing was decided."""
    return {"needs_registered": needs.registered, "needs_decided": needs.decided, "met_by_reuse": needs.reused,
            "partly_met_by_reuse": needs.partly_reused, "bought_new": needs.bought_new,
            "share_by_count": needs.share_by_count, "share_by_value": needs.share_by_value,
            "value_needed_nok": needs.value_needed, "value_reused_nok": needs.value_reused,
            "buy_new_reasons": {reason.value: needs.reasons.get(reason.value, 0) for reason in BuyNewReason},
            "ict_issued": needs.ict_issued, "ict_returned": needs.ict_returned,
            "ict_not_returned": needs.ict_not_returned}


def lines(needs: NeedsReport) -> list[tuple[str, Decimal | int | None, str]]:
    """(label, value, kind) for the report page and the exports; kind as in the climate report's columns
    ("count", "quantity", "nok") plus "share" (a fraction from 0 to 1, None when nothing was decided)."""
    rows: list[tuple[str, Decimal | int | None, str]] = [
        (_("Needs registered"), needs.registered, "count"),
        (_("Needs decided"), needs.decided, "count"),
        (_("Met by reuse in full"), needs.reused, "count"),
        (_("Partly met by reuse"), needs.partly_reused, "count"),
        (_("Bought new"), needs.bought_new, "count"),
        (_("Share met by reuse, by count"), needs.share_by_count, "share"),
        (_("Share met by reuse, by value"), needs.share_by_value, "share"),
        (_("Value needed (new price, NOK)"), needs.value_needed, "nok"),
        (_("Value met by reuse (new price, NOK)"), needs.value_reused, "nok"),
    ]
    rows += [(_("Reason for buying new: %(reason)s", reason=str(label)), needs.reasons.get(reason.value, 0), "count")
             for reason, label in REASON_LABELS.items()]
    rows += [
        (_("ICT devices issued new"), needs.ict_issued, "quantity"),
        (_("ICT devices handed back"), needs.ict_returned, "count"),
        (_("ICT devices issued without one handed back"), needs.ict_not_returned, "count"),
    ]
    return rows


@report_appendices.connect
def reuse_first_appendix(report: Report) -> Appendix:
    """The reuse-first figures as a part of the climate report for the same scope and period."""
    needs = build(report.scope, report.start, report.end)
    return Appendix(key="reuse_first", title=_("Reuse first"), lines=lines(needs), figures=figures(needs),
                    template="wanted/_report_section.html")
