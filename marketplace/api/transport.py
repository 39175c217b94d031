"""Transport requests: the requester's side asks for one; the giving municipality's coordinators plan, pick up,
deliver (which confirms the hand-over and writes the reuse event) or cancel it."""

from __future__ import annotations

from flask_login import current_user

from marketplace.api.core import blueprint, parse_body, plain, registry, respond
from marketplace.api.reservations import reuse_event_out
from marketplace.api.schemas.transport import (
    DeliverBody,
    DeliveryResult,
    ScheduleBody,
    TransportCancelBody,
    TransportRequestCreate,
    TransportRequestList,
    TransportRequestOut,
)
from marketplace.reservations import services as reservations
from marketplace.transport import services
from marketplace.transport.forms import deliver_arguments, request_arguments, schedule_arguments
from marketplace.transport.models import TransportRequest

TRANSPORT = (TransportRequestOut, "The transport request.")


def transport_out(request: TransportRequest) -> TransportRequestOut:
    reservation = request.reservation
    return TransportRequestOut(
        id=request.id, reservation_id=reservation.id, item_id=reservation.item_id,
        item_title=reservation.item.title, quantity=plain(reservation.quantity), status=str(request.status),
        municipality=reservation.item.municipality.slug, requester_organisation=reservation.requester_organisation.slug,
        from_location_id=request.from_location_id, from_unit_id=request.from_unit_id,
        from_address=request.from_address, to_unit_id=request.to_unit_id, to_address=request.to_address,
        window_from=request.window_from, window_to=request.window_to, volume_m3=plain(request.volume_m3),
        weight_kg=plain(request.weight_kg), floors=request.floors, lift=request.lift,
        contact_name=request.contact_name, contact_phone=request.contact_phone, notes=request.notes,
        scheduled_date=request.scheduled_date, driver_name=request.driver_name, driver_id=request.driver_id,
        stop_order=request.stop_order, picked_up_at=request.picked_up_at, delivered_at=request.delivered_at,
        transport_km=plain(request.transport_km), transport_mode=request.transport_mode,
        reuse_event_id=request.reuse_event_id, requested_at=request.requested_at,
        cancelled_at=request.cancelled_at, cancel_reason=request.cancel_reason or "")


@registry.route(blueprint, "GET", "/transport-requests", summary="Your transport queue and your own requests",
                tag="transport", responses={200: (TransportRequestList, "The requests of the municipality whose "
                                                                        "transport you run, then your side's.")})
def list_transport_requests():
    """Coordinators (and municipal admins) get their municipality's queue, open ones first; everybody also gets
    the requests their own side asked for."""
    return respond(TransportRequestList(transport_requests=[
        transport_out(row) for row in services.visible_requests(current_user)]))


@registry.route(blueprint, "POST", "/transport-requests", summary="Order transport for a reservation",
                tag="transport", body=TransportRequestCreate,
                responses={201: (TransportRequestOut, "Requested; the giving municipality's coordinators are "
                                                      "told.")}, errors=(403, 404, 409))
def create_transport_request():
    """The requester's side (the requester, or caretakers and admins of the requesting organisation) asks,
    while the reservation is requested or approved; one open request per reservation (409 otherwise). Give
    `to_unit_id` (a unit of the requesting organisation) or `to_address`, not both (422)."""
    body = parse_body(TransportRequestCreate)
    reservation = reservations.find_reservation(current_user, body.reservation_id)
    transport = services.request_transport(current_user, reservation, **request_arguments(body.model_dump()))
    return respond(transport_out(transport), 201)


@registry.route(blueprint, "GET", "/transport-requests/{transport_request_id}",
                summary="One transport request", tag="transport", responses={200: TRANSPORT})
def get_transport_request(transport_request_id: int):
    return respond(transport_out(services.find_request(current_user, transport_request_id)))


@registry.route(blueprint, "POST", "/transport-requests/{transport_request_id}/schedule",
                summary="Plan (coordinator)", tag="transport", body=ScheduleBody, responses={200: TRANSPORT}, errors=(403, 409))
def schedule_transport_request(transport_request_id: int):
    """The day, the driver (a user of the municipality, or a name) and the stop's place in the day's run."""
    transport = services.find_request(current_user, transport_request_id)
    services.schedule(current_user, transport, **schedule_arguments(parse_body(ScheduleBody).model_dump()))
    return respond(transport_out(transport))


@registry.route(blueprint, "POST", "/transport-requests/{transport_request_id}/pickup",
                summary="Picked up (coordinator)", tag="transport", responses={200: TRANSPORT}, errors=(403, 409))
def pick_up_transport_request(transport_request_id: int):
    transport = services.find_request(current_user, transport_request_id)
    services.pick_up(current_user, transport)
    return respond(transport_out(transport))


@registry.route(blueprint, "POST", "/transport-requests/{transport_request_id}/deliver",
                summary="Delivered (coordinator)", tag="transport", body=DeliverBody, body_required=False,
                responses={200: (DeliveryResult, "Delivered: the hand-over and its reuse event.")},
                errors=(403, 409))
def deliver_transport_request(transport_request_id: int):
    """From any open status (it happened): confirms the reservation's hand-over and writes its reuse event with
    the distance and vehicle (a lent item's loan starts instead: `reuse_event` is null). 409 if the reservation
    was handed over meanwhile."""
    transport = services.find_request(current_user, transport_request_id)
    body = parse_body(DeliverBody)
    delivery = services.deliver(current_user, transport, **deliver_arguments(body.model_dump()))
    return respond(DeliveryResult(transport_request=transport_out(transport),
                                  reuse_event=reuse_event_out(delivery.event) if delivery.event else None))


@registry.route(blueprint, "POST", "/transport-requests/{transport_request_id}/cancel", summary="Cancel",
                tag="transport", body=TransportCancelBody, body_required=False, responses={200: TRANSPORT},
                errors=(403, 409))
def cancel_transport_request(transport_request_id: int):
    """A coordinator, with a reason; or the requester's side, until the load is picked up."""
    transport = services.find_request(current_user, transport_request_id)
    services.cancel(current_user, transport, parse_body(TransportCancelBody).reason)
    return respond(transport_out(transport))
