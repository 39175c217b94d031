"""Wanted notices and needs: post what a unit is looking for, hear when it appears, and document that reuse
came first before buying new (the reuse-first check, with ICT trade-in).

Every function takes the acting user explicitly, checks permission itself, flushes and never commits.
Matching items are found by the search service, and announced by the saved-search alert that `tick` runs:
each notice owns a saved search of its poster, so an item is announced once, and only when it becomes
visible to the poster.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, select

from marketplace.accounts.models import Membership, Role, User
from marketplace.accounts.permissions import can_administer_municipality
from marketplace.audit import services as audit
from marketplace.db import ListPage, db, utcnow
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.i18n import oslo_date
from marketplace.listings import services as listings
from marketplace.listings.models import Category, Condition, Item, ItemStatus, MeasureUnit
from marketplace.listings.permissions import can_manage_item
from marketplace.listings.visibility import visible_items_clause
from marketplace.notifications import services as notifications
from marketplace.organisations.models import Municipality, Unit
from marketplace.reservations.models import Reservation, ReservationStatus
from marketplace.search import services as search
from marketplace.search.models import SavedSearch
from marketplace.wanted.matching import MatchKind, matching_items, with_related
from marketplace.wanted.models import (
    BuyNewReason,
    Need,
    NeedOutcome,
    NeedStatus,
    NoticeStatus,
    WantedAnswer,
    WantedNotice,
    need_reservations,
)
from marketplace.wanted.permissions import (
    can_answer_notice,
    can_approve_need,
    can_manage_need,
    can_manage_notice,
    can_post_notice,
    can_see_need,
)
from marketplace.wanted.signals import need_covered_elsewhere
from marketplace.wanted.visibility import visible_notices_clause

MAX_FOUND_KEPT = 12  # matching items remembered on the need, for the certificate
LIST_PAGE_SIZE = 50  # notices or needs a page: the wanted pages and "our needs"


class WantedError(ValueError):
    """Input that breaks a rule. ``errors`` maps a field name (or "" for the form) to a message fit to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class TransitionError(Conflict):
    """The notice's or need's status does not allow this change."""


@dataclass
class NoticeInput:
    title: str
    category: Category | None
    quantity: Decimal | None
    needed_by: date | None = None
    description: str = ""
    unit: Unit | None = None


@dataclass
class NeedInput(NoticeInput):
    returned_asset_tag: str = ""
    no_return_reason: str = ""


# --- Notices: seeing ------------------------------------------------------------------------------------

def visible_notices(user: User, now: datetime | None = None) -> Select[tuple[WantedNotice]]:
    return select(WantedNotice).where(visible_notices_clause(user, now or utcnow()))


def find_visible_notice(user: User, notice_id: int, now: datetime | None = None) -> WantedNotice:
    notice = db.session.scalar(visible_notices(user, now).where(WantedNotice.id == notice_id))
    if notice is None:
        raise NotVisible
    return notice


def open_notices(user: User, now: datetime | None = None, page: int = 1) -> ListPage:
    """Page ``page`` of the open notices ``user`` may see, soonest needed first (the "wanted" page): a network
    of many municipalities has thousands open at once."""
    return db.page(open_notices_query(user, now), page, LIST_PAGE_SIZE)


def open_notices_query(user: User, now: datetime | None = None) -> Select[tuple[WantedNotice]]:
    """``open_notices`` as a query, to count or page in SQL (the API); the id orders a date's notices."""
    return (visible_notices(user, now).where(WantedNotice.status == NoticeStatus.OPEN)
            .order_by(WantedNotice.needed_by.is_(None), WantedNotice.needed_by, WantedNotice.id.desc()))


def our_notices(user: User, page: int = 1) -> ListPage:
    """Page ``page`` of the notices of the user's municipality, every status, newest first ("our notices")."""
    return db.page(our_notices_query(user), page, LIST_PAGE_SIZE)


def our_notices_query(user: User) -> Select[tuple[WantedNotice]] | None:
    """``our_notices`` as a query; None for a user of no municipality (deny by default)."""
    municipality = user.municipality
    if municipality is None:
        return None
    return (visible_notices(user).where(WantedNotice.municipality_id == municipality.id)
            .order_by(WantedNotice.created_at.desc(), WantedNotice.id.desc()))


