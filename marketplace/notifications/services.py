"""The in-app inbox, and e-mail about it. Messages are stored as a kind and data, and worded when shown (or
e-mailed), in the reader's language.

E-mail without duplicates. ``send_pending_email`` (run by `marketplace tick`) *claims* a user's notifications
before it sends: one conditional UPDATE sets ``emailed_at`` where it is still empty, and is committed at once.
Of two ticks running side by side only one gets the rows (on PostgreSQL the second UPDATE waits for the
first's row locks, then finds ``emailed_at`` set; on SQLite writers queue), so nothing is e-mailed twice,
and no lock is held while the mail server is talked to. If the send fails, the claim is undone and committed,
so the next tick tries again. The price of this order is that a crash between the claim and the send loses
that one e-mail (the notification stays in the inbox); sending first and marking afterwards would instead
risk sending it twice. Daily digests are claimed the same way, on ``users.last_digest_at``.

This is therefore the one service that commits: an e-mail cannot be rolled back, so each claim has to be
durable before its message leaves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, update

from marketplace import mail, urls
from marketplace.accounts import privacy
from marketplace.accounts import signals as account_signals
from marketplace.accounts.models import EmailPreference, User
from marketplace.db import db, utcnow
from marketplace.i18n import OSLO
from marketplace.notifications.models import Notification

INBOX_SIZE = 100
DIGEST_HOUR = 7  # daily digests go out at the first tick after 07:00 Norwegian time
EMAIL_MAX_AGE = timedelta(days=3)  # older notifications are not e-mailed any more (the inbox has them)
MAX_LISTED = 30  # notifications listed in one e-mail; the rest are summed up with a link to the inbox

log = logging.getLogger(__name__)


def notify(user: User | int, kind: str, data: dict[str, Any], link: str = "") -> Notification:
    notification = Notification(user_id=user if isinstance(user, int) else user.id, kind=kind, data=data,
                                link=link)
    db.session.add(notification)
    return notification


# Every signed-in page shows the count: the statement is built once.
_UNREAD = select(func.count(Notification.id)).where(Notification.user_id == bindparam("user_id"),
                                                    Notification.read_at.is_(None))


def unread_count(user: User) -> int:
    return db.read(_UNREAD, {"user_id": user.id}).scalar() or 0


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
    title, quantity = data.get("title", ""), _quantity(data)
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
        "reservation_picked": _("“%(title)s” is picked and set aside for you: ready for pickup.", title=title),
        "hand_over_undone": _("The hand-over of “%(title)s” was undone: the reservation is approved again.",
                              title=title),
        "hand_over_corrected": _("The hand-over of “%(title)s” was corrected: it no longer counts in the climate "
                                 "report.", title=title),
        "reservation_message": _("New message about “%(title)s”.", title=title),
        "pickup_proposed": _("A pickup time is proposed for “%(title)s”: %(when)s. The other side accepts it or "
                             "proposes another.", title=title, when=_format_iso_moment(data.get("when")))
        if data.get("when") else _("A pickup time is proposed for “%(title)s”.", title=title),
        "pickup_changed": _("The agreed pickup time for “%(title)s” is replaced by a new proposal: %(when)s. It "
                            "is not agreed until the other side accepts it.", title=title,
                            when=_format_iso_moment(data.get("when"))),
        "pickup_confirmed": _("The pickup time for “%(title)s” is agreed: %(when)s.", title=title,
                              when=_format_iso_moment(data.get("when"))),
        "loan_started": _("The loan of %(quantity)s of “%(title)s” has started. It is due back %(when)s.",
                          quantity=quantity, title=title, when=_format_iso_moment(data.get("due_at"))),
        "loan_renewal_asked": _("%(requester)s asks to keep “%(title)s” longer. Approve or decline the renewal.",
                                requester=requester, title=title),
        "loan_renewed": _("Your loan of “%(title)s” is renewed: it is now due back %(when)s.", title=title,
                          when=_format_iso_moment(data.get("due_at"))),
        "loan_renewal_declined": _("Your request to keep “%(title)s” longer was declined. It is due back %(when)s.",
                                   title=title, when=_format_iso_moment(data.get("due_at"))),
        "loan_due_soon": _("Your loan of “%(title)s” is due back %(when)s.", title=title,
                           when=_format_iso_moment(data.get("due_at"))),
        "loan_overdue": _("Your loan of “%(title)s” was due back %(when)s. Return it, or ask to renew the loan.",
                          title=title, when=_format_iso_moment(data.get("due_at"))),
        "loan_overdue_lender": _("%(requester)s has not returned “%(title)s”, due back %(when)s.",
                                 requester=requester, title=title, when=_format_iso_moment(data.get("due_at"))),
        "loan_partly_returned": _("Part of your loan of “%(title)s” is recorded as returned.", title=title),
        "loan_returned": _("Your loan of “%(title)s” is recorded as returned. Thank you!", title=title),
        "transport_requested": _("Transport is requested for “%(title)s”.", title=title),
        "transport_scheduled": _("The transport of “%(title)s” is planned for %(date)s.", title=title,
                                 date=_format_iso_date((data.get("when") or "")[:10])),
        "transport_picked_up": _("“%(title)s” is picked up and on its way.", title=title),
        "transport_delivered": _("“%(title)s” is delivered, and the hand-over is recorded.", title=title),
        "transport_cancelled": _("The transport of “%(title)s” is cancelled.", title=title),
        "hold_expiring": _("The reservation of “%(title)s” lapses soon unless you answer it.", title=title),
        "waitlist_offer": _("%(quantity)s of “%(title)s” is held for you from the waitlist until %(when)s. The item "
                            "page shows it as held for you; reserve it before then.",
                            quantity=quantity, title=title, when=_format_iso_moment(data.get("until"))),
        "item_expiring": _("The listing “%(title)s” ends %(date)s. Extend the date, or withdraw it if it "
                           "is gone.", title=title, date=_format_iso_date(data.get("until"))),
        "wanted_answer": _("“%(title)s” is offered in answer to your wanted notice “%(notice)s”.", title=title,
                           notice=data.get("notice", "")),
        "need_awaiting_approval": _("Buying new for the need “%(title)s” waits for your approval.", title=title),
        "need_approved": _("Buying new for the need “%(title)s” is approved.", title=title),
        "need_refused": _("Buying new for the need “%(title)s” is refused: look further for reuse.", title=title),
    }
    return messages.get(notification.kind, _("You have a new notification."))


def _plain_amount(amount: str, _unit: str) -> str:
    return amount


# How an amount of a unit of measure reads in the current language ("4 stk.", "85,5 kg"). The units and their
# words belong to the listings room, above this one; it sets the format when the app is set up.
_quantity_format: list[Callable[[str, str], str]] = [_plain_amount]


def set_quantity_format(format_quantity: Callable[[str, str], str]) -> None:
    _quantity_format[0] = format_quantity


def _quantity(data: dict) -> str:
    """The notification's quantity with its unit when it was stored with one (older ones: the bare amount)."""
    amount, unit = str(data.get("quantity", "")), data.get("unit")
    if not unit:
        return amount
    try:
        return _quantity_format[0](amount, unit)
    except (KeyError, ValueError, ArithmeticError):  # a unit or amount this version does not know
        return amount


