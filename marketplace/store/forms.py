"""The reuse store's small forms on the item page: intake, move and write-off."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Optional

from marketplace.i18n import lazy_gettext as _l
from marketplace.listings.forms import DISPOSAL_LABELS
from marketplace.locations.forms import KIND_LABELS
from marketplace.locations.models import Location, LocationKind


class IntakeForm(FlaskForm):
    location = SelectField(_l("Store"), coerce=str, validate_choice=False)  # the service checks the place

    def __init__(self, *args, stores: list[Location] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice(str(store.id), store.name) for store in stores]


class MoveForm(FlaskForm):
    location = SelectField(_l("Move to"), coerce=str, validate_choice=False)

    def __init__(self, *args, locations: list[Location] = (), at_unit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = ([] if at_unit else [SelectChoice("", _l("Back to its unit"))]) + [
            SelectChoice(str(location.id), location.name, optgroup=str(KIND_LABELS[location.kind]))
            for location in locations]


class WriteOffForm(FlaskForm):
    reason = RadioField(_l("What happened to it?"), choices=[SelectChoice(reason.value, label)
                                                            for reason, label in DISPOSAL_LABELS.items()],
                         validate_choice=False)  # the service says what is wrong, on the item page
    note = TextAreaField(_l("Note"), validators=[Optional()], render_kw={"maxlength": 1000},
                         description=_l("For example why it could not be reused, or the receipt from the "
                                        "recycling station."))


def stores_among(locations: list[Location]) -> list[Location]:
    return [location for location in locations if location.kind == LocationKind.STORE]
