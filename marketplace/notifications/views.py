from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from marketplace.notifications import services

blueprint = Blueprint("notifications", __name__)


@blueprint.app_context_processor
def unread_notifications():
    """The unread count shown in the header of every page (one small query)."""
    if not current_user.is_authenticated:
        return {}
    return {"unread_notifications": services.unread_count(current_user)}


@blueprint.get("/notifications")
def inbox():
    return render_template("notifications/inbox.html", notifications=services.inbox(current_user),
                           describe=services.describe)


@blueprint.post("/notifications/read")
def mark_all_read():
    services.mark_all_read(current_user)
    return redirect(url_for("notifications.inbox"), 303)