def _format_iso_moment(value: str | None) -> str:
    try:
        return format_datetime(datetime.fromisoformat(value or ""), "short")
    except ValueError:
        return value or ""


def _format_iso_date(value: str | None) -> str:
    try:
        return format_date(date.fromisoformat(value or ""), "long")
    except ValueError:
        return value or ""


# --- E-mail ---------------------------------------------------------------------------------------------

@dataclass
class EmailReport:
    """What one run of ``send_pending_email`` did."""

    emails: int = 0  # messages sent
    notifications: int = 0  # notifications in them
    failed: int = 0  # messages that did not go (their notifications wait for the next tick)


@dataclass
class _Batch:
    user: User
    daily: bool
    notifications: list[Notification] = field(default_factory=list)


def digest_time(now: datetime) -> datetime | None:
    """Today's digest time (07:00 in Norway) as UTC, once it has come; None before it."""
    start = datetime.combine(now.astimezone(OSLO).date(), time(DIGEST_HOUR), tzinfo=OSLO)
    return start.astimezone(timezone.utc) if now >= start else None


def _unsent(cutoff: datetime):
    return Notification.emailed_at.is_(None), Notification.created_at >= cutoff


def _digest_pending(since: datetime):
    return (User.email_notifications == EmailPreference.DAILY,
            or_(User.last_digest_at.is_(None), User.last_digest_at < since))


