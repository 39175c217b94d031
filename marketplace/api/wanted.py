"""Wanted notices and needs (the reuse-first check before buying new)."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from marketplace.api.core import (
    blueprint,
    locale,
    municipality_ref,
    parse_body,
    parse_query,
    plain,
    registry,
    respond,
    with_references,
)
from marketplace.api.schemas.common import Page
from marketplace.api.schemas.wanted import (
    NeedCreate,
    NeedList,
    NeedOut,
    NeedOutcomeBody,
    WantedCreate,
    WantedList,
    WantedOut,
    WantedQuery,
)
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.wanted import services as wanted
from marketplace.wanted.forms import notice_input
from marketplace.wanted.models import Need, NoticeStatus, WantedNotice
from marketplace.wanted.permissions import can_manage_notice
from marketplace import urls

NOTICE = (WantedOut, "The wanted notice.")
NEED = (NeedOut, "The need.")


def _wanted_thing(record: WantedNotice | Need, web_url: str) -> dict:
    """The fields a notice and a need share (schemas.wanted._WantedThing)."""
    category = record.category
    return dict(
        id=record.id, title=record.title, description=record.description or "", category=category.slug,
        category_name=category.name(locale()), quantity=plain(record.quantity), unit=str(category.unit),
        municipality=municipality_ref(record.municipality), unit_id=record.unit_id,
        unit_name=record.unit.name if record.unit else None, needed_by=record.needed_by,
        created_at=record.created_at, closed_at=record.closed_at, web_url=web_url,
    )


def notice_out(notice: WantedNotice) -> WantedOut:
    return WantedOut(
        **_wanted_thing(notice, urls.external_url("wanted.detail", notice_id=notice.id)),
        status=str(notice.status), open_until=notice.open_until, can_manage=can_manage_notice(current_user, notice),
    )


def need_out(need: Need) -> NeedOut:
    return NeedOut(
        **_wanted_thing(need, urls.external_url("wanted.need", need_id=need.id)),
        status=str(need.status), notice_id=need.notice_id, found_count=need.found_count,
        outcome=str(need.outcome) if need.outcome else None, reused_quantity=plain(need.reused_quantity),
        reservation_ids=[reservation.id for reservation in need.reservations],
        buy_new_reason=str(need.buy_new_reason) if need.buy_new_reason else None,
        buy_new_reason_text=need.buy_new_reason_text or "", returned_asset_tag=need.returned_asset_tag or "",
        no_return_reason=need.no_return_reason or "", returned_item_id=need.returned_item_id,
        decided_at=need.decided_at, approved_at=need.approved_at,
        certificate_url=urls.external_url("wanted.certificate", need_id=need.id),
    )


def _notice_input(body: WantedCreate, input_class=wanted.NoticeInput):
    """The service's input from the body's fields, read as the web forms' are."""
    municipality = current_user.municipality
    if municipality is None:
        raise Forbidden
    return notice_input(with_references(body.model_dump(), municipality), input_class)


# --- Wanted notices -------------------------------------------------------------------------------------

@registry.route(blueprint, "GET", "/wanted", summary="Wanted notices", tag="wanted", query=WantedQuery,
                responses={200: (WantedList, "A page of notices.")})
def list_wanted():
    """Open notices the caller can see (their municipality's at once, the network's by the sharing stages),
    soonest needed first; or, with `view=ours`, the caller's municipality's notices of every status."""
    query = parse_query(WantedQuery)
    listed = wanted.our_notices_query(current_user) if query.view == "ours" else wanted.open_notices_query(
        current_user)
    found = db.page(listed, query.page, query.per_page)
    return respond(WantedList(notices=[notice_out(notice) for notice in found.rows], total=found.total,
                              page=query.page, per_page=query.per_page))


@registry.route(blueprint, "POST", "/wanted", summary="Post a wanted notice", tag="wanted", body=WantedCreate,
                responses={201: (WantedOut, "The new notice.")}, errors=(403,))
