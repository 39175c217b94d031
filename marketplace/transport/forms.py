"""The transport forms, their labels, and reading a request's values from a form or an API body alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from marketplace.forms import DecimalCommaField
from marketplace.i18n import lazy_gettext as _l
from marketplace.reservations.forms import TRANSPORT_MODE_LABELS
from marketplace.transport.models import TransportStatus

STATUS_LABELS = {
    TransportStatus.REQUESTED: _l("requested"),
    TransportStatus.SCHEDULED: _l("scheduled"),
    TransportStatus.PICKED_UP: _l("picked up"),
    TransportStatus.DELIVERED: _l("delivered"),
    TransportStatus.CANCELLED: _l("cancelled"),
}
LIFT_CHOICES = {"": None, "yes": True, "no": False}
REQUEST_FIELDS = ("to_unit_id", "to_address", "window_from", "window_to", "volume_m3", "weight_kg", "floors",
                  "lift", "contact_name", "contact_phone", "notes")


def request_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``services.request_transport`` from plain values named as they are (the form's
    data or the API's body)."""
    arguments = {name: values.get(name) for name in REQUEST_FIELDS}
    unit = arguments["to_unit_id"]
    arguments["to_unit_id"] = int(unit) if unit not in (None, "") else None
    lift = arguments["lift"]
    arguments["lift"] = LIFT_CHOICES.get(lift) if isinstance(lift, str) else lift
    for name in ("to_address", "contact_name", "contact_phone", "notes"):
        arguments[name] = arguments[name] or ""
    return arguments


def schedule_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    driver = values.get("driver_id")
    return {"scheduled_date": values.get("scheduled_date"), "driver_name": values.get("driver_name") or "",
            "driver_id": int(driver) if driver not in (None, "") else None, "stop_order": values.get("stop_order")}


def deliver_arguments(values: Mapping[str, Any]) -> dict[str, Any]:
    return {"transport_km": values.get("transport_km"), "transport_mode": values.get("transport_mode") or None}


class TransportRequestForm(FlaskForm):
    """Asking for transport; the service checks every rule (the page shows its messages at the fields)."""

    to_unit_id = SelectField(_l("Deliver to"), validators=[Optional()], choices=[])
    to_address = StringField(_l("Or another address"), validators=[Optional()],
                             description=_l("Street, postcode and place, if not to one of your units."))
    window_from = DateField(_l("First possible day"), validators=[Optional()])
    window_to = DateField(_l("Last possible day"), validators=[Optional()])
    volume_m3 = DecimalCommaField(_l("Volume (m³)"), validators=[Optional()],
                                  description=_l("About how much room the load takes. Leave empty if unsure."))
    weight_kg = DecimalCommaField(_l("Weight (kg)"), validators=[Optional()])
    floors = IntegerField(_l("Floors to carry up at the destination"), validators=[Optional()],
                          description=_l("0 for the ground floor."))
    lift = SelectField(_l("Lift at the destination"), validators=[Optional()], choices=[
        SelectChoice("", _l("Not known")), SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))])
    contact_name = StringField(_l("Contact person at the destination"), validators=[Optional()])
    contact_phone = StringField(_l("Contact's phone"), validators=[Optional()])
    notes = TextAreaField(_l("Notes for the driver"), validators=[Optional()],
                          description=_l("For example the entrance to use, or when the building is open."))


class ScheduleForm(FlaskForm):
    scheduled_date = DateField(_l("Day"), validators=[Optional()])
    driver_id = SelectField(_l("Driver"), validators=[Optional()], choices=[])
    driver_name = StringField(_l("Or the driver's name"), validators=[Optional()],
                              description=_l("For a driver without a user here."))
    stop_order = IntegerField(_l("Stop number on the day"), validators=[Optional()])


class DeliverForm(FlaskForm):
    transport_km = DecimalCommaField(_l("Distance driven (km)"), validators=[Optional()])
    transport_mode = SelectField(_l("Vehicle"), validators=[Optional()], choices=[
        SelectChoice("", _l("Choose vehicle")),
        *(SelectChoice(value, label) for value, label in TRANSPORT_MODE_LABELS.items())])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Why"), validators=[Optional()])
