"""Reservations: reserve a quantity, list them, and the owner's and requester's steps to the hand-over."""

from __future__ import annotations

from flask_login import current_user

from marketplace.api.core import (
    blueprint,
    fixed,
    municipality_ref,
    parse_body,
    parse_query,
    plain,
    registry,
    respond,
)
from marketplace.api.schemas.common import OrganisationRef
from marketplace.api.schemas.reservations import (
    ApproveBody,
    CancelBody,
    CollectBody,
    CollectResult,
    ItemRef,
    LoanReturnOut,
    RejectBody,
    RenewBody,
    ReservationCreate,
    ReservationList,
    ReservationOut,
    ReservationsQuery,
    ReturnBody,
    ReturnResult,
    ReuseEventOut,
)
from marketplace.listings import services as listings
from marketplace.listings.models import Condition
from marketplace.reservations import handover, loans, overview, picking
from marketplace.reservations import services as reservations
from marketplace.reservations.forms import collect_arguments, reserve_arguments
from marketplace.reservations.models import Reservation, ReservationStatus

RESERVATION = (ReservationOut, "The reservation.")


def reservation_out(reservation: Reservation) -> ReservationOut:
    item = reservation.item
    organisation = reservation.requester_organisation
    return ReservationOut(
        id=reservation.id,
        item=ItemRef(id=item.id, title=item.title, municipality=municipality_ref(item.municipality)),
        status=str(reservation.status), quantity=plain(reservation.quantity),
        would_buy_new=str(reservation.would_buy_new), note=reservation.note or "", reason=reservation.reason or "",
        requester_name=reservation.requester.name if reservation.requester else None,
        requester_organisation=OrganisationRef(slug=organisation.slug, name=organisation.name,
                                               kind=str(organisation.kind)),
        requester_unit_name=reservation.requester_unit.name if reservation.requester_unit else None,
        wished_pickup_at=reservation.wished_pickup_at, pickup_at=reservation.pickup_at,
        pickup_confirmed=reservation.pickup_confirmed, picked=reservation.picked, expires_at=reservation.expires_at,
        created_at=reservation.created_at, updated_at=reservation.updated_at, decided_at=reservation.decided_at,
        closed_at=reservation.closed_at, due_at=reservation.due_at, returned_at=reservation.returned_at,
        quantity_returned=plain(reservation.quantity_returned), quantity_lost=plain(reservation.quantity_lost),
        renewal_days=reservation.renewal_days,
    )


@registry.route(blueprint, "POST", "/items/{item_id}/reservations", summary="Reserve a quantity",
                tag="reservations", body=ReservationCreate,
                responses={201: (ReservationOut, "The quantity is held at once.")}, errors=(403, 409))
def reserve(item_id: int):
    """Holds the quantity at once, so nobody else can take it, and tells the owner side. 409 with code
    `insufficient_quantity` when not enough is available."""
    listings.find_item(current_user, item_id)  # 404 before the body is read, as on every path with an id
    arguments = reserve_arguments(parse_body(ReservationCreate).model_dump())
    reservation = reservations.reserve(current_user, item_id, **arguments)
    return respond(reservation_out(reservation), 201)


@registry.route(blueprint, "GET", "/reservations", summary="Your reservations, or your municipality's",
                tag="reservations", query=ReservationsQuery,
                responses={200: (ReservationList, "Newest first.")})
def list_reservations():
    """`role=mine`: those you made; `role=incoming`: those of your municipality's items (caretakers and
    administrators; empty for others)."""
    query = parse_query(ReservationsQuery)
    statuses = [ReservationStatus(query.status)] if query.status else None
    found = overview.newest_first(current_user, query.role, statuses, query.page, query.per_page)
    return respond(ReservationList(reservations=[reservation_out(r) for r in found.rows], total=found.total,
                                   page=query.page,
                                   per_page=query.per_page))


@registry.route(blueprint, "GET", "/reservations/{reservation_id}", summary="One reservation",
                tag="reservations", responses={200: RESERVATION})
def get_reservation(reservation_id: int):
    return respond(reservation_out(reservations.find_reservation(current_user, reservation_id)))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/approve", summary="Approve (owner side)",
                tag="reservations", body=ApproveBody, body_required=False, responses={200: RESERVATION},
                errors=(403, 409))
def approve_reservation(reservation_id: int):
    reservation = reservations.find_reservation(current_user, reservation_id)
    body = parse_body(ApproveBody)
    reservations.approve(current_user, reservation, pickup_at=body.pickup_at)
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/reject", summary="Reject (owner side)",
                tag="reservations", body=RejectBody, responses={200: RESERVATION}, errors=(403, 409))
def reject_reservation(reservation_id: int):
    """The quantity is released at once; the reason is shown to the requester."""
    reservation = reservations.find_reservation(current_user, reservation_id)
    body = parse_body(RejectBody)
    reservations.reject(current_user, reservation, body.reason)
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/cancel", summary="Cancel (requester)",
                tag="reservations", body=CancelBody, body_required=False, responses={200: RESERVATION},
                errors=(403, 409))
