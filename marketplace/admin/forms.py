from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.admin.services import UnitDetails
from marketplace.forms import DecimalCommaField
from marketplace.i18n import lazy_gettext as _l
from marketplace.organisations.models import UnitKind


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

    need_open_days = IntegerField(
        _l("Days a registered need stays out as a wanted notice"),
        validators=[Optional(), NumberRange(min=1, max=365)],
        description=_l("The network's stock is searched at once; the notice catches what turns up later."),
        render_kw={"inputmode": "numeric"},
    )
    need_approval_required = BooleanField(
        _l("Buying new needs a municipal administrator's approval"),
        description=_l("When a need is not met by reuse, an administrator approves the reason before it closes."),
    )



def _unit_kind_choices():
    labels = {UnitKind.SCHOOL: _l("School"), UnitKind.KINDERGARTEN: _l("Kindergarten"),
              UnitKind.LIBRARY: _l("Library"), UnitKind.DEPOT: _l("Depot"), UnitKind.OFFICE: _l("Office"),
              UnitKind.CARE: _l("Care and health"), UnitKind.CULTURE: _l("Culture and sport"),
              UnitKind.OTHER: _l("Other")}
    return [(kind.value, label) for kind, label in labels.items()]


class UnitForm(FlaskForm):
    name = StringField(_l("Name of the unit"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_unit_kind_choices, validators=[DataRequired()])
    address = StringField(_l("Address (optional)"), validators=[Optional(), Length(max=300)],
                          description=_l("Street, postcode and place, e.g. Skolevegen 12, 9990 Dulten."),
                          render_kw={"autocomplete": "street-address"})
    opening_hours = StringField(_l("Opening hours for pickup (optional)"), validators=[Optional(), Length(max=300)],
                                description=_l("E.g. Mon–Fri 8–15, closed in July."))
    contact = StringField(_l("Contact for pickup (optional)"), validators=[Optional(), Length(max=300)],
                          description=_l("Whom to ask on arrival: a name, a phone number or the reception."))

    def details(self) -> UnitDetails:
        return UnitDetails(address=self.address.data or "", opening_hours=self.opening_hours.data or "",
                           contact=self.contact.data or "")


class MergeUnitForm(FlaskForm):
    into = SelectField(_l("Merge into"), validators=[DataRequired(message=_l("Choose a unit."))])

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.into.choices = [("", _l("Choose a unit"))] + [(str(unit.id), unit.name) for unit in units]


class ArchiveUnitForm(FlaskForm):
    archived = HiddenField(validators=[AnyOf(["0", "1"])])


# --------------------------------------------------------------------------------------------------------------
# Network and site administration
# --------------------------------------------------------------------------------------------------------------

class NetworkPolicyForm(FlaskForm):
    """The defaults a network gives municipalities created in it or joining it: the same fields, labels and
    limits as a municipality's own rules (PolicyForm), taken from there field by field."""

    network_share_days = PolicyForm.network_share_days
    partners_allowed = PolicyForm.partners_allowed
    partner_share_days = PolicyForm.partner_share_days
    hold_days = PolicyForm.hold_days
    pickup_grace_days = PolicyForm.pickup_grace_days
    waitlist_offer_hours = PolicyForm.waitlist_offer_hours
    displacement_unknown = PolicyForm.displacement_unknown

    def fill(self, source) -> None:
        """Show the policy of ``source`` (a network)."""
        for name in ("network_share_days", "partner_share_days", "hold_days", "pickup_grace_days",
                     "waitlist_offer_hours", "displacement_unknown"):
            getattr(self, name).data = getattr(source, name)
        self.partners_allowed.data = source.partner_share_days is not None

    def values(self) -> dict:
        """The policy as the services take it: no partner days when partners are not allowed."""
        return {
            "network_share_days": self.network_share_days.data,
            "partner_share_days": (self.partner_share_days.data or 0) if self.partners_allowed.data else None,
            "hold_days": self.hold_days.data,
            "pickup_grace_days": self.pickup_grace_days.data,
            "waitlist_offer_hours": self.waitlist_offer_hours.data,
            "displacement_unknown": self.displacement_unknown.data,
        }


SLUG_HELP = _l("Lower-case letters, digits and hyphens, e.g. nordvik-kommune. Used in addresses; cannot be changed.")


class NetworkNameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])


class NewNetworkForm(NetworkNameForm):
    slug = StringField(_l("Short name"), description=SLUG_HELP,
                       validators=[InputRequired(), Length(max=60)])


class NewOrganisationForm(NewNetworkForm):
    org_number = StringField(_l("Organisation number (optional)"), description=_l("Nine digits."),
                             validators=[Optional(), Length(max=9)], render_kw={"inputmode": "numeric"})


class NewMunicipalityForm(NewOrganisationForm):
    """The site admin's form: a new municipality and the network it starts in."""

    network = SelectField(_l("Network"), validators=[InputRequired()])


class ChooseOrganisationForm(FlaskForm):
    """Bring an existing municipality or partner organisation into the network (choices set by the view)."""

    organisation = SelectField(_l("Organisation"), validators=[InputRequired()])


class MoveMunicipalityForm(FlaskForm):
    network = SelectField(_l("Move to network"), validators=[InputRequired()])
