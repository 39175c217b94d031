from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.listings.forms import DecimalCommaField


class PolicyForm(FlaskForm):
    network_share_days = IntegerField(
        _l("Days before the rest of the network sees new listings"),
        validators=[InputRequired(), NumberRange(min=0, max=365)],
        description=_l("Your own municipality sees a listing at once. 0 shares it with the network at once."),
        render_kw={"inputmode": "numeric"},
    )
    partners_allowed = BooleanField(
        _l("Partner organisations may see listings"),
        description=_l("Charities and voluntary groups in the network, after the municipalities have had their turn."),
    )
    partner_share_days = IntegerField(
        _l("Further days before partner organisations see them"),
        validators=[Optional(), NumberRange(min=0, max=365)],
        render_kw={"inputmode": "numeric"},
    )

    electrical_safety_note_required = BooleanField(
        _l("Electrical items need a safety-check note"),
        description=_l("ICT and other electrical items can only be published with a note on who checked cable, "
                       "plug and function."),
    )

    hold_days = IntegerField(
        _l("Days the owner side has to answer a reservation"),
        validators=[InputRequired(), NumberRange(min=1, max=60)],
        description=_l("An unanswered reservation lapses after this, and the quantity is free again."),
        render_kw={"inputmode": "numeric"},
    )
    pickup_grace_days = IntegerField(
        _l("Days after the agreed pickup before an uncollected reservation lapses"),
        validators=[InputRequired(), NumberRange(min=0, max=60)], render_kw={"inputmode": "numeric"},
    )
    waitlist_offer_hours = IntegerField(
        _l("Hours released quantity is kept for the first on the waitlist"),
        validators=[InputRequired(), NumberRange(min=1, max=24 * 14)], render_kw={"inputmode": "numeric"},
    )
    displacement_unknown = DecimalCommaField(
        _l("Share counted when the receiver does not know whether they would have bought new"),
        validators=[InputRequired(), NumberRange(min=0, max=1)],
        description=_l("Between 0 and 1. 0.7 is a cautious choice; 1 counts every such reuse as a purchase avoided."),
    )


def _unit_kind_choices():
    from marketplace.organisations.models import UnitKind

    labels = {UnitKind.SCHOOL: _l("School"), UnitKind.KINDERGARTEN: _l("Kindergarten"),
              UnitKind.LIBRARY: _l("Library"), UnitKind.DEPOT: _l("Depot"), UnitKind.OFFICE: _l("Office"),
              UnitKind.CARE: _l("Care and health"), UnitKind.CULTURE: _l("Culture and sport"),
              UnitKind.OTHER: _l("Other")}
    return [(kind.value, label) for kind, label in labels.items()]


class UnitForm(FlaskForm):
    name = StringField(_l("Name of the unit"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_unit_kind_choices, validators=[DataRequired()])


class MergeUnitForm(FlaskForm):
    into = SelectField(_l("Merge into"), validators=[DataRequired(message=_l("Choose a unit."))])

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.into.choices = [("", _l("Choose a unit"))] + [(str(unit.id), unit.name) for unit in units]


class ArchiveUnitForm(FlaskForm):
    archived = HiddenField(validators=[AnyOf(["0", "1"])])
