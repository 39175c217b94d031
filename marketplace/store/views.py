"""The reuse store's pages: the stores one runs, a store's stock, and intake, move and write-off from the item
page. Thin views: parse, call one service, render or redirect (the request's unit of work commits)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import Conflict
from marketplace.inputs import page_or_first, parse_id
from marketplace.listings import services as listings
from marketplace.listings.signals import item_page
from marketplace.locations.permissions import can_run_store
from marketplace.store import services
from marketplace.store.forms import DISPOSAL_LABELS, IntakeForm, MoveForm, WriteOffForm, stores_among

blueprint = Blueprint("store", __name__)


@blueprint.record_once
def add_template_labels(state) -> None:
    state.app.jinja_env.globals.update(disposal_labels=DISPOSAL_LABELS, runs_a_store=services.runs_a_store)


@blueprint.get("/store")
def stores():
    if not services.runs_a_store(current_user):
        abort(403)
    return render_template("store/stores.html", stores=services.my_stores(current_user))


@blueprint.get("/store/<int:location_id>")
def stock(location_id: int):
    store = services.find_store(current_user, location_id)
    found = services.stock(current_user, store, page_or_first(request.args.get("page")))
    return render_template("store/stock.html", store=store, found=found)


def _chosen_location():
    return services.find_location(parse_id(request.form.get("location", "")))


@blueprint.post("/items/<int:item_id>/store/<any(intake, move, dispose):action>")
def change(item_id: int, action: str):
    item = listings.find_item(current_user, item_id)
    if not can_run_store(current_user, item.municipality):
        abort(403)
    form = WriteOffForm() if action == "dispose" else IntakeForm()  # both: the CSRF token
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "intake":
            services.take_into_store(current_user, item, _chosen_location())
            message = _("The item is taken into %(store)s.", store=item.location.name)
        elif action == "move":
            services.move_item(current_user, item, _chosen_location())
            message = _("The item is moved.")
        else:
            services.write_off(current_user, item, form.reason.data or "", form.note.data or "")
            message = _("The item is written off.")
    except services.StoreError as error:
        flash(" ".join(error.errors.values()), "error")
    except Conflict as error:
        flash(str(error), "error")
    else:
        flash(message, "success")
    return redirect(url_for("listings.detail", item_id=item.id, _anchor="store-heading"), 303)


@item_page.connect
def item_store_forms(item, viewer) -> dict:
    """Intake, move and write-off on the item page, for those who run the item's municipality's stores."""
    if not can_run_store(viewer, item.municipality) or item.status not in services.STANDING:
        return {}
    places = services.destinations(item)
    return {"store": {"intake": IntakeForm(formdata=None, stores=stores_among(places)),
                      "move": MoveForm(formdata=None, locations=places, at_unit=item.location is None),
                      "write_off": WriteOffForm(formdata=None),
                      "in_store": item.location is not None and item.location.kind.value == "store",
                      "holds": services.open_holds(item)}}
