"""The reuse ledger: every hand-over appended as a reuse event, and every correction as a reversing event.

Invariants:
- Append-only. An event is never changed or deleted (the database refuses it too, migration 0004); a wrong
  hand-over is corrected by a new event with every amount negated, which names the event it reverses.
- An event keeps the factors it was computed with (the factors in force for the item on the Norwegian date of
  the hand-over) and its results rounded once, to the gram and the øre, so later factor changes never rewrite
  history and every report sums the same stored numbers.
- An event names units and organisations, never people.
- The report tallies (``tallies``) are kept in the same transaction as the event.

Method (reference/climate-method.md), with transport and refurbishment given for the whole hand-over:
- net CO2e = quantity × D × E_new × L − transport − refurbishment, where D is the displacement (whether the
  reuse replaced buying new), E_new the kg CO2e of a new unit, L the remaining-life factor (1 unless the factor
  line gives one), transport the kg CO2e of carrying the load (as given, or km × the vehicle's factor) and
  refurbishment the kg CO2e of readying it;
- gross CO2e = the same with D = 1: transport and refurbishment are subtracted from it too;
- low and high CO2e = the net figure with the low and the high end of E_new's band;
- money = D × new price × quantity − price paid − refurbishment cost;
- waste = quantity × mass, only for what would otherwise have been discarded.
A figure that is missing (no E_new, no new price) counts 0, so the results err low. Every result may be
negative: a hand-over that cost more than buying new, or was carried so far that the trip outweighed the saving,
is shown as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Conflict
from marketplace.i18n import oslo_date
from marketplace.impact import tallies
from marketplace.impact.models import ReuseEvent
from marketplace.impact.report import VAN_KG_PER_KM
from marketplace.impact.services import Factors, factors_for_item
from marketplace.listings.models import Item
from marketplace.organisations.models import Municipality, Organisation

CO2E_STEP = Decimal("0.001")  # kg: to the gram
MONEY_STEP = Decimal("0.01")  # NOK: to the øre
UNKNOWN_DISPLACEMENT = Decimal("0.700")  # where no municipality's policy applies
MAX_NOTE = 2000
KM_STEP = Decimal("0.001")  # to the metre
# kg CO2e per km of the vehicles a hand-over may name (UK DESNZ/DEFRA GHG conversion factors 2025, average vans).
TRANSPORT_KG_PER_KM = {"diesel_van": VAN_KG_PER_KM, "electric_van": Decimal("0.070")}
TRANSPORT_SOURCE = ("UK DESNZ/DEFRA GHG conversion factors 2025: average van, diesel 0.256, battery electric 0.070 "
                    "kg CO2e per km")
# The most a hand-over's costs may be; far above any real one, and within the columns' room.
MAX_NOK = Decimal("100000000")
MAX_KM = Decimal("100000")
MAX_KGCO2E = Decimal("1000000")


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
    # What the whole hand-over cost, where recorded: transport either as km with a mode, or as kg CO2e.
    price_paid_nok: Decimal | None = None
    transport_km: Decimal | None = None
    transport_mode: str | None = None  # a key of TRANSPORT_KG_PER_KM
    transport_kgco2e: Decimal | None = None
    refurbishment_nok: Decimal | None = None
    refurbishment_kgco2e: Decimal | None = None


_LIMITS = {"price_paid_nok": (MAX_NOK, MONEY_STEP), "transport_km": (MAX_KM, KM_STEP),
           "transport_kgco2e": (MAX_KGCO2E, CO2E_STEP), "refurbishment_nok": (MAX_NOK, MONEY_STEP),
           "refurbishment_kgco2e": (MAX_KGCO2E, CO2E_STEP)}


def check_costs(hand_over: HandOver) -> dict[str, Decimal | str | None]:
    """The hand-over's costs, rounded to their columns, or LedgerError naming each field that breaks a rule."""
    errors, costs = {}, {}
    for name, (limit, step) in _LIMITS.items():
        value = getattr(hand_over, name)
        value = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if value is not None and not (isinstance(value, Decimal) and value.is_finite() and 0 <= value <= limit):
            most = format(limit, ",.0f").replace(",", "\u00a0")
            errors[name] = _("Give a number from 0 to %(limit)s.", limit=most)
            continue
        costs[name] = value.quantize(step) if value is not None else None
    mode = hand_over.transport_mode or None
    if mode is not None and (not isinstance(mode, str) or mode not in TRANSPORT_KG_PER_KM):
        errors["transport_mode"] = _("Choose a vehicle from the list.")
    elif (mode is None) != (hand_over.transport_km is None) and "transport_km" not in errors:
        errors["transport_mode" if mode is None else "transport_km"] = _(
            "Give both the distance and the vehicle, or neither.")
    if hand_over.transport_km is not None and hand_over.transport_kgco2e is not None:
        errors["transport_kgco2e"] = _("Give the transport either as distance and vehicle or as kg CO2e, not both.")
    if errors:
        raise LedgerError(errors)
    costs["transport_mode"] = mode
    if mode is not None:
        costs["transport_kgco2e"] = (costs["transport_km"] * TRANSPORT_KG_PER_KM[mode]).quantize(CO2E_STEP)
    return costs


