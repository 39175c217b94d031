"""Listings: create, edit, publish, withdraw and expire surplus items; their photos and data erasure.

Every function takes the acting user explicitly, checks permission itself, flushes and never commits.
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import lazyload

from marketplace.accounts import signals as account_signals
from marketplace.accounts.models import Membership, Role, User
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden, NotVisible
from marketplace.i18n import oslo_date
from marketplace.listings import photos as photo_files
from marketplace.listings.categories import in_group_order
from marketplace.listings.models import (
    INVENTORY_STATUSES, MAX_LOAN_DAYS, Category, Condition, Item, ItemOffer, ItemStatus, Photo)
from marketplace.listings.signals import item_deleting, item_saved
from marketplace.notifications import services as notifications
from marketplace.listings.permissions import can_list_items_for, can_manage_item
from marketplace.listings.visibility import Plan, kept_clause, visibility_key, visible_items_clause
from marketplace.locations.models import Location
from marketplace.organisations.models import Municipality, Unit

MAX_PHOTOS = 8
PENDING_PHOTO_LIFETIME = timedelta(days=1)
EXPIRY_REMINDER_DAYS = 2  # the owner side is told when a listing has at most this many days left


class ListingError(ValueError):
    """Input that breaks a rule. ``errors`` maps a field name (or "" for the form) to a message fit to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class TransitionError(Conflict):
    """The item's status does not allow this change (e.g. withdrawing a completed item)."""


@dataclass
class ItemInput:
    """What a caretaker fills in. Unset fields (None) keep their current value on edit."""

    title: str
    category: Category
    condition: Condition
    quantity: Decimal
    description: str = ""
    unit: Unit | None = None
    location: Location | None = None  # where it stands, when not at its unit: a location of its municipality
    dimensions: str = ""
    brand: str = ""
    model: str = ""
    colour: str = ""
    building: str = ""
    floor: str = ""
    room: str = ""
    pickup_instructions: str = ""
    available_from: date | None = None
    advertise_until: date | None = None
    would_be_discarded: bool = False
    kgco2e_new: Decimal | None = None
    mass_kg: Decimal | None = None
    price_new_nok: Decimal | None = None
    figures_source: str = ""
    asset_tag: str = ""
    serial_number: str = ""
    safety_check_note: str = ""
    offer: ItemOffer = ItemOffer.GIVE
    loan_days: int | None = None  # the loan period of a lent item; ignored for one given away
    photo_ids: list[int] = field(default_factory=list)
    photo_alt_texts: dict[int, str] = field(default_factory=dict)


# --- Seeing ---------------------------------------------------------------------------------------------

def visible_items(user: User, now: datetime | None = None) -> Select[tuple[Item]]:
    """The query every list of items starts from."""
    return select(Item).where(visible_items_clause(user, now or utcnow()))


@lru_cache(maxsize=1024)
def _visible_item(key: Plan | bool) -> Select[tuple[Item]]:
    """``find_visible_item``'s statement for a key of ``visibility_key``, built once (every item page runs it:
    building it anew cost more than running it). The photos are read when first used, in one statement as
    before, and not at all by the many callers that only check or change the item (a reservation)."""
    return select(Item).where(kept_clause(key), Item.id == bindparam("item_id")).options(lazyload(Item.photos))


def find_visible_item(user: User, item_id: int, now: datetime | None = None) -> Item | None:
    """The item if ``user`` can see it, else None: for rules that decide themselves what an unseen item means.
    Views load with ``find_item``."""
    return db.session.scalar(_visible_item(visibility_key(user)), {"visible_at": now or utcnow(), "item_id": item_id})


def find_item(user: User, item_id: int, now: datetime | None = None) -> Item:
    """The item, if ``user`` can see it; NotVisible if it does not exist or is hidden from them."""
    item = find_visible_item(user, item_id, now)
    if item is None:
        raise NotVisible
    return item


def find_manageable_item(user: User, item_id: int) -> Item:
    """The item, if ``user`` may change it. NotVisible if they cannot see it, Forbidden if they see
    it but may not change it."""
    item = find_item(user, item_id)
    if not can_manage_item(user, item):
        raise Forbidden
    return item


