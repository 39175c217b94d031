"""Building projects' pages: the list, starting one, the project with its progress and its needs room by room,
adding a need, and a need's page where it is covered (own inventory, then the network) or the rest bought new.
Thin views: parse, call one service, render or redirect."""

from __future__ import annotations

import csv
import io
from itertools import groupby

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace.db import utcnow
from marketplace.errors import Conflict
from marketplace.i18n import oslo_date
from marketplace.inputs import page_or_first, parse_id
from marketplace.listings import services as listings
from marketplace.locations import services as locations
from marketplace.projects import (
    permissions,
    report,  # noqa: F401  (adds the projects to the climate report)
    services,
)
from marketplace.projects.forms import BuyNewForm, CoverForm, NeedForm, ProjectForm, need_input, project_input
from marketplace.projects.progress import progress, progress_of
from marketplace.reservations import services as reservations
from marketplace.wanted import services as wanted

blueprint = Blueprint("projects", __name__)


@blueprint.record_once
def add_template_helpers(state) -> None:
    state.app.jinja_env.globals.update(permissions.TEMPLATE_PREDICATES)


def _show_errors(form, errors: dict[str, str], fallback) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None) or fallback
        field.errors = [*field.errors, message]


@blueprint.get("/projects")
def overview():
    if not permissions.can_see_projects(current_user, current_user.municipality):
        abort(403)
    found = services.projects(current_user, page_or_first(request.args.get("page")))
    figures = progress_of(found.rows, oslo_date(utcnow()))
    return render_template("projects/list.html", found=found, projects=list(zip(found.rows, figures)))


@blueprint.route("/projects/new", methods=["GET", "POST"])
def start():
    municipality = current_user.municipality
    if not permissions.can_start_project(current_user, municipality):
        abort(403)
    form = ProjectForm(locations=locations.locations_of(municipality, archived=False))
    if form.validate_on_submit():
        try:
            project = services.start_project(current_user, project_input(form.input_values()))
        except services.ProjectError as error:
            _show_errors(form, error.errors, form.name)
        else:
            flash(_("The project is started. Add what it needs, room by room."), "success")
            return redirect(url_for("projects.detail", project_id=project.id), 303)
    return render_template("projects/start.html", form=form), 400 if form.errors else 200


@blueprint.get("/projects/<int:project_id>")
def detail(project_id: int):
    project = services.find_project(current_user, project_id)
    figures = progress(project, oslo_date(utcnow()))
    rooms = [(room, list(rows)) for room, rows in groupby(
        sorted(figures.needs, key=lambda row: (row.project_need.room.lower(), row.project_need.need_id)),
        key=lambda row: row.project_need.room)]
    return render_template("projects/detail.html", project=project, progress=figures, rooms=rooms,
                           action_form=FlaskForm(formdata=None))


@blueprint.post("/projects/<int:project_id>/complete")
def complete(project_id: int):
    project = services.find_project(current_user, project_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    services.complete_project(current_user, project)
    flash(_("The project is marked as completed."), "success")
    return redirect(url_for("projects.detail", project_id=project.id), 303)


@blueprint.get("/projects/<int:project_id>/export.csv")
def export(project_id: int):
    project = services.find_project(current_user, project_id)
    figures = progress(project, oslo_date(utcnow()))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Room"), _("Need"), _("Category"), _("Unit of measure"), _("Needed"),
                     _("From own inventory"), _("From the network"), _("Bought new"), _("Still open"),
                     _("New price per unit (NOK)")])
    for row in figures.needs:
        amounts = row.amounts
        writer.writerow([row.project_need.room, row.project_need.need.title, row.project_need.need.category.name_nb,
                         amounts.unit.value, *(_number(value) for value in (
                             amounts.needs_total, amounts.covered_inventory, amounts.covered_network,
                             amounts.bought_new, amounts.open)),
                         _number(row.price_new_nok) if row.price_new_nok is not None else ""])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="prosjekt-{project.id}.csv"'})


def _number(value) -> str:
    return format(value.normalize(), "f").replace(".", ",")


# --- Needs -----------------------------------------------------------------------------------------------

@blueprint.route("/projects/<int:project_id>/needs/new", methods=["GET", "POST"])
def add_need(project_id: int):
    project = services.find_project(current_user, project_id)
    if not permissions.can_run_project(current_user, project):
        abort(403)
    form = NeedForm(categories=listings.categories(), locale=str(get_locale()))
    if form.validate_on_submit():
        try:
            project_need = services.add_need(current_user, project, need_input(form.input_values()))
        except (services.ProjectError, wanted.WantedError) as error:
            _show_errors(form, error.errors, form.quantity)
        else:
            flash(_("The need is added. Cover it from your own inventory first."), "success")
            return redirect(url_for("projects.need", project_id=project.id, need_id=project_need.need_id), 303)
    return render_template("projects/add_need.html", project=project, form=form), 400 if form.errors else 200


def _render_need(project, project_need, cover_form=None, buy_new_form=None, status=200):
    return render_template(
        "projects/need.html", project=project, project_need=project_need,
        matches=services.matches(current_user, project_need), lacking=services.still_lacking(project_need),
        cover_form=cover_form or CoverForm(formdata=None), buy_new_form=buy_new_form or BuyNewForm(formdata=None),
        can_run=permissions.can_run_project(current_user, project)), status


@blueprint.get("/projects/<int:project_id>/needs/<int:need_id>")
def need(project_id: int, need_id: int):
    project = services.find_project(current_user, project_id)
    return _render_need(project, services.find_need(current_user, project, need_id))


@blueprint.post("/projects/<int:project_id>/needs/<int:need_id>/<any(place, reserve):how>")
def cover(project_id: int, need_id: int, how: str):
    project = services.find_project(current_user, project_id)
    project_need = services.find_need(current_user, project, need_id)
    form = CoverForm()
    if not form.validate_on_submit() or parse_id(form.item_id.data) is None:
        if not form.errors.get("quantity") and not form.errors.get("would_buy_new"):
            abort(400)
        flash(" ".join(str(message) for messages in form.errors.values() for message in messages), "error")
        return redirect(url_for("projects.need", project_id=project.id, need_id=need_id), 303)
    cover_with = services.place if how == "place" else services.reserve
    try:
        cover_with(current_user, project_need, parse_id(form.item_id.data), **form.chosen())
    except (services.ProjectError, reservations.ReservationError) as error:
        flash(" ".join(error.errors.values()), "error")
    except Conflict as error:
        flash(str(error), "error")
    else:
        flash(_("Moved into %(room)s.", room=project_need.room or project.building) if how == "place"
              else _("Reserved for the project, held until its wanted-by date."), "success")
    return redirect(url_for("projects.need", project_id=project.id, need_id=need_id), 303)


@blueprint.post("/projects/<int:project_id>/needs/<int:need_id>/buy-new")
def buy_new(project_id: int, need_id: int):
    project = services.find_project(current_user, project_id)
    project_need = services.find_need(current_user, project, need_id)
    form = BuyNewForm()
    if form.validate_on_submit():
        try:
            services.decide(current_user, project_need, reason=form.reason.data, reason_text=form.reason_text.data)
        except wanted.WantedError as error:
            _show_errors(form, error.errors, form.reason)
        else:
            flash(_("The reason for buying new is recorded."), "success")
            return redirect(url_for("projects.need", project_id=project.id, need_id=need_id), 303)
    elif "csrf_token" in form.errors:
        abort(400)
    return _render_need(project, project_need, buy_new_form=form, status=400)