def create_wanted():
    """Any member of a municipality. Matching items that become visible to the poster are announced in
    their notifications, once each."""
    body = parse_body(WantedCreate)
    notice = wanted.post_notice(current_user, _notice_input(body))
    return respond(notice_out(notice), 201, {"Location": url_for("api.get_wanted", notice_id=notice.id)})


@registry.route(blueprint, "GET", "/wanted/{notice_id}", summary="One wanted notice", tag="wanted",
                responses={200: NOTICE})
def get_wanted(notice_id: int):
    return respond(notice_out(wanted.find_visible_notice(current_user, notice_id)))


@registry.route(blueprint, "POST", "/wanted/{notice_id}/withdraw", summary="Withdraw a wanted notice",
                tag="wanted", responses={200: NOTICE}, errors=(403, 409))
def withdraw_wanted(notice_id: int):
    notice = wanted.find_visible_notice(current_user, notice_id)
    wanted.close_notice(current_user, notice, NoticeStatus.WITHDRAWN)
    return respond(notice_out(notice))


# --- Needs ----------------------------------------------------------------------------------------------

@registry.route(blueprint, "GET", "/needs", summary="Your municipality's needs", tag="needs", query=Page,
                responses={200: (NeedList, "A page of needs, newest first.")})
def list_needs():
    query = parse_query(Page)
    listed = wanted.our_needs_query(current_user)
    if listed is not None:  # the page's reservation ids in one statement, not one a need
        listed = listed.options(selectinload(Need.reservations))
    found = db.page(listed, query.page, query.per_page)
    return respond(NeedList(needs=[need_out(need) for need in found.rows], total=found.total, page=query.page,
                            per_page=query.per_page))


@registry.route(blueprint, "POST", "/needs", summary="Register a need before buying new", tag="needs",
                body=NeedCreate, responses={201: (NeedOut, "The need, with what was found.")}, errors=(403,))
def create_need():
    """Searches everything the caller can see at once (`found_count`) and posts a wanted notice for the
    municipality's period. See the web page (`web_url`) for the matches."""
    body = parse_body(NeedCreate)
    data = _notice_input(body, wanted.NeedInput)
    need = wanted.register_need(current_user, data)
    return respond(need_out(need), 201, {"Location": url_for("api.get_need", need_id=need.id)})


@registry.route(blueprint, "GET", "/needs/{need_id}", summary="One need", tag="needs", responses={200: NEED})
def get_need(need_id: int):
    return respond(need_out(wanted.find_need(current_user, need_id)))


@registry.route(blueprint, "POST", "/needs/{need_id}/outcome", summary="Record the outcome of a need",
                tag="needs", body=NeedOutcomeBody, responses={200: NEED}, errors=(403, 409))
def record_need_outcome(need_id: int):
    """Met by reuse in full closes the need. Otherwise a reason is required (422 without), and buying new
    waits for a municipal administrator's approval when the municipality's policy says so."""
    need = wanted.find_need(current_user, need_id)
    body = parse_body(NeedOutcomeBody)
    wanted.record_outcome(current_user, need, reservation_ids=body.reservation_ids, reason=body.reason or "",
                          reason_text=body.reason_text)
    return respond(need_out(need))


@registry.route(blueprint, "POST", "/needs/{need_id}/approve", summary="Approve buying new", tag="needs",
                responses={200: NEED}, errors=(403, 409))
def approve_need(need_id: int):
    """Municipal administrators; the need closes."""
    need = wanted.find_need(current_user, need_id)
    wanted.approve_need(current_user, need)
    return respond(need_out(need))


@registry.route(blueprint, "POST", "/needs/{need_id}/refuse", summary="Refuse buying new", tag="needs",
                responses={200: NEED}, errors=(403, 409))
def refuse_need(need_id: int):
    """Municipal administrators; the need is open again, to look further for reuse."""
    need = wanted.find_need(current_user, need_id)
    wanted.refuse_need(current_user, need)
    return respond(need_out(need))

