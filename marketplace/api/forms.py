from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from marketplace.api.services import MAX_NAME_LENGTH
from marketplace.i18n import lazy_gettext as _l


class CreateTokenForm(FlaskForm):
    name = StringField(_l("Name of the token"), validators=[DataRequired(), Length(max=MAX_NAME_LENGTH)],
                       description=_l("Where it is used, e.g. “Inventory system” or “Depot tablet”."))
