from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.errors import Forbidden
from marketplace.i18n import oslo_date
from marketplace.inputs import page_or_first
from marketplace.db import utcnow
from marketplace.reservations import services as reservations
from marketplace.reservations.signals import reservation_page
from marketplace.transport import permissions, services
from marketplace.transport.forms import (
    STATUS_LABELS,
    CancelForm,
    DeliverForm,
    ScheduleForm,
    TransportRequestForm,
    deliver_arguments,
    request_arguments,
    schedule_arguments,
)
from marketplace.transport.models import TransportStatus

blueprint = Blueprint("transport", __name__)


@blueprint.record_once
def add_template_labels(state) -> None:
    state.app.jinja_env.globals.update(transport_status_label=STATUS_LABELS.__getitem__,
                                       coordinates_transport=permissions.coordinates_any)


def _with_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        (form[name].errors if name in form else form.form_errors).append(message)


def _request_form(reservation, formdata=None) -> TransportRequestForm:
    form = TransportRequestForm(formdata) if formdata is not None else TransportRequestForm()
    form.to_unit_id.choices = [("", _("Choose a unit"))] + [
        (str(unit.id), unit.name) for unit in services.destination_units(reservation)]
    return form


@blueprint.route("/reservations/<int:reservation_id>/transport", methods=["GET", "POST"])
def new_request(reservation_id: int):
    """Bestill transport: the requester's side asks the giving municipality to carry the reservation."""
    reservation = reservations.find_reservation(current_user, reservation_id)
    if not permissions.can_request_transport(current_user, reservation):
        raise Forbidden
    form = _request_form(reservation)
    if form.validate_on_submit():
        try:
            transport = services.request_transport(current_user, reservation, **request_arguments(form.data))
        except services.TransportError as error:
            _with_errors(form, error.errors)
        else:
            flash(_("Transport is requested. You are told when it is planned."), "success")
            return redirect(url_for("transport.detail", request_id=transport.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("transport/new.html", form=form, reservation=reservation,
                           existing=services.open_request(reservation)), status


@blueprint.get("/transport")
def queue():
    if not permissions.coordinates_any(current_user):
        raise Forbidden
    status = request.args.get("status", "")
    chosen = TransportStatus(status) if status in {s.value for s in TransportStatus} else None
    found = services.queue(current_user, chosen, page_or_first(request.args.get("page")))
    return render_template("transport/queue.html", found=found, status=status if chosen else "",
                           statuses=list(TransportStatus), today=oslo_date(utcnow()))


@blueprint.get("/transport/run-sheet")
def run_sheet():
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        day = oslo_date(utcnow())
    return render_template("transport/run_sheet.html", day=day, stops=services.run_sheet(current_user, day))


@blueprint.get("/transport/<int:request_id>")
def detail(request_id: int):
    return _detail_page(services.find_request(current_user, request_id))


def _detail_page(transport, **forms):
    schedule_form = forms.get("schedule_form") or ScheduleForm(formdata=None, obj=transport)
    schedule_form.driver_id.choices = [("", _("No user chosen"))] + [
        (str(user.id), user.name) for user in services.drivers(transport.municipality_id)]
    if schedule_form.driver_id.data is not None:
        schedule_form.driver_id.data = str(schedule_form.driver_id.data)
    return render_template(
        "transport/detail.html", transport=transport,
        coordinator=permissions.can_coordinate_transport(current_user, transport.reservation.item.municipality),
        requester_side=permissions.can_cancel_as_requester(current_user, transport),
        schedule_form=schedule_form, deliver_form=forms.get("deliver_form") or DeliverForm(formdata=None),
        cancel_form=forms.get("cancel_form") or CancelForm(formdata=None), history=services.history(transport),
    ), 400 if forms else 200


@blueprint.post("/transport/<int:request_id>/<any(schedule, pickup, deliver, cancel):action>")
def act(request_id: int, action: str):
    transport = services.find_request(current_user, request_id)
    form = {"schedule": ScheduleForm, "pickup": CancelForm, "deliver": DeliverForm, "cancel": CancelForm}[action]()
    if action == "schedule":
        form.driver_id.choices = [("", "")] + [(str(u.id), u.name) for u in services.drivers(transport.municipality_id)]
    work = {
        "schedule": lambda: services.schedule(current_user, transport, **schedule_arguments(form.data)),
        "pickup": lambda: services.pick_up(current_user, transport),
        "deliver": lambda: services.deliver(current_user, transport, **deliver_arguments(form.data)),
        "cancel": lambda: services.cancel(current_user, transport, form.reason.data or ""),
    }[action]
    try:
        if not form.validate_on_submit():
            raise services.TransportError({name: " ".join(errors) for name, errors in form.errors.items()})
        work()
    except reservations.ReservationError as error:  # the transport's rules, and the ledger's for the delivery
        _with_errors(form, error.errors)
        return _detail_page(transport, **{f"{action}_form": form})
    except reservations.TransitionError as error:
        flash(str(error), "error")
    else:
        flash({"schedule": _("The transport is planned. Both sides are told."),
               "pickup": _("Marked as picked up."),
               "deliver": _("Delivered: the hand-over is recorded in the climate report."),
               "cancel": _("The transport is cancelled.")}[action], "success")
    return redirect(url_for("transport.detail", request_id=transport.id), 303)


@reservation_page.connect
def reservation_transport(reservation, viewer) -> dict:
    """The reservation page's transport part: the latest request, and whether the viewer may ask for one."""
    return {"transport_request": services.latest_request(reservation),
            "may_request_transport": permissions.can_request_transport(viewer, reservation)
            and reservation.status in services.REQUESTABLE and services.open_request(reservation) is None}
