from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, enum_column, utcnow
from marketplace.locations.models import Location
from marketplace.organisations.models import Municipality, Unit


MAX_QUANTITY = Decimal("1000000")
QUANTITY_STEP = Decimal("0.001")


class CategoryGroup(StrEnum):
    FURNITURE = "furniture"
    ICT = "ict"
    MATERIAL = "material"


class MeasureUnit(StrEnum):
    """How a category is counted: whole pieces or sets, or an amount by mass, area or volume."""

    PIECE = "piece"
    SET = "set"  # whole sets of things used together: a pupil desk with its chair, a workstation
    KG = "kg"
    TONNE = "tonne"
    M2 = "m2"  # square metres: plasterboard, carpet tiles, paving stones
    M3 = "m3"

    @property
    def whole_numbers(self) -> bool:
        return self in (MeasureUnit.PIECE, MeasureUnit.SET)

    def quantity_problem(self, quantity: Decimal | None) -> str | None:
        """What is wrong with ``quantity`` of something counted in this unit, or None. The one quantity rule
        of listings, reservations and wanted notices (the database holds three decimals)."""
        if quantity is None or not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
            return _("The quantity must be more than zero.")
        if quantity > MAX_QUANTITY:
            return _("The quantity is too large.")
        if self.whole_numbers and quantity != quantity.to_integral_value():
            return _("Count this category in whole sets.") if self is MeasureUnit.SET else _(
                "Count this category in whole pieces.")
        if quantity != quantity.quantize(QUANTITY_STEP):
            return _("Give the amount with at most three decimals.")
        return None


class Condition(StrEnum):
    AS_NEW = "as_new"
    GOOD = "good"
    WORN = "worn"
    NEEDS_REPAIR = "needs_repair"


class ItemOffer(StrEnum):
    """Whether an item is given away for good or lent for a period and then returned."""

    GIVE = "give"
    LEND = "lend"


MAX_LOAN_DAYS = 365


class ItemStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    DISPOSED = "disposed"  # written off from a store: recycled or scrapped (``Item.disposal_reason``)
    # The inventory (inventory/): what the municipality owns and uses, seen only by its own people.
    IN_USE = "in_use"
    FOR_REPAIR = "for_repair"
    FOR_RECYCLING = "for_recycling"


# Items that are not on the market but in the municipality's own inventory.
INVENTORY_STATUSES = (ItemStatus.IN_USE, ItemStatus.FOR_REPAIR, ItemStatus.FOR_RECYCLING)


class DisposalReason(StrEnum):
    RECYCLED = "recycled"  # delivered to material recycling
    SCRAPPED = "scrapped"  # thrown away as residual waste


class UserGroup(StrEnum):
    """Who uses an ICT device in the inventory (the fleet view): pupils, staff, or shared by both."""

    PUPILS = "pupils"
    STAFF = "staff"
    SHARED = "shared"  # shared or other: a library PC, a meeting-room screen


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    group: Mapped[CategoryGroup] = mapped_column(enum_column(CategoryGroup, "category_group"))
    name_nb: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    unit: Mapped[MeasureUnit] = mapped_column(enum_column(MeasureUnit, "measure_unit"))
    # ICT that can hold data (disks, memory, configuration) leaves its municipality only after recorded erasure.
    holds_data: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb

    @property
    def electrical(self) -> bool:
        """Runs on power (the ICT group): a municipality may ask for a safety-check note before it is listed."""
        return self.group == CategoryGroup.ICT

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


QUANTITY = Numeric(12, 3)


