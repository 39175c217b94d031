"""Printed labels for items: the stable short URL a label's QR code encodes, the code itself, and the items a
sheet of labels is printed for. docs/decisions.md 39.

The short URL is ``/i/<id>`` under MARKETPLACE_BASE_URL (never the request's host, see ``urls``): it stays
valid whatever the item's page is called later, and the route behind it is the reservations room's
(``reservations.scan``), which sends each person who scans it to the page that fits (the hand-over, or the item).
The label itself is one template macro, ``label(item)`` in ``templates/_macros/labels.html``, for any page that
prints labels (the label page, a sheet, a transport run sheet).
"""

from __future__ import annotations

import segno
from sqlalchemy import select

from marketplace import urls
from marketplace.accounts.models import User
from marketplace.db import db
from marketplace.errors import Forbidden, NotVisible
from marketplace.listings import services
from marketplace.listings.models import Item, ItemStatus
from marketplace.listings.permissions import can_print_labels
from marketplace.organisations.models import Unit

MAX_SHEET = 200  # labels on one sheet request: 25 pages of eight


def short_url(item: Item) -> str:
    """The absolute address the item's label encodes."""
    return urls.absolute_url(f"/i/{item.id}")


def qr_svg(url: str) -> str:
    """``url`` as a QR code in inline SVG, black on white with the standard quiet zone and error correction M
    (a scratched label still reads). No fixed size: the page's CSS sets it, and a vector prints sharp at any.
    The same URL always gives the same SVG."""
    return segno.make(url, error="m", micro=False).svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="label__code", lineclass=None)


def item_for_label(user: User, item_id: int) -> Item:
    """The item, to print its label: NotVisible if ``user`` cannot see it, Forbidden if they may not label it."""
    item = services.find_item(user, item_id)
    if not can_print_labels(user, item.municipality):
        raise Forbidden
    return item


def items_for_sheet(user: User, item_ids: list[int] | None = None, unit_id: int | None = None) -> list[Item]:
    """The items for a sheet of labels: the ticked ``item_ids``, or else every published item of the unit
    ``unit_id``; only those the user may see and label, in a stable order. NotVisible when none is left, so a
    sheet never tells whether another municipality's items or units exist."""
    query = services.visible_items(user)
    if item_ids:
        query = query.where(Item.id.in_(item_ids[:MAX_SHEET]))
    elif unit_id is not None and (unit := db.session.get(Unit, unit_id)) is not None:
        query = query.where(Item.unit_id == unit.id, Item.status == ItemStatus.PUBLISHED)
    else:
        raise NotVisible
    items = [item for item in db.session.scalars(query.order_by(Item.id).limit(MAX_SHEET))
             if can_print_labels(user, item.municipality)]
    if not items:
        raise NotVisible
    return items


def label_units(user: User) -> list[Unit]:
    """The units of the user's municipality whose published items they may print labels for."""
    municipality = user.municipality
    if not can_print_labels(user, municipality):
        return []
    return list(db.session.scalars(select(Unit).where(Unit.municipality_id == municipality.id,
                                                      Unit.archived_at.is_(None)).order_by(Unit.name)))
