from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.permissions import is_site_admin
from marketplace.errors import Forbidden
from marketplace.pages import services
from marketplace.pages.forms import AccessibilityStatementForm

from marketplace.accounts import services as accounts
from marketplace.listings import lists
from marketplace.reservations import services as reservations
from marketplace.reservations.models import ReservationStatus
from marketplace.organisations.services import network_overview
from marketplace.security import public, safe_next_url

blueprint = Blueprint("pages", __name__)
NEIGHBOURS_SHOWN = 12  # a national network has hundreds: the home page names the first and counts the rest


@blueprint.get("/")
@public
def home():
    if not current_user.is_authenticated:
        return render_template("pages/welcome.html")
    organisation = current_user.organisation
    open_statuses = [ReservationStatus.REQUESTED, ReservationStatus.APPROVED]
    return render_template("pages/home.html", organisation=organisation,
                           network=network_overview(organisation, NEIGHBOURS_SHOWN) if organisation else None,
                           recent=lists.recent_items(current_user),
                           mine=reservations.latest_of_mine(current_user, open_statuses, limit=5),
                           pending=reservations.count_incoming_reservations(current_user,
                                                                            [ReservationStatus.REQUESTED]))


@blueprint.post("/language")
@public
def choose_language():
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        accounts.set_locale(current_user, locale)
    return redirect(safe_next_url(request.form.get("next")) or url_for("pages.home"))


@blueprint.get("/accessibility")
@public
def accessibility():
    statement = services.accessibility_statement()
    return render_template("pages/accessibility.html", statement=statement,
                           body=services.render_statement(statement.text))


@blueprint.get("/privacy")
@public
def privacy():
    return render_template("pages/privacy.html")


@blueprint.route("/admin/accessibility", methods=["GET", "POST"])
def edit_accessibility():
    if not is_site_admin(current_user):
        raise Forbidden
    statement = services.accessibility_statement()
    form = AccessibilityStatementForm()
    if form.validate_on_submit():
        try:
            services.update_accessibility_statement(current_user, form.text.data)
        except services.StatementError as error:
            form.text.errors.append(str(error))
        else:
            flash(_("The accessibility statement is saved and published."), "success")
            return redirect(url_for("pages.accessibility"), 303)
    if not form.is_submitted():
        form.text.data = statement.text
    return render_template("pages/accessibility_edit.html", form=form, statement=statement), \
        400 if form.errors else 200