def answers(notice: WantedNotice, viewer: User, now: datetime | None = None) -> list[WantedAnswer]:
    """Items offered in answer to the notice that ``viewer`` may see."""
    query = (select(WantedAnswer).join(Item, Item.id == WantedAnswer.item_id)
             .where(WantedAnswer.notice_id == notice.id, visible_items_clause(viewer, now or utcnow()))
             .order_by(WantedAnswer.created_at.desc()))
    return list(db.session.scalars(query))


# --- Notices: changing ----------------------------------------------------------------------------------

def _check(municipality: Municipality, data: NoticeInput, today: date) -> None:
    errors: dict[str, str] = {}
    data.title = (data.title or "").strip()
    data.description = (data.description or "").strip()
    if not data.title:
        errors["title"] = _("Say briefly what you need.")
    elif len(data.title) > 140:
        errors["title"] = _("The title can be at most 140 characters.")
    if data.category is None:
        errors["category"] = _("Choose a category.")
    unit = data.category.unit if data.category is not None else MeasureUnit.KG  # any amount, until one is chosen
    if problem := unit.quantity_problem(data.quantity):
        errors["quantity"] = problem
    if data.needed_by is not None and data.needed_by < today:
        errors["needed_by"] = _("The date has passed: choose today or a later date.")
    if data.unit is not None and data.unit.municipality_id != municipality.id:
        errors["unit"] = _("Choose one of your municipality's units.")
    if len(data.description) > 5000:
        errors["description"] = _("The description can be at most 5000 characters.")
    if errors:
        raise WantedError(errors)


def _alert_for(poster: User, notice: WantedNotice, now: datetime) -> SavedSearch:
    """The poster's alert for the notice: the saved-search mechanism announces each matching item once, when
    it becomes visible to them."""
    slugs = tuple(category.slug for category in with_related(notice.category))  # related categories too
    params = search.SearchParams(categories=slugs).to_args()
    saved = SavedSearch(user_id=poster.id, name=notice.title[:120], params=params, checked_until=now)
    db.session.add(saved)
    db.session.flush()
    return saved


def post_notice(actor: User, data: NoticeInput, *, now: datetime | None = None,
                open_until: date | None = None) -> WantedNotice:
    """Post a wanted notice for the actor's municipality. Its stages are fixed now from the sharing policy,
    as a listing's are at publication; it stays open until the needed-by date (or ``open_until``)."""
    if not can_post_notice(actor):
        raise Forbidden
    now = now or utcnow()
    municipality = actor.municipality
    today = oslo_date(now)
    _check(municipality, data, today)
    notice = WantedNotice(
        municipality=municipality, created_by_id=actor.id, category=data.category, title=data.title,
        description=data.description, quantity=data.quantity, needed_by=data.needed_by,
        unit=data.unit or (actor.unit if actor.unit and actor.unit.municipality_id == municipality.id else None),
        status=NoticeStatus.OPEN, open_until=open_until or data.needed_by or today + timedelta(days=90),
        created_at=now, published_at=now,
        network_visible_at=now + timedelta(days=municipality.network_share_days),
    )
    notice.partner_visible_at = (notice.network_visible_at + timedelta(days=municipality.partner_share_days)
                                 if municipality.partner_share_days is not None else None)
    db.session.add(notice)
    db.session.flush()
    notice.saved_search_id = _alert_for(actor, notice, now).id
    db.session.flush()
    audit.record("notice_posted", actor=actor, municipality_id=municipality.id, notice_id=notice.id)
    return notice


def _close_notice(notice: WantedNotice, status: NoticeStatus, now: datetime) -> None:
    notice.status = status
    notice.closed_at = now
    if notice.saved_search_id is not None:  # no more alerts for a closed notice
        saved = db.session.get(SavedSearch, notice.saved_search_id)
        notice.saved_search_id = None
        if saved is not None:
            db.session.delete(saved)
    db.session.flush()


def close_notice(actor: User, notice: WantedNotice, status: NoticeStatus, now: datetime | None = None) -> None:
    """Mark an open notice met or withdrawn."""
    if not can_manage_notice(actor, notice):
        raise Forbidden
    if status not in (NoticeStatus.MET, NoticeStatus.WITHDRAWN):
        raise ValueError(status)
    if not notice.is_open:
        raise TransitionError(_("The notice is already closed."))
    _close_notice(notice, status, now or utcnow())
    audit.record(f"notice_{status.value}", actor=actor, municipality_id=notice.municipality_id, notice_id=notice.id)