# --- Changing -------------------------------------------------------------------------------------------

def _check(actor: User, municipality: Municipality, data: ItemInput, item: Item | None = None) -> None:
    errors: dict[str, str] = {}
    data.title = (data.title or "").strip()
    if not data.title:
        errors["title"] = _("Give the item a short title.")
    elif len(data.title) > 140:
        errors["title"] = _("The title can be at most 140 characters.")
    if problem := data.category.unit.quantity_problem(data.quantity):
        errors["quantity"] = problem
    if data.unit is not None and data.unit.municipality_id != municipality.id:
        errors["unit"] = _("Choose one of your municipality's units.")
    if data.location is not None and (data.location.municipality_id != municipality.id or (
            data.location.archived_at is not None and (item is None or item.location_id != data.location.id))):
        errors["location"] = _("Choose one of your municipality's pickup locations or stores.")
    if data.available_from and data.advertise_until and data.advertise_until < data.available_from:
        errors["advertise_until"] = _("The listing must run until a date after it becomes available.")
    for name in ("kgco2e_new", "mass_kg", "price_new_nok"):
        value = getattr(data, name)
        if value is not None and (value < 0 or value > Decimal("100000000")):
            errors[name] = _("Give a number between 0 and 100 000 000.")
    if any(getattr(data, name) is not None for name in ("kgco2e_new", "mass_kg", "price_new_nok")) \
            and not data.figures_source.strip():
        errors["figures_source"] = _("Say where the item's own figures come from (e.g. the product's EPD).")
    if data.offer == ItemOffer.LEND:
        if not data.category.unit.whole_numbers:
            errors["offer"] = _("Only things counted in pieces or sets can be lent out.")
        if data.loan_days is None or not 1 <= data.loan_days <= MAX_LOAN_DAYS:
            errors["loan_days"] = _("Give the loan period in whole days, from 1 to %(most)d.", most=MAX_LOAN_DAYS)
    else:
        data.loan_days = None
    if errors:
        raise ListingError(errors)


_COPIED_FIELDS = ("title", "category", "condition", "quantity", "description", "unit", "dimensions", "brand",
                  "model", "colour", "building", "floor", "room", "pickup_instructions", "available_from",
                  "advertise_until", "would_be_discarded", "kgco2e_new", "mass_kg", "price_new_nok",
                  "figures_source", "asset_tag", "serial_number", "safety_check_note", "offer", "loan_days")


def _copy_input(item: Item, data: ItemInput) -> None:
    if item.location is not data.location:
        item.location, item.location_since = data.location, utcnow()
    for name in _COPIED_FIELDS:
        value = getattr(data, name)
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    item.category_id = data.category.id


def categories() -> list[Category]:
    """Every category, in the order forms offer them: grouped, each group once."""
    return in_group_order(db.session.scalars(select(Category)))


def create_item(actor: User, data: ItemInput, *, publish: bool = False, municipality: Municipality | None = None,
                now: datetime | None = None) -> Item:
    """List a surplus item for the actor's municipality, as a draft or published at once."""
    municipality = municipality or actor.municipality
    if not can_list_items_for(actor, municipality):
        raise Forbidden
    _check(actor, municipality, data)
    # Refused before anything is stored: the form's answer keeps only the photos that arrived.
    if publish:
        _check_safety_note(municipality, data.category, data.safety_check_note)
        _check_end_date(data.advertise_until, now or utcnow())
    photos = pending_photos(actor, data.photo_ids)
    _check_photo_count(len(photos))
    item = Item(municipality=municipality, created_by_id=actor.id, status=ItemStatus.DRAFT)
    _copy_input(item, data)
    item.quantity_available = item.quantity
    if item.unit is None:
        item.unit = actor.unit if actor.unit and actor.unit.municipality_id == municipality.id else None
    db.session.add(item)
    db.session.flush()
    _attach_photos(item, photos, data.photo_alt_texts)
    item_saved.send(item)
    audit.record("item_created", actor=actor, municipality_id=municipality.id, item_id=item.id)
    if publish:
        publish_item(actor, item, now=now)
    return item


