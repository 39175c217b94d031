"""The reuse ledger's events: reversing a wrong hand-over."""

from __future__ import annotations

from flask_login import current_user

from marketplace.api.core import ApiError, blueprint, parse_body, registry, respond
from marketplace.api.impact import reuse_event_out
from marketplace.api.schemas.impact import ReuseEventOut
from marketplace.api.schemas.ledger import ReverseBody
from marketplace.impact import events
from marketplace.reservations import handover
from marketplace.reservations.services import ReservationError


@registry.route(blueprint, "POST", "/reuse-events/{event_id}/reverse", summary="Undo or correct a hand-over",
                tag="ledger", body=ReverseBody,
                responses={201: (ReuseEventOut, "The reversing event, as the ledger lists it.")}, errors=(403, 409))
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
    return respond(reuse_event_out(events.describe([(reversal, None)])[0]), 201)


def _reason_required(message: str) -> ApiError:
    return ApiError(400, "reason_required", message, {"reason": message})
