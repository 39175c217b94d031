"""The inventory's pages: the municipality's items in use by building, floor and room; registering one on a
phone (the room remembered, "same as the last one" for the next chair); and, on the item page, its status and
"offer as surplus". Thin views: parse, call one service, render or redirect."""

from __future__ import annotations

from itertools import groupby

from flask import (Blueprint, abort, flash, redirect, render_template, request, session, stream_with_context,
                   url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.db import utcnow
from marketplace.errors import Conflict
from marketplace.i18n import oslo_date
from marketplace.inputs import page_or_first
from marketplace.inventory import fleet, services
from marketplace.inventory.forms import (STATUS_LABELS, USER_GROUP_LABELS, DetailsForm, EnoughForm, OfferForm,
                                        RegisterForm, RepairForm, StatusForm, chosen_group)
from marketplace.inventory.permissions import can_keep_inventory, can_see_inventory
from marketplace.listings import services as listings
from marketplace.listings import uploads
from marketplace.listings.forms import item_input
from marketplace.listings.models import INVENTORY_STATUSES, ItemStatus
from marketplace.listings.permissions import can_print_labels
from marketplace.listings.signals import item_page
# The spreadsheet import (its block is at the end)
from flask import Response
from flask_babel import ngettext
from marketplace.inventory import importing
from marketplace.inventory.forms import ImportForm
from marketplace.listings import importer, spreadsheet
from marketplace.listings.forms import ConfirmImportForm

blueprint = Blueprint("inventory", __name__)
PLACE_KEY = "inventory_place"  # the building, floor, room and unit of this session's last registration


@blueprint.record_once
def add_template_labels(state) -> None:
    state.app.jinja_env.globals.update(can_see_inventory=can_see_inventory, can_keep_inventory=can_keep_inventory,
                                       inventory_status_labels={status.value: label
                                                                for status, label in STATUS_LABELS.items()})


def _filters() -> services.Filters:
    status, slug = request.args.get("status", ""), request.args.get("category", "")
    return services.Filters(
        building=request.args.get("building", "")[:120], room=request.args.get("room", "")[:120],
        category=next((category for category in listings.categories() if category.slug == slug), None),
        status=ItemStatus(status) if status in INVENTORY_STATUSES else None)


@blueprint.get("/inventory")
def overview():
    if not can_see_inventory(current_user, current_user.municipality):
        abort(403)
    filters = _filters()
    found = services.inventory(current_user, filters, page_or_first(request.args.get("page")), services.PER_PAGE)
    places = services.places(current_user)
    return render_template(
        "inventory/list.html", found=found, filters=filters, categories=listings.categories(),
        groups=[(place, list(items)) for place, items in groupby(
            found.items, key=lambda item: (item.building, item.floor, item.room))],
        buildings=sorted({building for building, _floor, _room in places if building}),
        rooms=sorted({room for _building, _floor, room in places if room}),
        statuses=INVENTORY_STATUSES, pages=1 + (found.total - 1) // found.per_page if found.total else 1,
        can_label=can_print_labels(current_user, current_user.municipality))


def _register_form(municipality) -> RegisterForm:
    return RegisterForm(categories=listings.categories(), units=[unit for unit in municipality.units
                                                                if unit.archived_at is None],
                        locale=str(get_locale()))


def _render_register(form: RegisterForm, pending=(), copied=None):
    return render_template("inventory/register.html", form=form, pending=pending, copied=copied,
                           last=services.last_registered(current_user))


@blueprint.route("/inventory/new", methods=["GET", "POST"])
def register():
    municipality = current_user.municipality
    if not can_keep_inventory(current_user, municipality):
        abort(403)
    form = _register_form(municipality)
    if request.method == "GET":
        last = services.last_registered(current_user) if request.args.get("same") else None
        if last is not None:
            form.fill_from(last)
        else:
            form.fill_place(session.get(PLACE_KEY) or {"unit": current_user.unit.id if current_user.unit else ""})
        return _render_register(form, copied=last)
    photo_ids, refused = uploads.receive_photos()
    valid = form.validate_on_submit()
    form.photos.errors = [*form.photos.errors, *refused]
    if valid and not refused:
        try:
            item = services.register(current_user, item_input(
                {**form.input_values(), "photo_ids": photo_ids, "photo_alt_texts": uploads.alt_texts()}),
                status=form.selected_status())
        except (listings.ListingError, services.InventoryError) as error:
            for name, message in error.errors.items():
                field = getattr(form, name, None) or form.photos
                field.errors = [*field.errors, message]
        else:
            session[PLACE_KEY] = form.place()
            flash(_("“%(title)s” is registered. Register the next one, or choose “Same as the last one”.",
                    title=item.title), "success")
            return redirect(url_for("inventory.register"), 303)
    return _render_register(form, pending=listings.pending_photos(current_user, photo_ids)), 400


@blueprint.post("/inventory/<int:item_id>/status")
def change_status(item_id: int):
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_status(current_user, item_id, form.chosen_status(), reason=form.reason.data or "",
                               disposal_reason=form.chosen_disposal())
    except services.InventoryError as error:
        flash(" ".join(error.errors.values()), "error")
    except Conflict as error:
        flash(str(error), "error")
    else:
        flash(_("The status is changed."), "success")
    return redirect(url_for("listings.detail", item_id=item_id, _anchor="inventory-heading"), 303)


@blueprint.post("/inventory/<int:item_id>/offer")
def offer(item_id: int):
    form = OfferForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(" ".join(str(message) for message in form.quantity.errors), "error")
        return redirect(url_for("listings.detail", item_id=item_id, _anchor="inventory-heading"), 303)
    try:
        item_id = services.offer_as_surplus(current_user, item_id, form.quantity.data).id
    except services.InventoryError as error:
        flash(" ".join(error.errors.values()), "error")
    except listings.ListingError as error:
        flash(" ".join(error.errors.values()), "error")
    except Conflict as error:
        flash(str(error), "error")
    else:
        flash(_("The item is on the market now, with its history."), "success")
    return redirect(url_for("listings.detail", item_id=item_id), 303)


@item_page.connect
def item_inventory_card(item, viewer) -> dict:
    """For an item in the inventory: its status and place, and for those who keep the inventory the status
    change and "offer as surplus" (instead of the reservation box)."""
    if item.status not in INVENTORY_STATUSES:
        return {}
    keep = can_keep_inventory(viewer, item.municipality)
    return {"inventory": {"keep": keep, "offer_form": OfferForm(formdata=None, quantity=item.quantity.normalize()),
                          "status_form": StatusForm(formdata=None, statuses=services.NEXT_STATUSES[item.status])}}


# --- Importing a register from a spreadsheet: the listings' import page and importer, into the inventory ------

@blueprint.route("/inventory/import", methods=["GET", "POST"])
def import_register():
    """Check a CSV or Excel register (a dry run that reports every bad row), then import it all into the
    inventory with one click, or nothing. The same two steps as the listings' import page."""
    municipality = current_user.municipality
    if not can_keep_inventory(current_user, municipality):
        abort(403)
    form, confirm, report = ImportForm(), ConfirmImportForm(), None
    if request.method == "POST" and "token" in request.form:  # "Import": the file checked a moment ago
        token = confirm.token.data or ""
        try:
            rows = spreadsheet.parse(*importer.load_pending(current_user, token))
        except spreadsheet.ImportFileError as error:
            form.file.errors = [str(error)]
        else:
            report = importing.import_inventory(current_user, municipality, rows)
            importer.discard_pending(current_user, token)
            if report.ok:
                flash(ngettext("%(num)d item is imported into the inventory.",
                               "%(num)d items are imported into the inventory.", report.created), "success")
                return redirect(url_for("inventory.overview"), 303)
    elif form.validate_on_submit():  # "Check file": a dry run
        upload = form.file.data
        data = upload.read(spreadsheet.MAX_FILE_BYTES + 1)
        try:
            rows = spreadsheet.parse(data, upload.filename or "")
            report = importing.import_inventory(current_user, municipality, rows, dry_run=True)
            if report.ok:  # no "Import" button without the file kept
                confirm.token.data = importer.save_pending(current_user, data, upload.filename or "")
        except spreadsheet.ImportFileError as error:
            form.file.errors, report = [str(error)], None
    failed = bool(form.errors) or (report is not None and not report.ok)
    return render_template("inventory/import.html", form=form, confirm=confirm, report=report,
                           columns=spreadsheet.INVENTORY_COLUMNS, categories=listings.categories(),
                           municipality=municipality, max_rows=spreadsheet.MAX_ROWS), 400 if failed else 200


@blueprint.get("/inventory/import/template.<kind>")
def import_template(kind: str):
    if kind not in importing.TEMPLATE_KINDS:
        abort(404)
    if not can_keep_inventory(current_user, current_user.municipality):
        abort(403)
    return Response(importing.template(kind), content_type=importing.TEMPLATE_KINDS[kind], headers={
        "Content-Disposition": f"attachment; filename=inventory-import-template.{kind}"})


# --- The ICT fleet (fleet.py): the table, its CSV, "do we have enough?", repairs and a device's facts -------

def _fleet_filters() -> fleet.FleetFilters:
    status, slug = request.args.get("status", ""), request.args.get("category", "")
    return fleet.FleetFilters(
        category=next((category for category in fleet.ict_categories() if category.slug == slug), None),
        user_group=chosen_group(request.args.get("user_group")),
        status=ItemStatus(status) if status in INVENTORY_STATUSES else None)


def _enough_answer(form: EnoughForm):
    """The answer when the form was sent (its errors on the form otherwise), or None."""
    if form.quantity.name not in request.args:
        return None
    form.validate()
    if form.quantity.errors:
        return None
    try:
        return fleet.enough(current_user, form.chosen_category(), form.quantity.data,
                            chosen_group(form.user_group.data))
    except fleet.FleetError as error:
        for name, message in error.errors.items():
            getattr(form, name).errors = [*getattr(form, name).errors, message]
        return None


@blueprint.get("/inventory/ict")
def fleet_overview():
    if not can_see_inventory(current_user, current_user.municipality):
        abort(403)
    filters = _fleet_filters()
    found = fleet.fleet(current_user, filters, page_or_first(request.args.get("page")), fleet.PER_PAGE)
    form = EnoughForm(request.args, prefix="need", categories=fleet.ict_categories(), locale=str(get_locale()))
    answer = _enough_answer(form)
    return render_template("inventory/fleet.html", found=found, filters=filters, form=form, answer=answer,
                           categories=fleet.ict_categories(), statuses=INVENTORY_STATUSES,
                           group_labels=USER_GROUP_LABELS), 400 if form.errors else 200


@blueprint.get("/inventory/ict.csv")
def fleet_csv():
    if not can_see_inventory(current_user, current_user.municipality):
        abort(403)
    rows = fleet.fleet_rows(current_user, _fleet_filters())
    lines = fleet.csv_lines(rows, locale=str(get_locale()), group_labels=USER_GROUP_LABELS,
                            status_labels=STATUS_LABELS)
    body = stream_with_context(("\ufeff" if index == 0 else "") + line for index, line in enumerate(lines))
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="ikt-flate-{current_user.municipality.slug}.csv"'})


@blueprint.post("/inventory/<int:item_id>/repairs")
def add_repair(item_id: int):
    form = RepairForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        fleet.record_repair(current_user, item_id, repaired_on=form.repaired_on.data,
                            description=form.description.data or "", cost_nok=form.cost_nok.data)
    except fleet.FleetError as error:
        flash(" ".join(error.errors.values()), "error")
    except Conflict as error:
        flash(str(error), "error")
    else:
        flash(_("The repair is recorded."), "success")
    return redirect(url_for("listings.detail", item_id=item_id, _anchor="repairs-heading"), 303)


@blueprint.post("/inventory/<int:item_id>/device")
def device_details(item_id: int):
    form = DetailsForm()
    if not form.validate_on_submit():
        if not form.is_submitted() or form.csrf_token.errors:
            abort(400)
        flash(" ".join(error for errors in form.errors.values() for error in errors), "error")
        return redirect(url_for("listings.detail", item_id=item_id, _anchor="device-heading"), 303)
    item = listings.find_manageable_item(current_user, item_id)
    try:
        fleet.set_details(current_user, item, purchased_on=form.purchased_on.data,
                          user_group=chosen_group(form.user_group.data))
    except fleet.FleetError as error:
        flash(" ".join(error.errors.values()), "error")
    else:
        flash(_("The device's facts are saved."), "success")
    return redirect(url_for("listings.detail", item_id=item_id, _anchor="device-heading"), 303)


@item_page.connect
def item_fleet_card(item, viewer) -> dict:
    """For an ICT item, to its own municipality's people only: its age, user group and repair history; for
    those who keep the inventory, the forms to record a repair and to set its purchase date and user group."""
    repairs = fleet.repairs_of(viewer, item) if item.is_ict else None
    if repairs is None:
        return {}
    keep = item.status in INVENTORY_STATUSES and can_keep_inventory(viewer, item.municipality)
    today = oslo_date(utcnow())
    details, repair = DetailsForm(formdata=None), RepairForm(formdata=None, repaired_on=today)
    details.fill(item)
    return {"fleet": {"repairs": repairs, "keep": keep, "age": fleet.age_years(item.purchased_on, today),
                      "repair_form": repair, "details_form": details, "group_labels": USER_GROUP_LABELS}}
