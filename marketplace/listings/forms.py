"""The listing form: made for a phone, forgiving with Norwegian number formats, strict about the rest."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from marketplace.i18n import format_decimal, lazy_gettext as _l
from marketplace.forms import DecimalCommaField
from marketplace.listings.models import (MAX_LOAN_DAYS, Category, CategoryGroup, Condition, DisposalReason, Item,
                                         ItemOffer, ItemStatus)
from marketplace.listings.services import ItemInput
from marketplace.locations.forms import KIND_LABELS as LOCATION_KIND_LABELS
from marketplace.locations.models import Location
from marketplace.organisations.models import Unit

CONDITION_LABELS = {
    Condition.AS_NEW: (_l("As new"), _l("No visible wear; works and looks like new.")),
    Condition.GOOD: (_l("Good"), _l("Light signs of use; nothing to fix.")),
    Condition.WORN: (_l("Worn"), _l("Clear signs of use, but works as it should.")),
    Condition.NEEDS_REPAIR: (_l("Needs repair"), _l("Something must be fixed or replaced before use.")),
}
GROUP_LABELS = {
    CategoryGroup.FURNITURE: _l("Furniture"),
    CategoryGroup.ICT: _l("ICT equipment"),
    CategoryGroup.MATERIAL: _l("Materials"),
}
OFFER_LABELS = {
    ItemOffer.GIVE: (_l("Give away"), _l("The receiver keeps it.")),
    ItemOffer.LEND: (_l("Lend out"), _l("The borrower returns it after the loan period, for example a class set "
                                        "for an exam.")),
}
# The words of an item's status badge (``status_badge``; the inventory's forms say some of them their own way).
STATUS_LABELS = {
    ItemStatus.DRAFT: _l("Draft"), ItemStatus.PUBLISHED: _l("Published"), ItemStatus.COMPLETED: _l("Completed"),
    ItemStatus.WITHDRAWN: _l("Withdrawn"), ItemStatus.EXPIRED: _l("Expired"), ItemStatus.DISPOSED: _l("Written off"),
    ItemStatus.IN_USE: _l("In use"), ItemStatus.FOR_REPAIR: _l("For repair"),
    ItemStatus.FOR_RECYCLING: _l("For recycling"),
}
# What happened to a written-off item (the store's write-off, the inventory's disposal).
DISPOSAL_LABELS = {DisposalReason.RECYCLED: _l("Delivered to recycling"), DisposalReason.SCRAPPED: _l("Scrapped")}
UNIT_LABELS = {"piece": _l("pieces"), "set": _l("sets"), "kg": _l("kg"), "tonne": _l("tonnes"), "m2": _l("m²"),
               "m3": _l("m³")}


def unit_label_for(amount: Any, unit: str) -> str:
    """The unit after an amount: "1 piece", "2 pieces", "1 set", "28 sets" in English (bokmål says "stk." and
    "sett" for both); the units of measure (kg, m², m³) are the same for every amount."""
    number = 1 if amount == 1 else 2
    if unit == "piece":
        return ngettext("piece", "pieces", number)
    if unit == "set":
        return ngettext("set", "sets", number)
    return str(UNIT_LABELS[unit])


def loan_text(item: Item) -> str | None:
    """What cards and the item page say of a lent item ("Til utlån · 14 dager"); None for one given away."""
    if not item.lent:
        return None
    return ngettext("For loan · %(num)d day", "For loan · %(num)d days", item.loan_days or 0)


def quantity_text(amount: Any, unit: str) -> str:
    """An amount with its unit, as people read it: "4 stk.", "85,5 kg" (notifications say quantities so)."""
    amount = Decimal(str(amount)).normalize()
    return f"{format_decimal(amount)} {unit_label_for(amount, unit)}"


# What a per-unit figure (a factor, a price) is per: "kg CO2e per tonne", never a bare number.
PER_UNIT_LABELS = {"piece": _l("per piece"), "set": _l("per set"), "kg": _l("per kg"), "tonne": _l("per tonne"),
                   "m2": _l("per m²"), "m3": _l("per m³")}

# The item's own fields, read and shown as they are (its category, condition and unit are looked up).
ITEM_FIELDS = ("title", "description", "dimensions", "brand", "model", "colour", "building", "floor",
               "room", "pickup_instructions", "available_from", "advertise_until", "would_be_discarded", "kgco2e_new",
               "mass_kg", "price_new_nok", "figures_source", "asset_tag", "serial_number", "safety_check_note",
               "quantity", "offer", "loan_days")
_TEXT_FIELDS = ("title", "description", "dimensions", "brand", "model", "colour", "building", "floor", "room",
                "pickup_instructions", "figures_source", "asset_tag", "serial_number", "safety_check_note")
_LOOKED_UP = ("category", "condition", "unit", "location")


def item_input(values: Mapping[str, Any], item: Item | None = None) -> ItemInput:
    """The listing service's input from plain values named as its fields are: the condition as its value, the
    category and the unit looked up already, text left empty as None or "". The listing form and the API both
    read their input here, so the two cannot drift apart. Changing ``item``, the fields not given keep its
    values (the API changes only what is sent; the form always sends every field)."""
    current = {name: getattr(item, name) for name in (*ITEM_FIELDS, *_LOOKED_UP)} if item is not None else {}
    given = {name: values[name] for name in (*ITEM_FIELDS, *_LOOKED_UP, "photo_ids", "photo_alt_texts")
             if name in values}
    data = current | given
    for name in _TEXT_FIELDS:
        data[name] = data.get(name) or ""
    data["condition"] = Condition(data["condition"])
    data["offer"] = ItemOffer(data.get("offer") or ItemOffer.GIVE)
    data["would_be_discarded"] = bool(data.get("would_be_discarded"))
    return ItemInput(**data)


class CategoryAndUnitChoices:
    """For a form with ``category`` and ``unit`` select fields: offers the given categories (grouped) and units,
    and accepts only those."""

    def __init__(self, *args, categories: list[Category], units: list[Unit], locale: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", _l("Choose a category"))] + [
            SelectChoice(category.slug, category.name(locale), optgroup=str(GROUP_LABELS[category.group]))
            for category in categories
        ]
        self.unit.choices = [SelectChoice("", _l("Choose a unit"))] + [SelectChoice(str(unit.id), unit.name)
                                                                       for unit in units]
        self._categories = {category.slug: category for category in categories}
        self._units = {str(unit.id): unit for unit in units}

    def validate_category(self, field):
        if field.data not in self._categories:
            raise ValidationError(_l("Choose a category from the list."))

    def validate_unit(self, field):
        if field.data and field.data not in self._units:
            raise ValidationError(_l("Choose one of your municipality's units."))

    def selected_category(self) -> Category | None:
        return self._categories.get(self.category.data or "")

    def selected_unit(self) -> Unit | None:
        return self._units.get(self.unit.data or "")

    def input_values(self) -> dict[str, Any]:
        """What was filled in, as plain values for the domain's input mapper: the category and unit looked up."""
        return {**self.data, "category": self.selected_category(), "unit": self.selected_unit()}


