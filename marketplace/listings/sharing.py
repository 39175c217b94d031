"""Sharing a listing with the network before its municipality's policy would (issue 18).

A municipality shares a new listing with its networks some days after publishing it (``network_share_days``);
its caretakers and admins may open one item to the network at once, for example when it must be gone soon.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Conflict, Forbidden
from marketplace.listings.models import Item, ItemStatus
from marketplace.listings.permissions import can_manage_item


def can_share_now(item: Item, now: datetime | None = None) -> bool:
    """Whether the item is published and planned for the network later (not already shared, not held back
    by an unrecorded data erasure)."""
    now = now or utcnow()
    return (item.status == ItemStatus.PUBLISHED and not item.needs_erasure
            and item.network_visible_at is not None and item.network_visible_at > now)


def share_with_network_now(actor: User, item: Item, now: datetime | None = None) -> Item:
    """Make a published item visible to the municipality's networks from ``now``.

    Only the network stage moves: the partner stage keeps the date the policy gave it at publication (it is
    after the old network date, so still after the new one), so sharing early never widens the audience beyond
    what the owner asked for. The search reads the stage times from the item row (its visibility indexes hold
    them), so the item is found by the network at once; saved searches announce it on their next run."""
    if not can_manage_item(actor, item):
        raise Forbidden
    now = now or utcnow()
    if item.status != ItemStatus.PUBLISHED:
        raise Conflict(_("Only published listings can be shared with the network."))
    if item.needs_erasure:
        raise Conflict(_("Record the data erasure first: until then the item stays within the municipality."))
    if not can_share_now(item, now):
        raise Conflict(_("The item is already shared with the network."))
    planned = item.network_visible_at
    item.network_visible_at = now
    db.session.flush()
    audit.record("item_shared_with_network", actor=actor, municipality_id=item.municipality_id, item_id=item.id,
                 planned_for=planned.isoformat())
    return item