def expire_notices(now: datetime | None = None) -> list[WantedNotice]:
    """For `tick`: close open notices whose date has passed (Norwegian date)."""
    now = now or utcnow()
    due = list(db.session.scalars(select(WantedNotice).where(
        WantedNotice.status == NoticeStatus.OPEN, WantedNotice.open_until < oslo_date(now))))
    for notice in due:
        _close_notice(notice, NoticeStatus.EXPIRED, now)
        audit.record("notice_expired", municipality_id=notice.municipality_id, notice_id=notice.id)
    return due


def answer_notice(actor: User, notice: WantedNotice, item_id: int, now: datetime | None = None) -> WantedAnswer:
    """Offer one of the actor's municipality's published items to the poster, who is told at once."""
    now = now or utcnow()
    if not can_answer_notice(actor, notice):
        raise Forbidden
    item = listings.find_visible_item(actor, item_id, now)
    if item is None or not can_manage_item(actor, item) or item.municipality_id != actor.municipality.id:
        raise NotVisible
    if item.status != ItemStatus.PUBLISHED:
        raise WantedError({"item": _("Only published listings can be offered.")})
    poster = db.session.get(User, notice.created_by_id) if notice.created_by_id else None
    if poster is None or db.session.scalar(
            select(Item.id).where(Item.id == item.id, visible_items_clause(poster, now))) is None:
        raise WantedError({"item": _("The listing is not yet visible to them. Offer it when it has reached "
                                     "the network.")})
    existing = db.session.scalar(select(WantedAnswer).where(WantedAnswer.notice_id == notice.id,
                                                             WantedAnswer.item_id == item.id))
    if existing is not None:
        return existing
    answer = WantedAnswer(notice_id=notice.id, item_id=item.id, answered_by_id=actor.id, created_at=now)
    db.session.add(answer)
    db.session.flush()
    notifications.notify(poster, "wanted_answer", {"title": item.title, "notice": notice.title},
                         f"/items/{item.id}")
    audit.record("notice_answered", actor=actor, notice_id=notice.id, item_id=item.id)
    return answer


# --- Needs: the reuse-first check -----------------------------------------------------------------------

def update_need_policy(actor: User, municipality: Municipality, *, open_days: int, approval_required: bool) -> None:
    """How long a registered need stays out as a wanted notice, and whether buying new needs approval.
    Needs already registered keep their period."""
    if not can_administer_municipality(actor, municipality):
        raise Forbidden
    if not 1 <= open_days <= 365:
        raise WantedError({"need_open_days": _("Give a number of days from 1 to 365.")})
    municipality.need_open_days = open_days
    municipality.need_approval_required = approval_required
    db.session.flush()
    audit.record("need_policy_changed", actor=actor, municipality_id=municipality.id, need_open_days=open_days,
                 need_approval_required=approval_required)