def cancel_reservation(reservation_id: int):
    reservation = reservations.find_reservation(current_user, reservation_id)
    body = parse_body(CancelBody)
    reservations.cancel(current_user, reservation, body.reason)
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/pick", summary="Mark picked (owner side)",
                tag="reservations", responses={200: RESERVATION}, errors=(403, 409))
def pick_reservation(reservation_id: int):
    """The items are picked and set aside for the collector: the requester is told and sees it as ready for
    pickup. Approved reservations only; marking again changes nothing."""
    reservation = reservations.find_reservation(current_user, reservation_id)
    picking.mark_picked(current_user, reservation)
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/unpick", summary="Take the picked mark back "
                "(owner side)", tag="reservations", responses={200: RESERVATION}, errors=(403, 409))
def unpick_reservation(reservation_id: int):
    reservation = reservations.find_reservation(current_user, reservation_id)
    picking.unmark_picked(current_user, reservation)
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/collect", summary="Confirm the hand-over",
                tag="reservations", body=CollectBody, body_required=False,
                responses={200: (CollectResult, "The hand-over and its reuse event.")}, errors=(403, 409))
def collect_reservation(reservation_id: int):
    """Either side confirms (the owner side also while unanswered), with what the hand-over cost where known.
    Writes the reuse event with the factors in force today; completes the item when all of it is gone. 422 if
    the costs break a rule (km without a vehicle, km and kg CO2e both given). For a lent item (`offer`: `lend`)
    it starts the loan instead: status `on_loan` with `due_at`, `reuse_event` null, and no costs taken."""
    reservation = reservations.find_reservation(current_user, reservation_id)
    body = parse_body(CollectBody)
    event = handover.collect(current_user, reservation, **collect_arguments(body.model_dump()))
    return respond(CollectResult(reservation=reservation_out(reservation),
                                 reuse_event=reuse_event_out(event) if event is not None else None))


def reuse_event_out(event) -> ReuseEventOut:
    return ReuseEventOut(
        id=event.id, occurred_on=event.occurred_on, quantity=plain(event.quantity),
        co2e_kg=fixed(event.co2e_net_kg, 3), co2e_kg_gross=fixed(event.co2e_gross_kg, 3),
        co2e_kg_low=fixed(event.co2e_low_kg, 3), co2e_kg_high=fixed(event.co2e_high_kg, 3),
        waste_kg=fixed(event.waste_kg, 3), money_nok=fixed(event.money_nok, 2),
        price_paid_nok=fixed(event.price_paid_nok, 2), transport_kgco2e=fixed(event.transport_kgco2e, 3),
        refurbishment_nok=fixed(event.refurbishment_nok, 2), refurbishment_kgco2e=fixed(event.refurbishment_kgco2e, 3),
        factor_set=event.factor_set_version or "")


# --- Loans ----------------------------------------------------------------------------------------------

@registry.route(blueprint, "POST", "/reservations/{reservation_id}/return", summary="Record a loan's return "
                "(owner side)", tag="reservations", body=ReturnBody, body_required=False,
                responses={200: (ReturnResult, "The loan and the return recorded.")}, errors=(403, 409))
def return_loan(reservation_id: int):
    """Units back are available again; `lost` units leave the item's quantity. With no body, everything still on
    loan is back in the condition it left. When nothing is out any more the status is `returned`. A device that
    holds data needs its erasure recorded again before it is lent again. 409 if it is not on loan, or another
    return was recorded at the same moment; 422 for more than is on loan."""
    reservation = reservations.find_reservation(current_user, reservation_id)
    body = parse_body(ReturnBody)
    entry = loans.record_return(current_user, reservation, quantity=body.quantity, lost=body.lost,
                                condition=Condition(body.condition) if body.condition else None, note=body.note)
    return respond(ReturnResult(reservation=reservation_out(reservation), loan_return=LoanReturnOut(
        id=entry.id, quantity_back=plain(entry.quantity_back), quantity_lost=plain(entry.quantity_lost),
        condition=str(entry.condition), note=entry.note, recorded_at=entry.recorded_at)))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/renew", summary="Ask to renew a loan (borrower)",
                tag="reservations", body=RenewBody, responses={200: RESERVATION}, errors=(403, 409))
def renew_loan(reservation_id: int):
    """One request at a time (409 while one waits); the owner side approves or declines it."""
    reservation = reservations.find_reservation(current_user, reservation_id)
    body = parse_body(RenewBody)
    loans.ask_renewal(current_user, reservation, body.days)
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/approve-renewal", summary="Approve a renewal "
                "(owner side)", tag="reservations", responses={200: RESERVATION}, errors=(403, 409))
def approve_renewal(reservation_id: int):
    """The due date moves on by the days asked, from the later of the due date and now."""
    reservation = reservations.find_reservation(current_user, reservation_id)
    loans.answer_renewal(current_user, reservation, approve=True)
    return respond(reservation_out(reservation))


@registry.route(blueprint, "POST", "/reservations/{reservation_id}/decline-renewal", summary="Decline a renewal "
                "(owner side)", tag="reservations", responses={200: RESERVATION}, errors=(403, 409))
def decline_renewal(reservation_id: int):
    reservation = reservations.find_reservation(current_user, reservation_id)
    loans.answer_renewal(current_user, reservation, approve=False)
    return respond(reservation_out(reservation))
