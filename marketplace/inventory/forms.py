"""The inventory's forms: registering an item where it stands (lean, for a phone), the list's filters, the
status change on the item page, and the spreadsheet import."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (DateField, MultipleFileField, RadioField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marketplace.forms import DecimalCommaField
from marketplace.i18n import lazy_gettext as _l
from marketplace.listings import forms as listings_forms
from marketplace.listings.forms import CONDITION_LABELS, DISPOSAL_LABELS, CategoryAndUnitChoices
from marketplace.listings.models import INVENTORY_STATUSES, Category, DisposalReason, Item, ItemStatus, UserGroup

STATUS_LABELS = {
    ItemStatus.IN_USE: _l("In use"),
    ItemStatus.FOR_REPAIR: _l("For repair"),
    ItemStatus.FOR_RECYCLING: _l("For recycling"),
    ItemStatus.DISPOSED: _l("Disposed of"),
}
USER_GROUP_LABELS = {
    UserGroup.PUPILS: _l("Pupils"),
    UserGroup.STAFF: _l("Staff"),
    UserGroup.SHARED: _l("Shared"),
}
# What "same as the last one" copies: what the next chair shares with the previous one (never its photos,
# asset tag or serial number, which are its own).
SAME_AS_LAST = ("title", "condition", "quantity", "brand", "model", "building", "floor", "room")
PLACE_FIELDS = ("building", "floor", "room")


class RegisterForm(CategoryAndUnitChoices, FlaskForm):
    photos = MultipleFileField(
        _l("Photos"), description=_l("Take or choose up to 8 photos."),
        render_kw={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"})
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the item a short title.")),
                                                       Length(max=140)],
                        description=_l("Short: “Pupil chair, blue”."))
    category = SelectField(_l("Category"), coerce=str,
                           validators=[DataRequired(message=_l("Choose a category from the list."))])
    condition = RadioField(_l("Condition"), validators=[DataRequired(message=_l("Choose the condition."))],
                           default="good", choices=[SelectChoice(value.value, label)
                                                    for value, (label, _h) in CONDITION_LABELS.items()])
    quantity = DecimalCommaField(_l("Quantity"), default=Decimal(1),
                                 validators=[InputRequired(message=_l("Give the quantity."))])
    unit = SelectField(_l("Unit"), coerce=str, validators=[Optional()],
                       description=_l("The school, office or other unit that uses it."))
    building = StringField(_l("Building"), validators=[Optional(), Length(max=120)])
    floor = StringField(_l("Floor"), validators=[Optional(), Length(max=40)])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=120)])
    brand = StringField(_l("Brand"), validators=[Optional(), Length(max=120)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=120)])
    asset_tag = StringField(_l("Asset tag"), validators=[Optional(), Length(max=60)])
    serial_number = StringField(_l("Serial number"), validators=[Optional(), Length(max=80)])
    status = RadioField(_l("Status"), default=ItemStatus.IN_USE.value,
                        choices=[SelectChoice(status.value, STATUS_LABELS[status])
                                 for status in INVENTORY_STATUSES])

    def fill_from(self, item: Item) -> None:
        """"Same as the last one": what the next item shares with ``item``."""
        for name in SAME_AS_LAST:
            getattr(self, name).data = getattr(item, name)
        self.condition.data = item.condition.value
        self.category.data = item.category.slug
        self.unit.data = str(item.unit_id) if item.unit_id else ""

    def fill_place(self, place: dict[str, str]) -> None:
        """The room remembered from the previous registration (and its unit)."""
        for name in (*PLACE_FIELDS, "unit"):
            getattr(self, name).data = str(place.get(name) or "")

    def place(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in (*PLACE_FIELDS, "unit")}

    def selected_status(self) -> ItemStatus:
        return ItemStatus(self.status.data)


class StatusForm(FlaskForm):
    status = RadioField(_l("New status"), validate_choice=False)  # the service says what is wrong
    reason = TextAreaField(_l("Why (optional)"), validators=[Optional()], render_kw={"maxlength": 500},
                           description=_l("For example what is broken, or who decided it."))
    disposal_reason = RadioField(_l("If disposed of: what happened to it?"), validate_choice=False,
                                 choices=[SelectChoice(reason.value, label)
                                          for reason, label in DISPOSAL_LABELS.items()])

    def __init__(self, *args, statuses: tuple[ItemStatus, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice(status.value, STATUS_LABELS[status]) for status in statuses]

    def chosen_status(self) -> ItemStatus | None:
        return next((status for status in ItemStatus if status.value == self.status.data), None)

    def chosen_disposal(self) -> DisposalReason | None:
        return next((reason for reason in DisposalReason if reason.value == self.disposal_reason.data), None)


class OfferForm(FlaskForm):
    quantity = DecimalCommaField(_l("How many"), validators=[Optional()],
                                 description=_l("Leave it as it is to offer the whole row; fewer splits the row, "
                                                "and the rest stays in use."))


class ImportForm(listings_forms.ImportForm):
    """The listings' import form without "publish at once": the inventory is never on the market."""

    publish = None


# --- The ICT fleet --------------------------------------------------------------------------------------

def _group_choices(empty_label) -> list[SelectChoice]:
    return [SelectChoice("", empty_label), *(SelectChoice(group.value, label)
                                            for group, label in USER_GROUP_LABELS.items())]


def chosen_group(value: str | None) -> UserGroup | None:
    return next((group for group in UserGroup if group.value == value), None)


class DetailsForm(FlaskForm):
    """The fleet's facts of a device: when it was bought and who uses it."""

    purchased_on = DateField(_l("Purchase date"), validators=[Optional()],
                             description=_l("From the invoice or the supplier; gives the age."))
    user_group = SelectField(_l("User group"), validate_choice=False, choices=_group_choices(_l("Not given")))

    def fill(self, item: Item) -> None:
        self.purchased_on.data = item.purchased_on
        self.user_group.data = item.user_group.value if item.user_group else ""


class RepairForm(FlaskForm):
    repaired_on = DateField(_l("Date of the repair"), validators=[Optional()])
    description = TextAreaField(_l("What was done"), validators=[Optional()], render_kw={"maxlength": 500},
                                description=_l("For example “new battery” or “screen replaced”."))
    cost_nok = StringField(_l("Cost in NOK (optional)"), validators=[Optional(), Length(max=20)],
                           render_kw={"inputmode": "decimal"})


class EnoughForm(FlaskForm):
    """"Do we have enough used equipment?": a GET form, so the answer has an address."""

    class Meta:
        csrf = False

    category = SelectField(_l("What is needed"), coerce=str, validate_choice=False)
    quantity = DecimalCommaField(_l("How many"), validators=[Optional()])
    user_group = SelectField(_l("For whom"), validate_choice=False, choices=_group_choices(_l("Anyone")))

    def __init__(self, *args, categories: list[Category] = (), locale: str = "nb", **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice(category.slug, category.name(locale)) for category in categories]
        self.categories = {category.slug: category for category in categories}

    def chosen_category(self) -> Category | None:
        return self.categories.get(self.category.data or "")
