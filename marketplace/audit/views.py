from flask import Blueprint, render_template, request
from flask_login import current_user

from marketplace.audit import services

blueprint = Blueprint("audit", __name__)


@blueprint.get("/admin/audit")
def log():
    municipality = current_user.municipality
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    action = request.args.get("action", "")[:60]
    events, total = services.events_for_municipality(current_user, municipality, page, action)
    return render_template("audit/log.html", events=events, total=total, page=page, action=action,
                           actions=services.actions_for_municipality(municipality), page_size=services.PAGE_SIZE,
                           municipality=municipality)
