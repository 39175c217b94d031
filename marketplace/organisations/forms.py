from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional


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
