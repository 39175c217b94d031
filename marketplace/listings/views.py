from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace import assets
from marketplace.listings import erasure as data_erasure
from marketplace.errors import NotVisible
from marketplace.inputs import page_or_first, parse_id, parse_ids
from marketplace.listings import importer, labels, lists, spreadsheet
from marketplace.listings import photos as photo_files
from marketplace.listings import services, sharing, uploads, visibility
from marketplace.listings.forms import (
    CONDITION_LABELS,
    OFFER_LABELS,
    PER_UNIT_LABELS,
    STATUS_LABELS,
    UNIT_LABELS,
    ConfirmImportForm,
    ErasureForm,
    ImportForm,
    ItemForm,
    item_input,
    loan_text,
    quantity_text,
    unit_label_for,
)
from marketplace.listings.models import INVENTORY_STATUSES, Condition, ItemStatus
from marketplace.listings.permissions import (can_import_items, can_list_items_for, can_manage_item,
                                              can_print_labels)
from marketplace.listings.signals import item_page
from marketplace.locations.services import locations_of
from marketplace.notifications import services as notifications

blueprint = Blueprint("listings", __name__)
# "Our listings" filters by these; the inventory's items have their own page.
MARKET_STATUSES = [status for status in ItemStatus if status not in INVENTORY_STATUSES]


@blueprint.record_once
def add_template_labels(state) -> None:
    state.app.jinja_env.globals.update(
        condition_labels=CONDITION_LABELS, item_status_labels=STATUS_LABELS, unit_labels=UNIT_LABELS,
        unit_label_for=unit_label_for, per_unit_labels=PER_UNIT_LABELS,
        condition_hints={condition.value: hint for condition, (_label, hint) in CONDITION_LABELS.items()},
        offer_hints={offer.value: hint for offer, (_label, hint) in OFFER_LABELS.items()}, loan_text=loan_text,
        can_import_items=can_import_items, item_short_url=labels.short_url, item_qr_svg=labels.qr_svg,
        can_print_labels=can_print_labels, card_of=lists.Card.of, inventory_statuses={status.value for status in INVENTORY_STATUSES},
    )
    notifications.set_quantity_format(quantity_text)


def _item_form(municipality, item=None, **kwargs) -> ItemForm:
    units = [unit for unit in municipality.units if unit.archived_at is None] if municipality else []
    locations = locations_of(municipality, archived=False) if municipality else []
    if item is not None and item.location is not None and item.location.archived_at is not None:
        locations.append(item.location)
    return ItemForm(categories=services.categories(), units=units, locale=str(get_locale()), locations=locations,
                    **kwargs)


def _item_input(form: ItemForm, photo_ids: list[int]) -> services.ItemInput:
    return item_input({**form.input_values(), "photo_ids": photo_ids, "photo_alt_texts": uploads.alt_texts()})


def _valid(form: ItemForm, refused: list[str]) -> bool:
    valid = form.validate_on_submit()
    form.photos.errors = [*form.photos.errors, *refused]
    return valid and not refused


def _show_errors(form: ItemForm, error: services.ListingError) -> None:
    for name, message in error.errors.items():
        field = getattr(form, name, None) or form.photos
        field.errors = [*field.errors, message]


@blueprint.get("/items/ours")
def ours():
    if not can_list_items_for(current_user, current_user.municipality):
        abort(403)
    status = request.args.get("status", "")
    statuses = [ItemStatus(status)] if status in MARKET_STATUSES else None
    found = lists.my_municipality_items(current_user, statuses, page_or_first(request.args.get("page")))
    return render_template("listings/ours.html", found=found, status=status if statuses else "",
                           statuses=MARKET_STATUSES,
                           label_units=labels.label_units(current_user))


@blueprint.route("/items/new", methods=["GET", "POST"])
def create():
    municipality = current_user.municipality
    if not can_list_items_for(current_user, municipality):
        abort(403)
    form = _item_form(municipality)
    if request.method == "GET":
        form.unit.data = str(current_user.unit.id) if current_user.unit else ""
        form.condition.data = Condition.GOOD.value
        return render_template("listings/edit.html", form=form, item=None, pending=[])
    photo_ids, refused = uploads.receive_photos()
    if _valid(form, refused):
        try:
            item = services.create_item(current_user, _item_input(form, photo_ids),
                                        publish="publish" in request.form)
        except services.ListingError as error:
            _show_errors(form, error)
        else:
            flash(_("The item is published.") if item.status == ItemStatus.PUBLISHED
                  else _("The item is saved as a draft."), "success")
            return redirect(url_for("listings.detail", item_id=item.id), 303)
    pending = services.pending_photos(current_user, photo_ids)
    return render_template("listings/edit.html", form=form, item=None, pending=pending), 400