class Item(Base):
    """A surplus item (or a lot of identical ones) listed by a municipality."""

    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        # Never more reserved than exists: the database itself refuses a negative availability.
        CheckConstraint("quantity_available >= 0 AND quantity_available <= quantity", name="available_in_range"),
        # A lend item has a loan period of 1 to 365 days; a give item has none.
        CheckConstraint("(offer = 'give' AND loan_days IS NULL) OR (offer = 'lend' AND loan_days >= 1 "
                        "AND loan_days <= 365)", name="loan_days_fit_offer"),
        Index("ix_items_status_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    # Where it stands when that is not its unit: a pickup location or a reuse store of its municipality.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    status: Mapped[ItemStatus] = mapped_column(enum_column(ItemStatus, "item_status"), default=ItemStatus.DRAFT)

    title: Mapped[str] = mapped_column(String(140))
    description: Mapped[str] = mapped_column(Text, default="")
    condition: Mapped[Condition] = mapped_column(enum_column(Condition, "item_condition"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    # What nobody holds or has taken yet: quantity − held by reservations and offers − handed over.
    quantity_available: Mapped[Decimal] = mapped_column(QUANTITY)
    dimensions: Mapped[str] = mapped_column(String(120), default="")
    brand: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    colour: Mapped[str] = mapped_column(String(120), default="")  # colour or series, to match sets

    building: Mapped[str] = mapped_column(String(120), default="")
    room: Mapped[str] = mapped_column(String(120), default="")
    floor: Mapped[str] = mapped_column(String(40), default="", server_default="")
    pickup_instructions: Mapped[str] = mapped_column(Text, default="")
    available_from: Mapped[date | None]
    advertise_until: Mapped[date | None]
    would_be_discarded: Mapped[bool] = mapped_column(default=False)
    # Given away for good, or lent for ``loan_days`` and returned (a class set of iPads, chairs for an exam).
    offer: Mapped[ItemOffer] = mapped_column(enum_column(ItemOffer, "item_offer"), default=ItemOffer.GIVE,
                                             server_default=ItemOffer.GIVE.value)
    loan_days: Mapped[int | None]

    # The item's own figures (e.g. from an EPD or the supplier), overriding the category's.
    kgco2e_new: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    mass_kg: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    price_new_nok: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    figures_source: Mapped[str] = mapped_column(String(300), default="")

    asset_tag: Mapped[str] = mapped_column(String(60), default="")
    serial_number: Mapped[str] = mapped_column(String(80), default="")
    # Who checked an electrical item, how and when (cable, plug, function); required where the municipality says.
    safety_check_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    erasure_recorded_at: Mapped[datetime | None]
    erasure_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    erasure_certificate: Mapped[str | None] = mapped_column(String(80))  # stored file name: <sha256>.<ext>
    # The ICT fleet (inventory/fleet.py): when it was bought (its age) and who uses it.
    purchased_on: Mapped[date | None]
    user_group: Mapped[UserGroup | None] = mapped_column(enum_column(UserGroup, "user_group"))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    # When the wider circles may see it; fixed at publication from the municipality's policy.
    network_visible_at: Mapped[datetime | None]
    partner_visible_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # completed, withdrawn or expired
    expiry_reminded_at: Mapped[datetime | None]  # the owner side was told the listing ends soon
    # Since when it stands at its location (set whenever the location changes; a store's stock shows it).
    location_since: Mapped[datetime | None]
    disposal_reason: Mapped[DisposalReason | None] = mapped_column(enum_column(DisposalReason, "disposal_reason"))
    disposal_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The item this row came from: the row it was split off (10 of 12 chairs moved or offered), or the listing
    # it was received from for a building project. The older row's history is this one's too.
    origin_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
    location: Mapped[Location | None] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    photos: Mapped[list[Photo]] = relationship(
        back_populates="item", order_by="Photo.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_ict(self) -> bool:
        return self.category.group == CategoryGroup.ICT

    @property
    def lent(self) -> bool:
        return self.offer == ItemOffer.LEND

    @property
    def needs_erasure(self) -> bool:
        """Data-bearing ICT whose erasure is not yet recorded: it stays inside its municipality."""
        return self.category.holds_data and self.erasure_recorded_at is None

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.status}>"


class Photo(Base):
    """A photo of an item, stored as two re-encoded variants under its content hash. A photo with no item
    yet belongs to the form its uploader is filling in, so nothing is lost when the form has errors."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int]
    height: Mapped[int]
    alt_text: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[Item | None] = relationship(back_populates="photos")
