"""Forms for wanted notices and needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.forms import DecimalCommaField
from marketplace.i18n import lazy_gettext as _l
from marketplace.listings.forms import CategoryAndUnitChoices
from marketplace.wanted.models import BuyNewReason
from marketplace.wanted.services import NoticeInput

REASON_LABELS = {
    BuyNewReason.NOTHING_SUITABLE: _l("Nothing suitable was offered"),
    BuyNewReason.CONDITION: _l("What was offered is in too poor condition"),
    BuyNewReason.QUANTITY: _l("Not enough was offered"),
    BuyNewReason.DEADLINE: _l("Nothing arrives in time"),
    BuyNewReason.OTHER: _l("Other reason"),
}
_TEXT_FIELDS = ("title", "description", "returned_asset_tag", "no_return_reason")


def notice_input(values: Mapping[str, Any], input_class: type[NoticeInput] = NoticeInput) -> NoticeInput:
    """A wanted notice's input, or with ``NeedInput`` a need's, from plain values named as its fields are (the
    category and the unit looked up already, text left empty as None or ""). The web forms and the API both
    read their input here, so the two cannot drift apart."""
    given = {field.name: values.get(field.name) for field in fields(input_class)}
    return input_class(**given | {name: given[name] or "" for name in _TEXT_FIELDS if name in given})


class NoticeForm(CategoryAndUnitChoices, FlaskForm):
    title = StringField(_l("What do you need"), validators=[DataRequired(), Length(max=140)],
                        description=_l("Short: “24 pupil chairs”."))
    category = SelectField(_l("Category"), validators=[DataRequired()], coerce=str)
    quantity = DecimalCommaField(_l("Quantity"), validators=[DataRequired(message=_l("Give the quantity."))])
    needed_by = DateField(_l("Needed by"), validators=[Optional()])
    unit = SelectField(_l("Unit"), coerce=str, validators=[Optional()],
                       description=_l("The school, library or office that needs it."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)],
                                description=_l("Size, colour, series, or anything else that matters."))


class NeedForm(NoticeForm):
    returned_asset_tag = StringField(
        _l("Asset tag of the device it replaces"), validators=[Optional(), Length(max=60)],
        description=_l("ICT only: a new device is issued against the old one, which is handed back."))
    no_return_reason = TextAreaField(_l("Or: why no device is handed back"), validators=[Optional(), Length(max=2000)])


class OutcomeForm(FlaskForm):
    reason = RadioField(_l("Why buy new"), validators=[Optional()],
                        choices=[SelectChoice(value.value, label) for value, label in REASON_LABELS.items()],
                        description=_l("Needed for what is not met by reuse."))
    reason_text = TextAreaField(_l("Describe the reason"), validators=[Optional(), Length(max=2000)],
                                description=_l("Required for “Other reason”."))
