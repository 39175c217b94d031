from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.permissions import can_administer_municipality
from marketplace.db import db
from marketplace.errors import Forbidden
from marketplace.organisations import services
from marketplace.organisations.forms import ArchiveUnitForm, MergeUnitForm, PolicyForm, UnitForm

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
        services.update_listing_policy(current_user, municipality,
                                       electrical_safety_note_required=form.electrical_safety_note_required.data)
        services.update_reservation_policy(
            current_user, municipality, hold_days=form.hold_days.data, pickup_grace_days=form.pickup_grace_days.data,
            waitlist_offer_hours=form.waitlist_offer_hours.data, displacement_unknown=form.displacement_unknown.data)
        db.session.commit()
        flash(_("The rules are saved. They apply to listings and reservations from now on."), "success")
        return redirect(url_for("organisations.sharing_policy"), 303)
    if not form.is_submitted():
        form.network_share_days.data = municipality.network_share_days
        form.partners_allowed.data = municipality.partner_share_days is not None
        form.partner_share_days.data = municipality.partner_share_days
        form.electrical_safety_note_required.data = municipality.electrical_safety_note_required
        form.hold_days.data = municipality.hold_days
        form.pickup_grace_days.data = municipality.pickup_grace_days
        form.waitlist_offer_hours.data = municipality.waitlist_offer_hours
        form.displacement_unknown.data = municipality.displacement_unknown
    return render_template("organisations/sharing.html", form=form, municipality=municipality), \
        400 if form.errors else 200


# --- Unit administration ------------------------------------------------------------------------------------

@blueprint.get("/admin/units")
def my_units():
    """The signed-in admin's own municipality (the user menu links here)."""
    if current_user.municipality is None:
        abort(404)
    return redirect(url_for("organisations.units", slug=current_user.municipality.slug))


@blueprint.route("/admin/organisations/<slug>/units", methods=["GET", "POST"])
def units(slug: str):
    municipality = services.municipality_for_unit_admin(current_user, slug)
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = services.add_unit(current_user, municipality, form.name.data, form.kind.data)
        except services.OrganisationError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The unit %(name)s is created.", name=unit.name), "success")
            return redirect(url_for("organisations.units", slug=slug), 303)
    return render_template("organisations/units.html", municipality=municipality, form=form,
                           summaries=services.unit_summaries(current_user, municipality)), 400 if form.errors else 200


def _unit_page(municipality, unit, form, merge_form, status=200):
    return render_template("organisations/unit.html", municipality=municipality, unit=unit, form=form,
                           merge_form=merge_form, archive_form=ArchiveUnitForm()), status


def _merge_form(municipality, unit, **kwargs):
    return MergeUnitForm(units=[u for u in municipality.units if u.archived_at is None and u.id != unit.id],
                         **kwargs)


@blueprint.route("/admin/organisations/<slug>/units/<int:unit_id>", methods=["GET", "POST"])
def unit(slug: str, unit_id: int):
    municipality = services.municipality_for_unit_admin(current_user, slug)
    unit = services.unit_for_admin(current_user, municipality, unit_id)
    form = UnitForm(obj=unit) if request.method == "GET" else UnitForm()
    if form.validate_on_submit():
        try:
            services.rename_unit(current_user, municipality, unit_id, form.name.data, form.kind.data)
        except services.OrganisationError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The unit is saved."), "success")
            return redirect(url_for("organisations.units", slug=slug), 303)
    return _unit_page(municipality, unit, form, _merge_form(municipality, unit, formdata=None),
                      400 if form.errors else 200)


@blueprint.post("/admin/organisations/<slug>/units/<int:unit_id>/archive")
def archive_unit(slug: str, unit_id: int):
    municipality = services.municipality_for_unit_admin(current_user, slug)
    form = ArchiveUnitForm()
    if not form.validate_on_submit():
        abort(400)
    unit = services.set_unit_archived(current_user, municipality, unit_id, form.archived.data == "1")
    db.session.commit()
    flash(_("%(name)s is archived.", name=unit.name) if unit.archived_at else
          _("%(name)s is in use again.", name=unit.name), "success")
    return redirect(url_for("organisations.units", slug=slug), 303)


@blueprint.post("/admin/organisations/<slug>/units/<int:unit_id>/merge")
def merge_unit(slug: str, unit_id: int):
    municipality = services.municipality_for_unit_admin(current_user, slug)
    unit = services.unit_for_admin(current_user, municipality, unit_id)
    merge_form = _merge_form(municipality, unit)
    if merge_form.validate_on_submit():
        try:
            services.merge_units(current_user, municipality, unit_id, int(merge_form.into.data))
        except services.OrganisationError as error:
            merge_form.into.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The unit is merged and archived."), "success")
            return redirect(url_for("organisations.units", slug=slug), 303)
    return _unit_page(municipality, unit, UnitForm(obj=unit, formdata=None), merge_form, 400)
