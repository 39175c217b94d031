from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.permissions import can_administer_municipality
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.organisations import services
from marketplace.organisations.forms import PolicyForm
from marketplace.wanted import services as wanted

blueprint = Blueprint("organisations", __name__)


@blueprint.route("/admin/sharing", methods=["GET", "POST"])
def sharing_policy():
    municipality = current_user.municipality
    if not can_administer_municipality(current_user, municipality):
        raise Forbidden
    form = PolicyForm()
    if form.validate_on_submit():
        partner_days = (form.partner_share_days.data or 0) if form.partners_allowed.data else None
        services.update_sharing_policy(current_user, municipality, network_share_days=form.network_share_days.data,
                                       partner_share_days=partner_days)
        services.update_reservation_policy(
            current_user, municipality, hold_days=form.hold_days.data, pickup_grace_days=form.pickup_grace_days.data,
            waitlist_offer_hours=form.waitlist_offer_hours.data, displacement_unknown=form.displacement_unknown.data)
        wanted.update_need_policy(current_user, municipality, open_days=form.need_open_days.data or municipality.need_open_days,
                                  approval_required=bool(form.need_approval_required.data))
        db.session.commit()
        flash(_("The rules are saved. They apply to listings and reservations from now on."), "success")
        return redirect(url_for("organisations.sharing_policy"), 303)
    if not form.is_submitted():
        form.network_share_days.data = municipality.network_share_days
        form.partners_allowed.data = municipality.partner_share_days is not None
        form.partner_share_days.data = municipality.partner_share_days
        form.hold_days.data = municipality.hold_days
        form.pickup_grace_days.data = municipality.pickup_grace_days
        form.waitlist_offer_hours.data = municipality.waitlist_offer_hours
        form.displacement_unknown.data = municipality.displacement_unknown
        form.need_open_days.data = municipality.need_open_days
        form.need_approval_required.data = municipality.need_approval_required
    return render_template("organisations/sharing.html", form=form, municipality=municipality), \
        400 if form.errors else 200