@blueprint.get("/items/<int:item_id>")
def detail(item_id: int):
    try:
        item = services.find_item(current_user, item_id)
    except NotVisible:
        # One page for missing, not yet shared and never shared alike: it names nothing about the item.
        return render_template("listings/not_found.html"), 404
    manage = can_manage_item(current_user, item)
    parts = {}  # the rooms above add theirs: the climate figures, the reservation forms
    for _receiver, values in item_page.send(item, viewer=current_user):
        parts.update(values)
    return render_template("listings/detail.html", item=item, manage=manage, action_form=FlaskForm(),
                           stages=visibility.visibility_stages(item) if manage else [],
                           can_share_now=manage and sharing.can_share_now(item), **parts)


@blueprint.route("/items/<int:item_id>/share", methods=["GET", "POST"])
def share_now(item_id: int):
    item = services.find_manageable_item(current_user, item_id)
    form = FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        sharing.share_with_network_now(current_user, item)
        flash(_("The item is shared with the network now."), "success")
        return redirect(url_for("listings.detail", item_id=item.id), 303)
    return render_template("listings/share.html", item=item, form=form, shareable=sharing.can_share_now(item),
                           stages=visibility.visibility_stages(item)), 400 if request.method == "POST" else 200


@blueprint.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
def edit(item_id: int):
    item = services.find_manageable_item(current_user, item_id)
    form = _item_form(item.municipality, item)
    if request.method == "GET":
        form.fill_from(item)
        return render_template("listings/edit.html", form=form, item=item, pending=[])
    _photo_ids, refused = uploads.receive_photos(item=item)
    if _valid(form, refused):
        try:
            # An item in the inventory goes to the market only by "Offer as surplus" on its page.
            services.update_item(current_user, item, _item_input(form, []),
                                 publish="publish" in request.form and item.status not in INVENTORY_STATUSES)
        except services.ListingError as error:
            _show_errors(form, error)
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("listings.detail", item_id=item.id), 303)
    return render_template("listings/edit.html", form=form, item=item, pending=[]), 400


@blueprint.post("/items/<int:item_id>/<any(publish, withdraw, delete):action>")
def change_status(item_id: int, action: str):
    item = services.find_manageable_item(current_user, item_id)
    if action == "publish":
        try:
            services.publish_item(current_user, item)
        except services.ListingError as error:
            flash(" ".join(error.errors.values()), "error")
            return redirect(url_for("listings.edit", item_id=item.id), 303)
        message = _("The item is published.")
    elif action == "withdraw":
        services.withdraw_item(current_user, item)
        message = _("The listing is withdrawn.")
    else:
        services.delete_draft(current_user, item)
        flash(_("The draft is deleted."), "success")
        return redirect(url_for("listings.ours"), 303)
    flash(message, "success")
    return redirect(url_for("listings.detail", item_id=item.id), 303)


@blueprint.post("/items/<int:item_id>/photos/<int:photo_id>/<any(remove, earlier, later):action>")
def change_photo(item_id: int, photo_id: int, action: str):
    item = services.find_manageable_item(current_user, item_id)
    photo = services.find_item_photo(item, photo_id)
    if action == "remove":
        services.remove_photo(current_user, item, photo)
    else:
        services.move_photo(current_user, item, photo, -1 if action == "earlier" else 1)
    return redirect(url_for("listings.edit", item_id=item.id, _anchor="photo-section"), 303)


@blueprint.route("/items/<int:item_id>/erasure", methods=["GET", "POST"])
def erasure(item_id: int):
    item = services.find_manageable_item(current_user, item_id)
    form = ErasureForm()
    if form.validate_on_submit():
        upload = next((file for file in request.files.getlist(form.certificate.name) if file and file.filename), None)
        try:
            data_erasure.record_erasure(current_user, item, upload.read() if upload else None)
        except services.ListingError as error:
            form.certificate.errors = list(error.errors.values())
        else:
            flash(_("The data erasure is recorded."), "success")
            return redirect(url_for("listings.detail", item_id=item.id), 303)
    return render_template("listings/erasure.html", form=form, item=item), 400 if form.errors else 200


