from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.listings.forms import DecimalCommaField


class OverrideForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[DataRequired()], coerce=str)
    effective_from = DateField(_l("In force from"), validators=[DataRequired()])
    kgco2e_new = DecimalCommaField(_l("kg CO2e of a new one"))
    mass_kg = DecimalCommaField(_l("Weight (kg)"))
    price_new_nok = DecimalCommaField(_l("Price new (NOK)"))
    source = TextAreaField(_l("Source"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Where the figures come from: an EPD, a supplier's data sheet, a framework "
                                          "agreement price list."))