def displacement(would_buy_new: str, policy: Municipality | None) -> Decimal:
    """D in the method: 1 when the receiver would have bought new, 0 when not, and the municipality's
    figure for "don't know"."""
    if would_buy_new == "yes":
        return Decimal(1)
    if would_buy_new == "no":
        return Decimal(0)
    return policy.displacement_unknown if policy is not None else UNKNOWN_DISPLACEMENT


def record(hand_over: HandOver, now: datetime | None = None) -> ReuseEvent:
    """Append the reuse event for a hand-over, with the factors in force that day. Raises LedgerError for costs
    that break a rule (``check_costs``), before anything is written."""
    event = estimate(hand_over, now)
    db.session.add(event)
    db.session.flush()
    tallies.add_event(event)
    return event


def estimate(hand_over: HandOver, now: datetime | None = None) -> ReuseEvent:
    """The reuse event ``record`` would append for the hand-over at ``now``, computed but not added to the
    session (the confirmation page shows its figures): the one place the method's formula lives. Raises
    LedgerError for costs that break a rule."""
    costs = check_costs(hand_over)
    now = now or utcnow()
    item, quantity = hand_over.item, hand_over.quantity
    factors = factors_for_item(item, oslo_date(now), hand_over.receiver) or Factors(None, None, None, "", "", "")
    receiver = hand_over.receiver
    d = displacement(hand_over.would_buy_new, receiver if isinstance(receiver, Municipality) else item.municipality)
    spent = (costs["transport_kgco2e"] or 0) + (costs["refurbishment_kgco2e"] or 0)
    lifetime = factors.lifetime_factor

    def avoided(kgco2e: Decimal | None, share: Decimal) -> Decimal:
        return (quantity * share * (kgco2e or 0) * lifetime - spent).quantize(CO2E_STEP)

    mass, price = factors.mass_kg, factors.price_new_nok
    return ReuseEvent(
        occurred_at=now, occurred_on=oslo_date(now), recorded_at=now, item_id=item.id,
        reservation_id=hand_over.reservation_id,
        category_id=item.category_id, quantity=quantity, giver_municipality_id=item.municipality_id,
        giver_unit_id=item.unit_id, receiver_organisation_id=receiver.id, receiver_unit_id=hand_over.receiver_unit_id,
        would_buy_new=hand_over.would_buy_new, displacement=d, would_be_discarded=item.would_be_discarded,
        kgco2e_new=factors.kgco2e_new, kgco2e_low=factors.kgco2e_low, kgco2e_high=factors.kgco2e_high,
        lifetime_factor=lifetime, mass_kg=mass, price_new_nok=price,
        factor_set_version=factors.factor_set_version, factor_sources=factors.sources,
        overridden_by=factors.overridden_by, **costs,
        co2e_gross_kg=avoided(factors.kgco2e_new, Decimal(1)),
        co2e_net_kg=avoided(factors.kgco2e_new, d),
        co2e_low_kg=avoided(factors.kgco2e_low, d),
        co2e_high_kg=avoided(factors.kgco2e_high, d),
        waste_kg=(quantity * mass).quantize(CO2E_STEP) if item.would_be_discarded and mass is not None else Decimal(0),
        money_nok=(d * (price or 0) * quantity - (costs["price_paid_nok"] or 0)
                   - (costs["refurbishment_nok"] or 0)).quantize(MONEY_STEP),
    )


