"""The reuse ledger: every hand-over appended as a reuse event, and every correction as a reversing event.

Invariants:
- Append-only. An event is never changed or deleted (the database refuses it too, migration 0004); a wrong
  hand-over is corrected by a new event with every amount negated, which names the event it reverses.
- An event keeps the factors it was computed with (the factors in force for the item on the Norwegian date of
  the hand-over) and its results rounded once, to the gram and the øre, so later factor changes never rewrite
  history and every report sums the same stored numbers.
- An event names units and organisations, never people.
- The report tallies (``tallies``) are kept in the same transaction as the event.

Method (reference/climate-method.md): gross CO2e = quantity × kg CO2e of a new one; net = gross × D, the
displacement (whether the reuse replaced buying new); waste = quantity × mass, only for what would otherwise
have been discarded; money = quantity × new price × D.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden
from marketplace.i18n import oslo_date
from marketplace.impact import permissions, tallies
from marketplace.impact.models import ReuseEvent
from marketplace.impact.services import factors_for_item
from marketplace.listings.models import Item
from marketplace.organisations.models import Municipality, Organisation

CO2E_STEP = Decimal("0.001")  # kg: to the gram
MONEY_STEP = Decimal("0.01")  # NOK: to the øre
UNKNOWN_DISPLACEMENT = Decimal("0.700")  # where no municipality's policy applies
MAX_NOTE = 2000


class LedgerError(ValueError):
    """Input the ledger refuses; ``errors`` maps a field to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class CorrectionRefused(Conflict):
    """The event cannot be reversed (it is a correction itself, or it is reversed already)."""


@dataclass(frozen=True)
class HandOver:
    """What the reservation tells the ledger about one hand-over."""

    item: Item
    quantity: Decimal
    receiver: Organisation
    receiver_unit_id: int | None
    would_buy_new: str  # "yes", "no" or "unknown": the receiver's answer to "would you otherwise buy new?"
    reservation_id: int | None = None


def displacement(would_buy_new: str, policy: Municipality | None) -> Decimal:
    """D in the method: 1 when the receiver would have bought new, 0 when not, and the municipality's
    figure for "don't know"."""
    if would_buy_new == "yes":
        return Decimal(1)
    if would_buy_new == "no":
        return Decimal(0)
    return policy.displacement_unknown if policy is not None else UNKNOWN_DISPLACEMENT


def record(hand_over: HandOver, now: datetime | None = None) -> ReuseEvent:
    """Append the reuse event for a hand-over, with the factors in force that day."""
    now = now or utcnow()
    item, quantity = hand_over.item, hand_over.quantity
    factors = factors_for_item(item, oslo_date(now))
    receiver = hand_over.receiver
    d = displacement(hand_over.would_buy_new, receiver if isinstance(receiver, Municipality) else item.municipality)
    e_new = factors.kgco2e_new if factors else None
    mass = factors.mass_kg if factors else None
    price = factors.price_new_nok if factors else None
    gross = (quantity * e_new).quantize(CO2E_STEP) if e_new is not None else Decimal(0)
    event = ReuseEvent(
        occurred_at=now, occurred_on=oslo_date(now), item_id=item.id, reservation_id=hand_over.reservation_id,
        category_id=item.category_id, quantity=quantity, giver_municipality_id=item.municipality_id,
        giver_unit_id=item.unit_id, receiver_organisation_id=receiver.id, receiver_unit_id=hand_over.receiver_unit_id,
        would_buy_new=hand_over.would_buy_new, displacement=d, would_be_discarded=item.would_be_discarded,
        kgco2e_new=e_new, mass_kg=mass, price_new_nok=price,
        factor_set_version=factors.factor_set_version if factors else "",
        factor_sources=factors.sources if factors else "", overridden_by=factors.overridden_by if factors else None,
        co2e_gross_kg=gross,
        co2e_net_kg=(gross * d).quantize(CO2E_STEP),
        waste_kg=(quantity * mass).quantize(CO2E_STEP) if item.would_be_discarded and mass is not None else Decimal(0),
        money_nok=(quantity * price * d).quantize(MONEY_STEP) if price is not None else Decimal(0),
    )
    db.session.add(event)
    db.session.flush()
    tallies.add_event(event)
    return event


def reverse(actor: User, event: ReuseEvent, note: str, now: datetime | None = None) -> ReuseEvent:
    """Correct a wrong hand-over with a new event that cancels it; the original stays as it was."""
    if event.reverses_event_id is not None:
        raise CorrectionRefused(_("A correction cannot itself be reversed."))
    if not permissions.can_correct_ledger(actor, db.session.get(Municipality, event.giver_municipality_id)):
        raise Forbidden
    already = db.session.scalar(select(ReuseEvent.id).where(ReuseEvent.reverses_event_id == event.id))
    if already is not None:
        raise CorrectionRefused(_("This hand-over has already been reversed."))
    note = (note or "").strip()
    if not note:
        raise LedgerError({"note": _("Say why the hand-over is corrected.")})
    now = now or utcnow()
    reversal = ReuseEvent(
        occurred_at=now, occurred_on=oslo_date(now), item_id=event.item_id, reservation_id=event.reservation_id,
        reverses_event_id=event.id, category_id=event.category_id, quantity=-event.quantity,
        giver_municipality_id=event.giver_municipality_id, giver_unit_id=event.giver_unit_id,
        receiver_organisation_id=event.receiver_organisation_id, receiver_unit_id=event.receiver_unit_id,
        would_buy_new=event.would_buy_new, displacement=event.displacement,
        would_be_discarded=event.would_be_discarded, kgco2e_new=event.kgco2e_new, mass_kg=event.mass_kg,
        price_new_nok=event.price_new_nok, factor_set_version=event.factor_set_version,
        factor_sources=event.factor_sources, overridden_by=event.overridden_by,
        co2e_gross_kg=-event.co2e_gross_kg, co2e_net_kg=-event.co2e_net_kg, waste_kg=-event.waste_kg,
        money_nok=-event.money_nok, note=note[:MAX_NOTE],
    )
    db.session.add(reversal)
    db.session.flush()
    tallies.add_event(reversal)
    audit.record("reuse_reversed", actor=actor, municipality_id=event.giver_municipality_id,
                 reuse_event_id=event.id, reversal_id=reversal.id)
    return reversal
