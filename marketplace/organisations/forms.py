from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

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