def reverse(actor: User, event: ReuseEvent, note: str, now: datetime | None = None, **audit_details) -> ReuseEvent:
    """Correct a wrong hand-over with a new event that cancels it; the original stays as it was.

    The reversal restates the period of the event it corrects: it has that event's occurred_at and occurred_on,
    so every report (and the tallies, by month) drops the hand-over from the month it was counted in, and its
    recorded_at says when the correction was made. Who may reverse is decided by the caller
    (``reservations.handover.reverse_hand_over``), not here. ``audit_details`` go into the audit record.
    """
    if event.reverses_event_id is not None:
        raise CorrectionRefused(_("A correction cannot itself be reversed."))
    if is_reversed(event):
        raise CorrectionRefused(_("This hand-over has already been reversed."))
    note = (note or "").strip()
    if not note:
        raise LedgerError({"note": _("Say why the hand-over is corrected.")})
    now = now or utcnow()
    reversal = ReuseEvent(
        occurred_at=event.occurred_at, occurred_on=event.occurred_on, recorded_at=now, item_id=event.item_id,
        reservation_id=event.reservation_id,
        reverses_event_id=event.id, category_id=event.category_id, quantity=-event.quantity,
        giver_municipality_id=event.giver_municipality_id, giver_unit_id=event.giver_unit_id,
        receiver_organisation_id=event.receiver_organisation_id, receiver_unit_id=event.receiver_unit_id,
        would_buy_new=event.would_buy_new, displacement=event.displacement,
        would_be_discarded=event.would_be_discarded, kgco2e_new=event.kgco2e_new, kgco2e_low=event.kgco2e_low,
        kgco2e_high=event.kgco2e_high, lifetime_factor=event.lifetime_factor, mass_kg=event.mass_kg,
        price_new_nok=event.price_new_nok, factor_set_version=event.factor_set_version,
        factor_sources=event.factor_sources, overridden_by=event.overridden_by, transport_mode=event.transport_mode,
        **{name: _negated(getattr(event, name)) for name in _NEGATED},
        note=note[:MAX_NOTE],
    )
    try:
        with db.session.begin_nested():
            db.session.add(reversal)
            db.session.flush()
    except IntegrityError:  # reversed by someone else just now (the unique index on reverses_event_id)
        raise CorrectionRefused(_("This hand-over has already been reversed.")) from None
    tallies.add_event(reversal)
    audit.record("reuse_reversed", actor=actor, municipality_id=event.giver_municipality_id,
                 reuse_event_id=event.id, reversal_id=reversal.id, reservation_id=event.reservation_id,
                 **audit_details)
    return reversal


def is_reversed(event: ReuseEvent) -> bool:
    return db.session.scalar(select(ReuseEvent.id).where(ReuseEvent.reverses_event_id == event.id)
                             .limit(1)) is not None


# Every amount of an event that a reversal cancels (the factors and the answers it keeps as they were).
_NEGATED = ("price_paid_nok", "transport_km", "transport_kgco2e", "refurbishment_nok", "refurbishment_kgco2e",
            "co2e_gross_kg", "co2e_net_kg", "co2e_low_kg", "co2e_high_kg", "waste_kg", "money_nok")


def _negated(amount: Decimal | None) -> Decimal | None:
    return -amount if amount is not None else None
