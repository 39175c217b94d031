"""The audit log as people read it: labelled actions and details, with ids shown as the names they stand for."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit.labels import action_label, field_label, value_text
from marketplace.audit.models import AuditEvent
from marketplace.db import db
from marketplace.listings.models import Category, Item
from marketplace.organisations.models import Unit

_UNIT_FIELDS = {"unit_id", "into_unit_id", "unit_from", "unit_to"}
_USER_FIELDS = {"user_id"}
_ITEM_FIELDS = {"item_id"}
# Ids of things a page can link to (the page itself checks who may see it).
_LINKS = {"item_id": "listings.detail", "reservation_id": "reservations.detail", "notice_id": "wanted.detail",
          "need_id": "wanted.need"}


@dataclass(frozen=True)
class AuditDetail:
    label: str
    text: str
    endpoint: str | None = None
    arguments: dict | None = None


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    action: str
    details: list[AuditDetail]


def _ids(events: list[AuditEvent], fields: set[str]) -> set[int]:
    return {value for event in events for name, value in (event.details or {}).items()
            if name in fields and isinstance(value, int) and not isinstance(value, bool)}


def _names(events: list[AuditEvent], fields: set[str], model, column) -> dict[int, str]:
    ids = _ids(events, fields)
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, column).where(model.id.in_(ids))).all())


def audit_rows(events: list[AuditEvent], locale: str) -> list[AuditRow]:
    names = {
        "unit": _names(events, _UNIT_FIELDS, Unit, Unit.name),
        "user": _names(events, _USER_FIELDS, User, User.name),
        "item": _names(events, _ITEM_FIELDS, Item, Item.title),
    }
    slugs = {value for event in events for name, value in (event.details or {}).items() if name == "category"}
    categories = {category.slug: category.name(locale) for category in db.session.scalars(
        select(Category).where(Category.slug.in_(slugs)))} if slugs else {}
    return [AuditRow(event, action_label(event.action),
                     [_detail(name, value, names, categories) for name, value in (event.details or {}).items()])
            for event in events]


def _detail(name: str, value, names: dict[str, dict[int, str]], categories: dict[str, str]) -> AuditDetail:
    label = field_label(name)
    kind = ("unit" if name in _UNIT_FIELDS else "user" if name in _USER_FIELDS
            else "item" if name in _ITEM_FIELDS else None)
    if kind and isinstance(value, int) and not isinstance(value, bool):
        text = names[kind].get(value) or _("no. %(id)d (no longer there)", id=value)
        found = value in names[kind] and name in _LINKS
        return AuditDetail(label, text, _LINKS[name] if found else None, {name: value} if found else None)
    if name == "category" and value in categories:
        return AuditDetail(label, categories[value])
    if name in _LINKS and isinstance(value, int):
        return AuditDetail(label, _("no. %(id)d", id=value), _LINKS[name], {name: value})
    return AuditDetail(label, value_text(value))
