"""The administration pages of a municipality's pickup locations and reuse stores. Thin views: parse, call one
service, render or redirect (the request's unit of work commits)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.locations import services
from marketplace.locations.forms import KIND_LABELS, ArchiveLocationForm, LocationForm
from marketplace.locations.permissions import can_manage_locations, can_run_store

blueprint = Blueprint("locations", __name__)


@blueprint.record_once
def add_template_labels(state) -> None:
    state.app.jinja_env.globals.update(location_kind_labels=KIND_LABELS, can_manage_locations=can_manage_locations,
                                       can_run_store=can_run_store, map_url=services.map_url)


@blueprint.get("/admin/locations")
def my_locations():
    """The signed-in admin's own municipality (the user menu links here)."""
    if current_user.municipality is None:
        abort(404)
    return redirect(url_for("locations.index", slug=current_user.municipality.slug))


@blueprint.route("/admin/organisations/<slug>/locations", methods=["GET", "POST"])
def index(slug: str):
    municipality = services.municipality_for_location_admin(current_user, slug)
    form = LocationForm()
    if form.validate_on_submit():
        try:
            location = services.create_location(current_user, municipality, form.location_input())
        except services.LocationError as error:
            form.show_errors(error.errors)
        else:
            flash(_("%(name)s is created.", name=location.name), "success")
            return redirect(url_for("locations.index", slug=slug), 303)
    return render_template("locations/index.html", municipality=municipality, form=form,
                           locations=services.locations_of(municipality)), 400 if form.errors else 200


@blueprint.route("/admin/organisations/<slug>/locations/<int:location_id>", methods=["GET", "POST"])
def edit(slug: str, location_id: int):
    municipality = services.municipality_for_location_admin(current_user, slug)
    location = services.find_location(current_user, location_id, municipality)
    form = LocationForm()
    if request.method == "GET":
        form.fill_from(location)
    elif form.validate_on_submit():
        try:
            services.update_location(current_user, location, form.location_input())
        except services.LocationError as error:
            form.show_errors(error.errors)
        else:
            flash(_("The location is saved."), "success")
            return redirect(url_for("locations.index", slug=slug), 303)
    return render_template("locations/edit.html", municipality=municipality, location=location, form=form,
                           archive_form=ArchiveLocationForm()), 400 if form.errors else 200


@blueprint.post("/admin/organisations/<slug>/locations/<int:location_id>/archive")
def archive(slug: str, location_id: int):
    municipality = services.municipality_for_location_admin(current_user, slug)
    location = services.find_location(current_user, location_id, municipality)
    form = ArchiveLocationForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_location_archived(current_user, location, form.archived.data == "1")
    flash(_("%(name)s is archived.", name=location.name) if location.archived_at else
          _("%(name)s is in use again.", name=location.name), "success")
    return redirect(url_for("locations.index", slug=slug), 303)