def send_pending_email(now: datetime | None = None) -> EmailReport:
    """For `tick`: e-mail the notifications nobody has been e-mailed about yet. Users who chose "immediate"
    get one message per tick with what is new; "daily" users one digest after 07:00 Norwegian time with all
    that came since the last; "off" and deactivated users nothing (their inbox keeps everything).

    Ends the caller's transaction (see the module's docstring: claims are committed before sending).
    Failures are logged and retried at the next tick; they never stop the tick.
    """
    now = now or utcnow()
    cutoff = now - EMAIL_MAX_AGE
    report = EmailReport()
    due_since = digest_time(now)
    if due_since is not None:
        # Daily users with nothing waiting have had today's digest too: what comes later waits for tomorrow.
        has_unsent = exists().where(Notification.user_id == User.id, *_unsent(cutoff))
        db.session.execute(
            update(User).where(User.active.is_(True), *_digest_pending(due_since), ~has_unsent)
            .values(last_digest_at=now).execution_options(synchronize_session=False)
        )
    db.session.commit()

    recipients = (select(User.id, User.email_notifications)
                  .join(Notification, Notification.user_id == User.id)
                  .where(User.active.is_(True), *_unsent(cutoff)))
    wanted = [User.email_notifications == EmailPreference.IMMEDIATE]
    if due_since is not None:
        wanted.append(and_(*_digest_pending(due_since)))
    due = db.session.execute(recipients.where(or_(*wanted)).distinct().order_by(User.id)).all()
    db.session.commit()  # end the read, so each claim below starts with its write (SQLite's lock order)

    transport = mail.transport()
    try:
        for user_id, preference in due:
            batch = _claim(user_id, preference == EmailPreference.DAILY, now, cutoff, due_since)
            db.session.commit()
            if batch is None:
                continue  # another tick took it, or the user changed meanwhile
            try:
                transport.send(_message(batch))
            except Exception as error:  # noqa: BLE001 – a bad message or server must not stop the tick
                if isinstance(error, mail.MailError):
                    log.warning("E-mail to user %s not sent; retried at the next tick: %s", user_id, error)
                else:
                    log.exception("E-mail to user %s could not be made; retried at the next tick", user_id)
                _release(batch)
                db.session.commit()
                report.failed += 1
                if isinstance(error, mail.MailUnavailable):
                    break
            else:
                report.emails += 1
                report.notifications += len(batch.notifications)
    finally:
        transport.close()
    return report


def _claim(user_id: int, daily: bool, now: datetime, cutoff: datetime,
           due_since: datetime | None) -> _Batch | None:
    """Take the user's unsent notifications for this tick, in conditional UPDATEs (see the module docstring).
    The writes come first in the transaction, so on SQLite it takes the write lock before reading anything."""
    wanted = EmailPreference.DAILY if daily else EmailPreference.IMMEDIATE
    still_wanted = select(User.id).where(User.id == user_id, User.active.is_(True),
                                         User.email_notifications == wanted)
    if daily:
        if due_since is None or db.session.execute(
            update(User).where(User.id == user_id, User.active.is_(True), *_digest_pending(due_since))
            .values(last_digest_at=now).execution_options(synchronize_session=False)
        ).rowcount != 1:
            return None  # another tick sent it, or the user changed their choice meanwhile
    claimed = db.session.scalars(
        update(Notification).where(Notification.user_id.in_(still_wanted), *_unsent(cutoff))
        .values(emailed_at=now).returning(Notification.id).execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return None
    notifications = list(db.session.scalars(
        select(Notification).where(Notification.id.in_(claimed))
        .order_by(Notification.created_at, Notification.id).execution_options(populate_existing=True)
    ))
    user = db.session.get(User, user_id, populate_existing=True)
    return _Batch(user=user, daily=daily, notifications=notifications)


def _release(batch: _Batch) -> None:
    """Undo a claim whose message did not go, so the next tick sends it."""
    db.session.execute(
        update(Notification).where(Notification.id.in_([n.id for n in batch.notifications]))
        .values(emailed_at=None).execution_options(synchronize_session=False)
    )
    if batch.daily:
        db.session.execute(
            update(User).where(User.id == batch.user.id).values(last_digest_at=None)  # = before today's 07:00
            .execution_options(synchronize_session=False)
        )


def _message(batch: _Batch):
    """The e-mail for a batch, worded in the user's language."""
    user = batch.user
    languages = current_app.config["LANGUAGES"]
    locale = user.locale if user.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        site = current_app.config["SITE_NAME"]
        count = len(batch.notifications)
        if batch.daily:
            subject = ngettext("%(site)s: your daily summary, %(num)d new notification",
                               "%(site)s: your daily summary, %(num)d new notifications", count, site=site)
        elif count == 1:
            subject = describe(batch.notifications[0])
        else:
            subject = ngettext("%(site)s: %(num)d new notification", "%(site)s: %(num)d new notifications",
                               count, site=site)
        listed = batch.notifications[-MAX_LISTED:]  # the newest, if there are very many
        entries = [{"text": describe(n), "url": urls.absolute_url(n.link or "/notifications"),
                    "when": format_datetime(n.created_at, "short")} for n in listed]
        settings_path = current_app.url_map.bind("localhost").build("accounts.notification_settings")
        return mail.build_message(
            to_name=user.name, to_address=user.email, subject=subject,
            template="notifications/email/notifications", locale=locale, user=user, entries=entries,
            more=count - len(listed), daily=batch.daily,
            inbox_url=urls.absolute_url("/notifications"), settings_url=urls.absolute_url(settings_path),
        )


@account_signals.personal_data_collecting.connect
def _personal_notifications(user: User) -> dict[str, Any]:
    return {"notifications": [{"kind": n.kind, "at": privacy.when(n.created_at), "read": n.read_at is not None}
                              for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]}


@account_signals.personal_data_erasing.connect
def _erase_notifications(user: User) -> None:
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
