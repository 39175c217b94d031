"""The in-app inbox. Messages are stored as a kind and data, and worded when shown, in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from marketplace.accounts.models import User
from marketplace.db import db, utcnow
from marketplace.notifications.models import Notification

INBOX_SIZE = 100


def notify(user: User | int, kind: str, data: dict[str, Any], link: str = "") -> Notification:
    notification = Notification(user_id=user if isinstance(user, int) else user.id, kind=kind, data=data,
                                link=link)
    db.session.add(notification)
    return notification


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def inbox(user: User) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(INBOX_SIZE)
    ))


def mark_all_read(user: User) -> int:
    return db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount


def describe(notification: Notification) -> str:
    """The notification's text in the current language."""
    data = notification.data or {}
    if notification.kind == "saved_search_match":
        count = len(data.get("item_ids", []))
        return ngettext("A new item matches your saved search “%(name)s”: %(title)s",
                        "%(num)d new items match your saved search “%(name)s”.",
                        count, name=data.get("search", ""), title=data.get("title", ""))
    title, quantity = data.get("title", ""), data.get("quantity", "")
    requester = data.get("requester", "")
    messages = {
        "reservation_requested": _("%(requester)s wants to reserve %(quantity)s of “%(title)s”.",
                                   requester=requester, quantity=quantity, title=title),
        "reservation_cancelled": _("%(requester)s cancelled the reservation of “%(title)s”.",
                                   requester=requester, title=title),
        "reservation_approved": _("Your reservation of “%(title)s” is approved.", title=title),
        "reservation_rejected": _("Your reservation of “%(title)s” was rejected.", title=title),
        "reservation_expired": _("Your reservation of “%(title)s” has expired.", title=title),
        "reservation_collected": _("The hand-over of “%(title)s” is confirmed.", title=title),
        "reservation_message": _("New message about “%(title)s”.", title=title),
        "pickup_proposed": _("A pickup time is proposed for “%(title)s”.", title=title),
        "hold_expiring": _("The reservation of “%(title)s” lapses soon unless you answer it.", title=title),
        "waitlist_offer": _("%(quantity)s of “%(title)s” is kept for you from the waitlist. Reserve it soon.",
                            quantity=quantity, title=title),
    }
    return messages.get(notification.kind, _("You have a new notification."))