def find_need(user: User, need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None or not can_see_need(user, need):
        raise NotVisible
    return need


def our_needs(user: User, page: int = 1) -> ListPage:
    """Page ``page`` of the needs of the user's municipality, newest first: every purchase considered is one, so
    they add up over the years."""
    return db.page(our_needs_query(user), page, LIST_PAGE_SIZE)


def our_needs_query(user: User) -> Select[tuple[Need]] | None:
    """``our_needs`` as a query; None for a user of no municipality (deny by default)."""
    municipality = user.municipality
    if municipality is None:
        return None
    return select(Need).where(Need.municipality_id == municipality.id).order_by(Need.created_at.desc(), Need.id.desc())


def register_need(actor: User, data: NeedInput, now: datetime | None = None) -> Need:
    """Register a need before buying new: search everything visible to the actor at once, remember what was
    found, and keep the need out as a wanted notice for the period the municipality's policy sets."""
    if not can_post_notice(actor):
        raise Forbidden
    now = now or utcnow()
    municipality = actor.municipality
    today = oslo_date(now)
    _check(municipality, data, today)
    data.returned_asset_tag = (data.returned_asset_tag or "").strip()
    data.no_return_reason = (data.no_return_reason or "").strip()
    if data.category.group.value == "ict":
        if not data.returned_asset_tag and not data.no_return_reason:
            raise WantedError({"returned_asset_tag": _("Give the asset tag of the device this one replaces, or "
                                                       "say why no device is returned.")})
        if len(data.returned_asset_tag) > 60:
            raise WantedError({"returned_asset_tag": _("The asset tag can be at most 60 characters.")})
    else:
        data.returned_asset_tag = data.no_return_reason = ""
    found = matching_items(actor, data.category, limit=MAX_FOUND_KEPT, same_group=False)
    open_until = today + timedelta(days=municipality.need_open_days)
    if data.needed_by is not None:
        open_until = min(open_until, data.needed_by)
    notice = post_notice(actor, data, now=now, open_until=open_until)
    need = Need(
        municipality=municipality, unit=notice.unit, created_by_id=actor.id, category=data.category,
        notice=notice, status=NeedStatus.OPEN, title=data.title, description=data.description,
        quantity=data.quantity, needed_by=data.needed_by, created_at=now,
        searched=found.related_params.to_args(), found_count=found.total,
        found=[{"id": item.id, "title": item.title, "municipality": item.municipality.name,
                "quantity_available": format(item.quantity_available.normalize(), "f"),
                "related": match.kind == MatchKind.RELATED, "category": item.category.slug}
               for match in found.matches for item in (match.item,)],
        returned_asset_tag=data.returned_asset_tag, no_return_reason=data.no_return_reason,
    )
    db.session.add(need)
    db.session.flush()
    audit.record("need_registered", actor=actor, municipality_id=municipality.id, need_id=need.id,
                 found=found.total)
    if need.returned_asset_tag and listings.can_list_items_for(actor, municipality):
        register_returned_device(actor, need, now)
    return need


def register_returned_device(actor: User, need: Need, now: datetime | None = None) -> Item:
    """Register the device handed back against the new one as a draft listing. Data-bearing ICT stays inside
    the municipality until its erasure is recorded (the listings' visibility rule), so it enters the reuse
    flow only then."""
    if not listings.can_list_items_for(actor, need.municipality):
        raise Forbidden
    if not need.returned_asset_tag:
        raise WantedError({"": _("This need has no returned device.")})
    if need.returned_item_id is not None:
        raise TransitionError(_("The returned device is already registered."))
    item = listings.create_item(actor, listings.ItemInput(
        title=_("Returned %(category)s, asset tag %(tag)s", category=need.category.name_nb.lower(),
                tag=need.returned_asset_tag)[:140],
        category=need.category, condition=Condition.WORN, quantity=Decimal(1), unit=need.unit,
        asset_tag=need.returned_asset_tag,
        description=_("Handed back against a new device (need no. %(id)s).", id=need.id),
    ), publish=False, municipality=need.municipality, now=now)
    need.returned_item_id = item.id
    db.session.flush()
    return item


def linkable_reservations(need: Need) -> list[Reservation]:
    """The municipality's live or collected reservations in the need's category or a related one that no need
    claims yet."""
    claimed = select(need_reservations.c.reservation_id).where(need_reservations.c.need_id != need.id)
    return list(db.session.scalars(
        select(Reservation).join(Item, Item.id == Reservation.item_id).where(
            Reservation.requester_organisation_id == need.municipality_id,
            Item.category_id.in_([category.id for category in with_related(need.category)]),
            Reservation.status.in_([ReservationStatus.REQUESTED, ReservationStatus.APPROVED,
                                    ReservationStatus.COLLECTED]),
            Reservation.id.not_in(claimed),
        ).order_by(Reservation.created_at.desc())))


def record_outcome(actor: User, need: Need, *, reservation_ids: list[int], reason: str = "",
                   reason_text: str = "", now: datetime | None = None) -> Need:
    """End the need: met by reuse (the reservations that met it, and what the rooms above say covered it
    otherwise, e.g. own inventory moved into a project's room; fully or partly), or buying new (the rest) with a
    reason from the list; "other" needs words. Buying new waits for approval when policy says so."""
    if not can_manage_need(actor, need):
        raise Forbidden
    if need.status != NeedStatus.OPEN:
        raise TransitionError(_("The outcome of this need is already recorded."))
    now = now or utcnow()
    allowed = {reservation.id: reservation for reservation in linkable_reservations(need)}
    wanted_ids = list(dict.fromkeys(reservation_ids))
    if any(rid not in allowed for rid in wanted_ids):
        raise WantedError({"reservations": _("Choose among your municipality's reservations in this category.")})
    chosen = [allowed[rid] for rid in wanted_ids]
    elsewhere = sum((amount for _receiver, amount in need_covered_elsewhere.send(need) if amount), Decimal(0))
    reused = sum((reservation.quantity for reservation in chosen), elsewhere)
    reason_text = (reason_text or "").strip()
    if reused >= need.quantity:
        outcome, buy_reason, reason_text = NeedOutcome.REUSED, None, ""
    else:
        outcome = NeedOutcome.PARTLY_REUSED if reused > 0 else NeedOutcome.BOUGHT_NEW
        if reason not in {value.value for value in BuyNewReason}:
            raise WantedError({"reason": _("Say why the rest must be bought new.")})
        buy_reason = BuyNewReason(reason)
        if buy_reason == BuyNewReason.OTHER and not reason_text:
            raise WantedError({"reason_text": _("Describe the reason in a few words.")})
        if buy_reason != BuyNewReason.OTHER:
            reason_text = ""
        if len(reason_text) > 2000:
            raise WantedError({"reason_text": _("The reason can be at most 2000 characters.")})
    need.reservations = chosen
    need.outcome = outcome
    need.reused_quantity = min(reused, need.quantity)
    need.buy_new_reason = buy_reason
    need.buy_new_reason_text = reason_text
    need.decided_at = now
    need.decided_by_id = actor.id
    if outcome != NeedOutcome.REUSED and need.municipality.need_approval_required:
        need.status = NeedStatus.AWAITING_APPROVAL
        db.session.flush()
        for admin_id in _municipal_admin_ids(need.municipality):
            notifications.notify(admin_id, "need_awaiting_approval", {"title": need.title}, f"/needs/{need.id}")
    else:
        _close_need(need, now)
    audit.record("need_outcome_recorded", actor=actor, municipality_id=need.municipality_id, need_id=need.id,
                 outcome=outcome.value, reason=buy_reason.value if buy_reason else None)
    return need


def _close_need(need: Need, now: datetime) -> None:
    need.status = NeedStatus.CLOSED
    need.closed_at = now
    if need.notice.is_open:
        _close_notice(need.notice, NoticeStatus.MET if need.outcome != NeedOutcome.BOUGHT_NEW
                      else NoticeStatus.WITHDRAWN, now)
    db.session.flush()


def _municipal_admin_ids(municipality: Municipality) -> list[int]:
    return list(db.session.scalars(select(Membership.user_id).join(User, User.id == Membership.user_id).where(
        Membership.organisation_id == municipality.id, Membership.role == Role.MUNICIPAL_ADMIN,
        User.active.is_(True))))


def approve_need(actor: User, need: Need, now: datetime | None = None) -> Need:
    """A municipal administrator approves buying new: the need closes."""
    if not can_approve_need(actor, need):
        raise Forbidden
    if need.status != NeedStatus.AWAITING_APPROVAL:
        raise TransitionError(_("This need is not waiting for approval."))
    now = now or utcnow()
    need.approved_at = now
    need.approved_by_id = actor.id
    _close_need(need, now)
    if need.created_by_id:
        notifications.notify(need.created_by_id, "need_approved", {"title": need.title}, f"/needs/{need.id}")
    audit.record("need_approved", actor=actor, municipality_id=need.municipality_id, need_id=need.id)
    return need


def refuse_need(actor: User, need: Need, now: datetime | None = None) -> Need:
    """A municipal administrator refuses buying new: the need is open again, to look further."""
    if not can_approve_need(actor, need):
        raise Forbidden
    if need.status != NeedStatus.AWAITING_APPROVAL:
        raise TransitionError(_("This need is not waiting for approval."))
    need.status = NeedStatus.OPEN
    need.outcome = None
    need.buy_new_reason = None
    need.buy_new_reason_text = ""
    need.reused_quantity = Decimal(0)
    need.reservations = []
    need.decided_at = need.decided_by_id = None
    db.session.flush()
    if need.created_by_id:
        notifications.notify(need.created_by_id, "need_refused", {"title": need.title}, f"/needs/{need.id}")
    audit.record("need_refused", actor=actor, municipality_id=need.municipality_id, need_id=need.id)
    return need


def needs_awaiting_approval(user: User) -> list[Need]:
    municipality = user.municipality
    if municipality is None:
        return []
    return [need for need in db.session.scalars(select(Need).where(
        Need.municipality_id == municipality.id, Need.status == NeedStatus.AWAITING_APPROVAL)
        .order_by(Need.decided_at)) if can_approve_need(user, need)]
