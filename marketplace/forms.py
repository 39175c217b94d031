"""Form pieces every room uses: Norwegian numbers and a confirm button."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.widgets import TextInput

from marketplace.i18n import lazy_gettext as _l
from marketplace.inputs import parse_decimal


class DecimalCommaField(Field):
    """A number field that accepts a decimal comma and shows a numeric keyboard on phones."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = format(self.data.normalize(), "f")
        return text.replace(".", ",")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = parse_decimal(valuelist[0])
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Write a number, like 12 or 2,5.")) from error


class ConfirmForm(FlaskForm):
    """A button only (the CSRF token is the point)."""