@blueprint.get("/items/<int:item_id>/erasure-certificate")
def erasure_certificate(item_id: int):
    item = services.find_manageable_item(current_user, item_id)
    path = data_erasure.certificate_path(item)
    if path is None:
        raise NotVisible
    return _private_file(path, download_name=f"erasure-certificate-item-{item.id}{path.suffix}")


@blueprint.get("/items/<int:item_id>/label")
def label(item_id: int):
    """The item's printable label with its QR code (the owner side)."""
    return render_template("listings/labels.html", items=[labels.item_for_label(current_user, item_id)])


@blueprint.get("/items/labels")
def label_sheet():
    """A sheet of labels: the listings ticked on "Our listings" (``item``), or all published ones of a unit."""
    item_ids, unit_id = parse_ids(request.args.getlist("item")), parse_id(request.args.get("unit", ""))
    if not item_ids and unit_id is None:
        flash(_("Tick the listings to print labels for, or choose a unit."), "error")
        return redirect(url_for("listings.ours", _anchor="labels"), 303)
    items = labels.items_for_sheet(current_user, item_ids, unit_id)
    return render_template("listings/labels.html", items=items)


@blueprint.get("/photos/<int:photo_id>/<any(large, thumb):variant>.jpg")
def photo(photo_id: int, variant: str):
    found = services.find_visible_photo(current_user, photo_id)
    path = photo_files.path_for(current_app.config["UPLOAD_DIR"], found.content_hash, variant)
    return _private_file(path, mimetype="image/jpeg", forever=True)  # the file is named by its content hash


def _private_file(path, *, mimetype=None, download_name=None, forever=False):
    if not path.is_file():
        raise NotVisible
    response = send_file(path, mimetype=mimetype, download_name=download_name, as_attachment=bool(download_name),
                         max_age=assets.ONE_YEAR if forever else 0, conditional=True)
    # Access depends on who asks: browsers may keep it, shared caches may not.
    if forever:
        assets.cache_forever(response, private=True)
    else:
        response.headers["Cache-Control"] = "private, max-age=0"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.route("/items/import", methods=["GET", "POST"])
def import_items():
    """Inventory import for a municipality's caretakers and admins, into their own municipality: check a CSV or
    Excel file (a dry run that reports every bad row), then import it all with one click, or nothing."""
    municipality = current_user.municipality
    if not can_import_items(current_user, municipality):
        abort(403)
    form, confirm, report = ImportForm(), ConfirmImportForm(), None
    if request.method == "POST" and "token" in request.form:  # "Import": the file checked a moment ago
        token = confirm.token.data or ""
        try:
            rows = spreadsheet.parse(*importer.load_pending(current_user, token))
        except spreadsheet.ImportFileError as error:
            form.file.errors = [str(error)]
        else:
            report = importer.import_items(current_user, municipality, rows, publish=confirm.publish.data == "1")
            importer.discard_pending(current_user, token)
            if report.ok:
                flash(ngettext("%(num)d item is imported.", "%(num)d items are imported.", report.created),
                      "success")
                return redirect(url_for("listings.ours"), 303)
    elif form.validate_on_submit():  # "Check file": a dry run
        upload = form.file.data
        data = upload.read(spreadsheet.MAX_FILE_BYTES + 1)
        try:
            rows = spreadsheet.parse(data, upload.filename or "")
        except spreadsheet.ImportFileError as error:
            form.file.errors = [str(error)]
        else:
            report = importer.import_items(current_user, municipality, rows, publish=form.publish.data,
                                           dry_run=True)
            if report.ok:
                try:
                    confirm.token.data = importer.save_pending(current_user, data, upload.filename or "")
                except spreadsheet.ImportFileError as error:  # no "Import" button without the file kept
                    form.file.errors, report = [str(error)], None
                confirm.publish.data = "1" if form.publish.data else ""
    failed = bool(form.errors) or (report is not None and not report.ok)
    return render_template("listings/import.html", form=form, confirm=confirm, report=report,
                           columns=spreadsheet.LISTING_COLUMNS, categories=services.categories(), municipality=municipality,
                           max_rows=spreadsheet.MAX_ROWS), 400 if failed else 200