def update_item(actor: User, item: Item, data: ItemInput, *, publish: bool = False,
                now: datetime | None = None) -> Item:
    """Change the item; with ``publish``, publish it too (a draft, withdrawn or expired listing). Either all of
    it is done or, refused, nothing."""
    if not can_manage_item(actor, item):
        raise Forbidden
    if item.status not in (ItemStatus.DRAFT, ItemStatus.PUBLISHED, ItemStatus.WITHDRAWN, ItemStatus.EXPIRED,
                           *INVENTORY_STATUSES):
        raise TransitionError(_("A completed listing cannot be changed."))
    _check(actor, item.municipality, data, item)
    _lock(item)
    committed = item.quantity - item.quantity_available  # held by reservations or offers, or handed over
    if data.quantity < committed:
        raise ListingError({"quantity": _("%(count)s are already reserved or handed over; the quantity cannot be "
                                          "less than that.", count=format(committed.normalize(), "f"))})
    if data.offer != item.offer and committed:
        raise ListingError({"offer": _("Some of it is reserved, handed over or lent: whether it is given away or "
                                       "lent cannot change now.")})
    advertised_until = item.advertise_until
    publish = publish and item.status != ItemStatus.PUBLISHED
    if item.status == ItemStatus.PUBLISHED or publish:
        _check_safety_note(item.municipality, data.category, data.safety_check_note)
    if publish:
        _check_end_date(data.advertise_until, now or utcnow())
    photos = pending_photos(actor, data.photo_ids)
    _check_photo_count(len(item.photos) + len(photos))
    _copy_input(item, data)
    if item.advertise_until != advertised_until:
        item.expiry_reminded_at = None  # a new end date earns a new reminder
    item.quantity_available = item.quantity - committed
    _attach_photos(item, photos, data.photo_alt_texts)
    db.session.flush()
    item_saved.send(item)
    audit.record("item_updated", actor=actor, municipality_id=item.municipality_id, item_id=item.id)
    if publish:
        publish_item(actor, item, now=now)
    return item


def _lock(item: Item) -> None:
    """Re-read the item under a row lock on PostgreSQL (SQLite's writers already hold the database lock), so
    a reservation cannot change its availability between our read and our write."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(Item.id).where(Item.id == item.id).with_for_update())
        db.session.refresh(item, ["quantity", "quantity_available", "status"])


def _check_end_date(advertise_until: date | None, now: datetime) -> None:
    if advertise_until and advertise_until < oslo_date(now):
        raise ListingError({"advertise_until": _("The listing would end in the past: choose a later date.")})


def _check_photo_count(count: int) -> None:
    if count > MAX_PHOTOS:
        raise ListingError({"photos": _("An item can have at most %(count)d photos.", count=MAX_PHOTOS)})


def _check_safety_note(municipality: Municipality, category: Category, note: str) -> None:
    """Where the municipality asks for it, an electrical item is published only with a safety-check note."""
    if municipality.electrical_safety_note_required and category.electrical and not note.strip():
        raise ListingError({"safety_check_note": _("%(municipality)s asks for a safety-check note on electrical "
                                                   "items before they are published.",
                                                   municipality=municipality.name)})


def publish_item(actor: User, item: Item, now: datetime | None = None) -> Item:
    """Publish a draft (or republish a withdrawn or expired listing). The visibility stages are fixed now,
    from the municipality's policy."""
    if not can_manage_item(actor, item):
        raise Forbidden
    if item.status not in (ItemStatus.DRAFT, ItemStatus.WITHDRAWN, ItemStatus.EXPIRED):
        raise TransitionError(_("Only drafts, withdrawn and expired listings can be published."))
    now = now or utcnow()
    _check_end_date(item.advertise_until, now)
    _check_safety_note(item.municipality, item.category, item.safety_check_note)
    policy = item.municipality
    item.status = ItemStatus.PUBLISHED
    item.published_at = now
    item.network_visible_at = now + timedelta(days=policy.network_share_days)
    item.partner_visible_at = (item.network_visible_at + timedelta(days=policy.partner_share_days)
                               if policy.partner_share_days is not None else None)
    item.closed_at = None
    item.expiry_reminded_at = None
    db.session.flush()
    audit.record("item_published", actor=actor, municipality_id=item.municipality_id, item_id=item.id)
    return item


