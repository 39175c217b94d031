"""Forms of building projects: starting one, adding a need in a room, covering it (placing own inventory or
reserving a listing, each with the answer to "would you otherwise buy new?"), and buying the rest new."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from marketplace.forms import DecimalCommaField
from marketplace.i18n import lazy_gettext as _l
from marketplace.listings.forms import GROUP_LABELS
from marketplace.listings.models import Category
from marketplace.locations.models import Location
from marketplace.projects.services import NeedInput, ProjectInput
from marketplace.reservations.forms import WOULD_BUY_NEW_LABELS
from marketplace.reservations.models import WouldBuyNew
from marketplace.wanted.forms import REASON_LABELS


def project_input(values: Mapping[str, Any]) -> ProjectInput:
    """A project's input from plain values (the form's data, or the API's body with the location looked up)."""
    return ProjectInput(name=values.get("name") or "", due=values.get("due"), location=values.get("location"),
                        building=values.get("building") or "", description=values.get("description") or "")


def need_input(values: Mapping[str, Any]) -> NeedInput:
    return NeedInput(category=values.get("category"), quantity=values.get("quantity"), room=values.get("room") or "",
                     title=values.get("title") or "", description=values.get("description") or "")


class ProjectForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the project a name.")), Length(max=140)],
                       description=_l("For example “New library, Dulten”."))
    building = StringField(_l("Building"), validators=[Optional(), Length(max=120)],
                           description=_l("As items placed there will carry it. The name is used if empty."))
    location = SelectField(_l("Location"), coerce=str, validators=[Optional()])
    due = DateField(_l("Wanted by"), validators=[Optional()],
                    description=_l("Reservations for the project are held until this date."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])

    def __init__(self, *args, locations: list[Location], **kwargs):
        super().__init__(*args, **kwargs)
        self._locations = {str(location.id): location for location in locations}
        self.location.choices = [SelectChoice("", _l("No location"))] + [
            SelectChoice(key, location.name) for key, location in self._locations.items()]

    def validate_location(self, field):
        if field.data and field.data not in self._locations:
            raise ValidationError(_l("Choose one of your municipality's locations."))

    def input_values(self) -> dict[str, Any]:
        return {"name": self.name.data, "building": self.building.data, "due": self.due.data,
                "location": self._locations.get(self.location.data or ""), "description": self.description.data}


class NeedForm(FlaskForm):
    room = StringField(_l("Room"), validators=[Optional(), Length(max=120)],
                       description=_l("For example “Reading room, 1st floor”."))
    category = SelectField(_l("Category"), coerce=str,
                           validators=[DataRequired(message=_l("Choose a category from the list."))])
    quantity = DecimalCommaField(_l("Quantity"), validators=[DataRequired(message=_l("Give the quantity."))])
    title = StringField(_l("What is needed"), validators=[Optional(), Length(max=140)],
                        description=_l("Optional: the category and the room are used if empty."))
    description = TextAreaField(_l("Requirements"), validators=[Optional(), Length(max=5000)],
                                description=_l("Size, colour, series, or anything else that matters."))

    def __init__(self, *args, categories: list[Category], locale: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._categories = {category.slug: category for category in categories}
        self.category.choices = [SelectChoice("", _l("Choose a category"))] + [
            SelectChoice(category.slug, category.name(locale), optgroup=str(GROUP_LABELS[category.group]))
            for category in categories]

    def validate_category(self, field):
        if field.data not in self._categories:
            raise ValidationError(_l("Choose a category from the list."))

    def input_values(self) -> dict[str, Any]:
        return {"room": self.room.data, "category": self._categories.get(self.category.data or ""),
                "quantity": self.quantity.data, "title": self.title.data, "description": self.description.data}


class CoverForm(FlaskForm):
    """Place own inventory in the need's room, or reserve a listing for it."""

    item_id = HiddenField(validators=[DataRequired()])
    quantity = DecimalCommaField(_l("How many"), validators=[DataRequired(message=_l("Give the quantity."))])
    would_buy_new = RadioField(
        _l("Would you otherwise have bought new?"),
        choices=[SelectChoice(value.value, label) for value, label in WOULD_BUY_NEW_LABELS.items()],
        default=WouldBuyNew.YES.value,
        validators=[DataRequired(message=_l("Choose an answer: it decides the climate figure."))])

    def chosen(self) -> dict[str, Any]:
        return {"quantity": self.quantity.data, "would_buy_new": WouldBuyNew(self.would_buy_new.data)}


class BuyNewForm(FlaskForm):
    reason = RadioField(_l("Why buy new"), validators=[DataRequired(message=_l("Say why the rest must be bought new."))],
                        choices=[SelectChoice(value.value, label) for value, label in REASON_LABELS.items()])
    reason_text = TextAreaField(_l("Describe the reason"), validators=[Optional(), Length(max=2000)],
                                description=_l("Required for “Other reason”."))
