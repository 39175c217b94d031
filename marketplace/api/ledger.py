"""The reuse ledger's events: reversing a wrong hand-over."""

from __future__ import annotations

from flask_login import current_user

from marketplace.api.core import ApiError, blueprint, fixed, parse_body, plain, registry, respond
from marketplace.api.schemas.ledger import LedgerEventOut, ReverseBody
from marketplace.impact.models import ReuseEvent
from marketplace.reservations import handover
from marketplace.reservations.services import ReservationError


def ledger_event_out(event: ReuseEvent) -> LedgerEventOut:
    """One event as the API shows it: figures as decimal strings at their stored scale."""
    return LedgerEventOut(
        id=event.id, occurred_on=event.occurred_on, recorded_at=event.recorded_at, item_id=event.item_id,
        reservation_id=event.reservation_id, category=event.category.slug, quantity=plain(event.quantity),
        unit=str(event.category.unit), factor_set=event.factor_set_version or "",
        co2e_kg=fixed(event.co2e_net_kg, 3), co2e_kg_gross=fixed(event.co2e_gross_kg, 3),
        co2e_kg_low=fixed(event.co2e_low_kg, 3), co2e_kg_high=fixed(event.co2e_high_kg, 3),
        waste_kg=fixed(event.waste_kg, 3), money_nok=fixed(event.money_nok, 2),
        price_paid_nok=fixed(event.price_paid_nok, 2), reverses=event.reverses_event_id,
    )


@registry.route(blueprint, "POST", "/reuse-events/{event_id}/reverse", summary="Undo or correct a hand-over",
                tag="ledger", body=ReverseBody,
                responses={201: (LedgerEventOut, "The reversing event.")}, errors=(403, 409))
def reverse_event(event_id: int):
    """Within 24 hours of the hand-over, whoever confirmed it or the owner side undoes it: the reservation is
    approved again. After that an administrator of the giving or the receiving side corrects it: the
    reservation is marked `corrected`. Either way a reversing event with every amount negated is written, counted
    in the period of the event it reverses. 404 for an event neither side of which is the caller's
    organisation; 409 when it is reversed already or is itself a reversal; 400 without a reason."""
    event = handover.find_reuse_event(current_user, event_id)
    try:
        body = parse_body(ReverseBody)
    except ApiError as error:
        if error.status == 422 and set(error.fields) == {"reason"}:  # no reason: as blank, 400
            raise _reason_required(error.fields["reason"]) from None
        raise
    try:
        reversal = handover.reverse_hand_over(current_user, event, body.reason)
    except ReservationError as error:
        raise _reason_required(" ".join(error.errors.values())) from None
    return respond(ledger_event_out(reversal), 201)


def _reason_required(message: str) -> ApiError:
    return ApiError(400, "reason_required", message, {"reason": message})