def withdraw_item(actor: User, item: Item, now: datetime | None = None) -> Item:
    if not can_manage_item(actor, item):
        raise Forbidden
    if item.status not in (ItemStatus.DRAFT, ItemStatus.PUBLISHED):
        raise TransitionError(_("Only drafts and published listings can be withdrawn."))
    item.status = ItemStatus.WITHDRAWN
    item.closed_at = now or utcnow()
    db.session.flush()
    audit.record("item_withdrawn", actor=actor, municipality_id=item.municipality_id, item_id=item.id)
    return item


def delete_draft(actor: User, item: Item) -> None:
    """Delete a listing that never went out. Published listings are withdrawn instead, to keep the history."""
    if not can_manage_item(actor, item):
        raise Forbidden
    if item.status != ItemStatus.DRAFT:
        raise TransitionError(_("Only drafts can be deleted; withdraw a published listing instead."))
    audit.record("item_deleted", actor=actor, municipality_id=item.municipality_id, item_id=item.id)
    item_deleting.send(item)
    db.session.delete(item)
    db.session.flush()


def expire_items(now: datetime | None = None) -> list[Item]:
    """Close published listings whose advertise-until date has passed (Norwegian date). For `tick`."""
    now = now or utcnow()
    due = list(db.session.scalars(
        select(Item).where(Item.status == ItemStatus.PUBLISHED, Item.advertise_until < oslo_date(now))
    ))
    for item in due:
        item.status = ItemStatus.EXPIRED
        item.closed_at = now
        audit.record("item_expired", municipality_id=item.municipality_id, item_id=item.id)
    db.session.flush()
    return due


def remind_expiring_items(now: datetime | None = None) -> int:
    """For `tick`: tell the caretakers and administrators of the item's municipality, once, when a published
    listing's advertise-until date (a Norwegian date) is at most EXPIRY_REMINDER_DAYS away."""
    now = now or utcnow()
    today = oslo_date(now)
    due = list(db.session.scalars(select(Item).where(
        Item.status == ItemStatus.PUBLISHED, Item.expiry_reminded_at.is_(None), Item.advertise_until >= today,
        Item.advertise_until <= today + timedelta(days=EXPIRY_REMINDER_DAYS),
    ).order_by(Item.id)))
    staff: dict[int, list[int]] = {}
    reminded = 0
    for item in due:
        # A conditional UPDATE, so two ticks at once cannot both remind.
        if db.session.execute(
            update(Item).where(Item.id == item.id, Item.expiry_reminded_at.is_(None))
            .values(expiry_reminded_at=now).execution_options(synchronize_session="evaluate")
        ).rowcount != 1:
            continue
        if item.municipality_id not in staff:
            staff[item.municipality_id] = list(db.session.scalars(
                select(Membership.user_id).join(User, User.id == Membership.user_id).where(
                    Membership.organisation_id == item.municipality_id,
                    Membership.role.in_([Role.CARETAKER, Role.MUNICIPAL_ADMIN]), User.active.is_(True),
                ).distinct().order_by(Membership.user_id)))
        for user_id in staff[item.municipality_id]:
            data = {"title": item.title, "until": item.advertise_until.isoformat(), "item_id": item.id}
            notifications.notify(user_id, "item_expiring", data, f"/items/{item.id}")
        reminded += 1
    db.session.flush()
    return reminded


# --- Photos ---------------------------------------------------------------------------------------------

def upload_photo(actor: User, data: bytes | BinaryIO, *, item: Item | None = None,
                 alt_text: str = "") -> Photo:
    """Validate, clean and store a photo (the bytes, or the uploaded file, read as decoding needs it).
    Without an item it waits for the form being filled in."""
    if item is not None:
        if not can_manage_item(actor, item):
            raise Forbidden
        _check_photo_count(len(item.photos) + 1)
    elif not can_list_items_for(actor, actor.municipality):
        raise Forbidden
    processed = photo_files.process(data)  # raises PhotoError for anything that is not a readable photo
    photo_files.store(processed, current_app.config["UPLOAD_DIR"])
    photo = Photo(uploaded_by_id=actor.id, content_hash=processed.content_hash, width=processed.width,
                  height=processed.height, alt_text=alt_text.strip()[:300])
    if item is not None:
        photo.position = len(item.photos)
        item.photos.append(photo)
    db.session.add(photo)
    db.session.flush()
    return photo