class ItemForm(CategoryAndUnitChoices, FlaskForm):
    """The listing form; ``locations`` are the pickup locations and stores it offers (the municipality's
    active ones, and the item's own if it is archived), grouped by kind."""

    def __init__(self, *args, locations: list[Location] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.location.choices = [SelectChoice("", _l("At its unit"))] + [
            SelectChoice(str(location.id), location.name, optgroup=str(LOCATION_KIND_LABELS[location.kind]))
            for location in locations]
        self._locations = {str(location.id): location for location in locations}

    def validate_location(self, field):
        if field.data and field.data not in self._locations:
            raise ValidationError(_l("Choose one of your municipality's pickup locations or stores."))

    def input_values(self) -> dict[str, Any]:
        return {**super().input_values(), "location": self._locations.get(self.location.data or "")}

    photos = MultipleFileField(
        _l("Photos"),
        description=_l("Take or choose up to 8 photos. The first one is shown in lists."),
        render_kw={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"},
    )
    # One text for every photo chosen now; the page's script offers one field per chosen photo instead, sent
    # under the same name in the order of the files (read by the view, not by this field).
    new_photo_alt = StringField(_l("What the new photos show (for screen readers)"),
                                validators=[Optional(), Length(max=300)],
                                description=_l("For example “Grey stackable chair seen from the front”. "
                                               "Leave blank to describe each photo after saving."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=140)],
                        description=_l("What it is, short: “Stackable chairs, grey”."))
    category = SelectField(_l("Category"), validators=[DataRequired()], coerce=str)
    condition = RadioField(_l("Condition"), validators=[DataRequired()],
                           choices=[SelectChoice(value.value, label) for value, (label, _h) in CONDITION_LABELS.items()])
    quantity = DecimalCommaField(_l("Quantity"), validators=[DataRequired(message=_l("Give the quantity."))],
                                 description=_l("Pieces or sets, or the amount in the category's unit "
                                                "(kg, tonnes, m², m³)."))
    offer = RadioField(_l("Give away or lend out"), default=ItemOffer.GIVE.value,
                       choices=[SelectChoice(value.value, label) for value, (label, _h) in OFFER_LABELS.items()])
    loan_days = IntegerField(_l("Loan period (days)"), validators=[Optional(), NumberRange(
        min=1, max=MAX_LOAN_DAYS, message=_l("Give the loan period in whole days, from 1 to %(most)d.",
                                             most=MAX_LOAN_DAYS))],
        description=_l("Only when lending: how many days the borrower may keep it, for example 14."),
        render_kw={"inputmode": "numeric"})
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    unit = SelectField(_l("Unit"), coerce=str, validators=[Optional()],
                       description=_l("The school, library, depot or office where it is."))
    location = SelectField(_l("Where it stands"), coerce=str, validators=[Optional()],
                           description=_l("At its unit, or at one of the municipality's pickup locations or "
                                          "reuse stores."))
    building = StringField(_l("Building"), validators=[Optional(), Length(max=120)])
    floor = StringField(_l("Floor"), validators=[Optional(), Length(max=40)])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=120)])
    pickup_instructions = TextAreaField(_l("Pickup instructions"), validators=[Optional(), Length(max=2000)],
                                        description=_l("Opening hours, who to ask, access by car or lift."))
    available_from = DateField(_l("Available from"), validators=[Optional()])
    advertise_until = DateField(_l("Advertise until"), validators=[Optional()],
                                description=_l("After this date the listing expires."))
    would_be_discarded = BooleanField(_l("Would otherwise be thrown away"),
                                      description=_l("Tick if it would go to waste if nobody takes it. "
                                                     "This counts for the waste avoided."))
    dimensions = StringField(_l("Dimensions"), validators=[Optional(), Length(max=120)],
                             description=_l("For example 120 × 80 × 72 cm."))
    brand = StringField(_l("Brand"), validators=[Optional(), Length(max=120)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=120)])
    colour = StringField(_l("Colour or series"), validators=[Optional(), Length(max=120)],
                         description=_l("Helps others find matching sets."))
    asset_tag = StringField(_l("Asset tag"), validators=[Optional(), Length(max=60)])
    serial_number = StringField(_l("Serial number"), validators=[Optional(), Length(max=80)])
    safety_check_note = TextAreaField(_l("Safety check (electrical items)"), validators=[Optional(), Length(max=500)],
                                      description=_l("Who checked cable, plug and function, and when."))
    kgco2e_new = DecimalCommaField(_l("kg CO2e of a new one"), validators=[Optional()],
                                   description=_l("Only if you know the product's own footprint (e.g. from an EPD)."))
    mass_kg = DecimalCommaField(_l("Weight per piece (kg)"), validators=[Optional()])
    price_new_nok = DecimalCommaField(_l("Price new (NOK)"), validators=[Optional()])
    figures_source = StringField(_l("Source of these figures"), validators=[Optional(), Length(max=300)])

    def fill_from(self, item: Item) -> None:
        """Show an existing item in the form (GET of the edit page)."""
        for name in ITEM_FIELDS:
            getattr(self, name).data = getattr(item, name)
        self.category.data = item.category.slug
        self.condition.data = item.condition.value
        self.offer.data = item.offer.value
        self.unit.data = str(item.unit_id) if item.unit_id else ""
        self.location.data = str(item.location_id) if item.location_id else ""


class ErasureForm(FlaskForm):
    certificate = MultipleFileField(_l("Erasure certificate"),
                                    description=_l("The report from the erasure tool (PDF), or a photo of it."),
                                    render_kw={"accept": "application/pdf,image/*"})

class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet file"), validators=[FileRequired(_l("Choose a file."))],
                     description=_l("CSV or Excel (.xlsx), at most 5000 rows and 10 MB. "
                                    "The first line names the columns."),
                     render_kw={"accept": ".csv,.xlsx"})
    publish = BooleanField(
        _l("Publish at once"),
        description=_l("Without this, the items are saved as drafts that you publish later."))


class ConfirmImportForm(FlaskForm):
    token = HiddenField()
    publish = HiddenField()
