"""The location form of the administration pages, and the labels of the kinds of location."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from marketplace.i18n import lazy_gettext as _l
from marketplace.locations.models import Location, LocationKind
from marketplace.locations.services import LocationInput

KIND_LABELS = {LocationKind.PICKUP: _l("Pickup location"), LocationKind.STORE: _l("Reuse store")}


class LocationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the location a name.")),
                                               Length(max=200)],
                       description=_l("As people say it, e.g. “Ombrukslageret på Haugen”."))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
                       validators=[DataRequired()],
                       description=_l("A reuse store takes items in and keeps them; at a pickup location items "
                                      "wait for their collectors."))
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=300)],
                          description=_l("Street, postcode and place, e.g. Lagervegen 4, 9990 Dulten."),
                          render_kw={"autocomplete": "street-address"})
    opening_hours = StringField(_l("Opening hours"), validators=[Optional(), Length(max=300)],
                                description=_l("E.g. Mon–Fri 8–15, closed in July."))
    contact = StringField(_l("Contact"), validators=[Optional(), Length(max=300)],
                          description=_l("Whom to ask on arrival: a name, a phone number or the reception."))
    access_notes = TextAreaField(_l("Access"), validators=[Optional(), Length(max=2000)],
                                 description=_l("Key, loading ramp, floors, lift: what a driver or collector "
                                                "needs to know."))

    def fill_from(self, location: Location) -> None:
        for name in ("name", "address", "opening_hours", "contact", "access_notes"):
            getattr(self, name).data = getattr(location, name)
        self.kind.data = location.kind.value

    def location_input(self) -> LocationInput:
        return LocationInput(name=self.name.data or "", kind=LocationKind(self.kind.data),
                             address=self.address.data or "", opening_hours=self.opening_hours.data or "",
                             contact=self.contact.data or "", access_notes=self.access_notes.data or "")

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            field = getattr(self, name, None) or self.name
            field.errors = [*field.errors, message]


class ArchiveLocationForm(FlaskForm):
    archived = HiddenField(validators=[AnyOf(["0", "1"])])