def pending_photos(actor: User, photo_ids: list[int]) -> list[Photo]:
    """The actor's own photos that are not yet attached to an item, in the order given."""
    if not photo_ids:
        return []
    found = {photo.id: photo for photo in db.session.scalars(
        select(Photo).where(Photo.id.in_(photo_ids), Photo.item_id.is_(None), Photo.uploaded_by_id == actor.id))}
    return [found[photo_id] for photo_id in photo_ids if photo_id in found]


def _attach_photos(item: Item, photos: list[Photo], alt_texts: dict[int, str]) -> None:
    """Attach the pending ``photos`` (counted against the limit already) and set the alt texts given."""
    for photo in photos:
        photo.position = len(item.photos)
        item.photos.append(photo)
    for photo in item.photos:
        if photo.id in alt_texts:
            photo.alt_text = alt_texts[photo.id].strip()[:300]


def remove_photo(actor: User, item: Item, photo: Photo) -> None:
    if not can_manage_item(actor, item) or photo.item_id != item.id:
        raise Forbidden
    item.photos.remove(photo)
    for position, remaining in enumerate(item.photos):
        remaining.position = position
    db.session.flush()


def move_photo(actor: User, item: Item, photo: Photo, offset: int) -> None:
    """Move a photo earlier (-1) or later (+1); the first photo is the one shown in lists."""
    if not can_manage_item(actor, item) or photo.item_id != item.id:
        raise Forbidden
    ordered = list(item.photos)
    index = ordered.index(photo)
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    for position, each in enumerate(ordered):
        each.position = position
    db.session.flush()


def find_visible_photo(user: User, photo_id: int) -> Photo:
    """A photo the user may see: of an item they can see, or their own upload still waiting for its form.
    NotVisible for any other."""
    photo = db.session.get(Photo, photo_id)
    if photo is None:
        raise NotVisible
    if photo.item_id is None:
        visible = photo.uploaded_by_id == getattr(user, "id", None)
    else:
        visible = find_visible_item(user, photo.item_id) is not None
    if not visible:
        raise NotVisible
    return photo


def find_item_photo(item: Item, photo_id: int) -> Photo:
    """One of the item's photos (the item loaded for its user already); NotVisible if it has no such photo."""
    photo = next((photo for photo in item.photos if photo.id == photo_id), None)
    if photo is None:
        raise NotVisible
    return photo


def discard_stale_uploads(now: datetime | None = None) -> int:
    """Delete photos never attached to an item within a day, and files no photo refers to any more."""
    now = now or utcnow()
    stale = list(db.session.scalars(select(Photo).where(Photo.item_id.is_(None),
                                                        Photo.created_at < now - PENDING_PHOTO_LIFETIME)))
    for photo in stale:
        db.session.delete(photo)
    db.session.flush()
    return len(stale)


def remove_unreferenced_files() -> int:
    """Delete stored photo files that no photo row refers to (left by deletions or rolled-back uploads).
    Run after the transaction that deleted rows has committed."""
    directory = Path(current_app.config["UPLOAD_DIR"]) / "photos"
    if not directory.is_dir():
        return 0
    # Files younger than an hour may belong to an upload whose transaction has not committed yet.
    settled = time.time() - 3600
    on_disk = {path.name[:64] for path in directory.glob("*/*.jpg") if path.stat().st_mtime < settled}
    if not on_disk:
        return 0
    used = set(db.session.scalars(select(Photo.content_hash).where(Photo.content_hash.in_(on_disk))))
    for content_hash in on_disk - used:
        photo_files.delete(current_app.config["UPLOAD_DIR"], content_hash)
    return len(on_disk - used)


@account_signals.personal_data_collecting.connect
def _personal_listings(user: User) -> dict[str, list]:
    return {"items_listed": [{"id": i.id, "title": i.title} for i in db.session.scalars(
        select(Item).where(Item.created_by_id == user.id))]}
