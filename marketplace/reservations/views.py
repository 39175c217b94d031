from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.audit.labels import action_label
from marketplace.listings.signals import item_page
from marketplace.reservations import handover, overview as tabs, permissions, pickup, services
from marketplace.reservations.forms import (
    COST_FIELDS,
    STATUS_LABELS,
    TRANSPORT_MODE_LABELS,
    WOULD_BUY_NEW_LABELS,
    CollectForm,
    MessageForm,
    PickupForm,
    RejectForm,
    ReserveForm,
    ReverseHandOverForm,
    WaitlistForm,
    collect_arguments,
    oslo_to_utc,
    reserve_arguments,
)
from marketplace.reservations.models import ReservationStatus
from marketplace.reservations.signals import reservation_page

blueprint = Blueprint("reservations", __name__)


@blueprint.record_once
def add_template_labels(state) -> None:
    state.app.jinja_env.globals.update(would_buy_new_labels=WOULD_BUY_NEW_LABELS,
                                       reservation_status_label=STATUS_LABELS.__getitem__,
                                       may_correct_hand_over=handover.may_correct,
                                       transport_mode_labels=TRANSPORT_MODE_LABELS,
                                       openable_reservations=tabs.openable,
                                       audit_action_label=action_label)


def _back_to_item(item_id: int, messages):
    for message in messages:
        flash(message, "error")
    return redirect(url_for("listings.detail", item_id=item_id, _anchor="reserve"), 303)


def _form_messages(form) -> list[str]:
    return [f"{form[name].label.text}: {error}" for name, errors in form.errors.items() if name in form
            for error in errors]


@blueprint.post("/items/<int:item_id>/reserve")
def reserve(item_id: int):
    form = ReserveForm()
    if not form.validate_on_submit():
        return _back_to_item(item_id, _form_messages(form))
    arguments = reserve_arguments(form.data)
    try:
        reservation = services.reserve(current_user, item_id, **arguments)
    except services.ReservationError as error:
        return _back_to_item(item_id, error.errors.values())
    except services.InsufficientQuantity as error:
        return _back_to_item(item_id, [str(error)])
    flash(_("Reserved. The quantity is held for you while the owner answers."), "success")
    return redirect(url_for("reservations.detail", reservation_id=reservation.id), 303)


@blueprint.post("/items/<int:item_id>/waitlist")
def join_waitlist(item_id: int):
    form = WaitlistForm()
    if not form.validate_on_submit():
        return _back_to_item(item_id, _form_messages(form))
    try:
        services.join_waitlist(current_user, item_id, form.quantity.data)
    except services.ReservationError as error:
        return _back_to_item(item_id, error.errors.values())
    flash(_("You are on the waitlist. You will be told if something is released."), "success")
    return redirect(url_for("listings.detail", item_id=item_id), 303)


@blueprint.post("/waitlist/<int:entry_id>/leave")
def leave_waitlist(entry_id: int):
    entry = services.find_waitlist_entry(current_user, entry_id)
    services.leave_waitlist(current_user, entry)
    flash(_("You have left the waitlist."), "info")
    return redirect(url_for("reservations.overview", view="mine"), 303)


@blueprint.get("/reservations")
def overview():
    chosen = tabs.choose_tab(current_user, request.args.get("view"))
    status = request.args.get("status", "")
    statuses = [ReservationStatus(status)] if status in {s.value for s in ReservationStatus} else None
    lister = services.incoming_reservations if chosen.chosen == tabs.INCOMING else services.my_reservations
    return render_template("reservations/overview.html", view=chosen.chosen, tabs=chosen, status=status,
                           reservations=lister(current_user, statuses), waitlist=services.my_waitlist(current_user),
                           statuses=list(ReservationStatus))


@blueprint.get("/reservations/<int:reservation_id>")
def detail(reservation_id: int):
    """The reservation; costs in the query (from "Endre" on the confirmation page) fill in the hand-over form."""
    return _detail_page(services.find_reservation(current_user, reservation_id), _costs_form())


def _costs_form() -> CollectForm:
    """The hand-over's costs as the reservation page sends them to the confirmation page (a GET form: it changes
    nothing, so it carries no CSRF token)."""
    return CollectForm(request.args, meta={"csrf": False})


def _given_costs(values) -> dict[str, str]:
    """The hand-over's cost fields filled in, as typed: carried between the reservation page, the confirmation
    page and the final post."""
    return {name: values[name] for name in COST_FIELDS if values.get(name, "").strip()}


def _detail_page(reservation, collect_form: CollectForm) -> str:
    extras = {}
    for _receiver, values in reservation_page.send(reservation, viewer=current_user):
        extras.update(values)
    hand_over = handover.last_event(reservation) if reservation.status == ReservationStatus.COLLECTED else None
    return render_template(
        "reservations/detail.html", reservation=reservation, history=services.history(reservation),
        hand_over=hand_over, reversal_kind=handover.reversal_kind(current_user, hand_over) if hand_over else None,
        undo_window=handover.UNDO_WINDOW, reversals=handover.reversals(reservation),
        owner=permissions.is_owner_side(current_user, reservation),
        requester=permissions.is_requester(current_user, reservation), collect_form=collect_form,
        pickup_choices=pickup.choices(current_user, reservation),
        pickup_form=PickupForm(), reject_form=RejectForm(), message_form=MessageForm(), action_form=MessageForm(),
        **extras,
    )


@blueprint.post("/reservations/<int:reservation_id>/<any(approve, cancel):action>")
def act(reservation_id: int, action: str):
    reservation = services.find_reservation(current_user, reservation_id)
    work = {
        "approve": lambda: services.approve(current_user, reservation),
        "cancel": lambda: services.cancel(current_user, reservation, request.form.get("reason", "")),
    }[action]
    work()
    flash({"approve": _("The reservation is approved."), "cancel": _("The reservation is cancelled.")}[action],
          "success")
    return redirect(url_for("reservations.detail", reservation_id=reservation.id), 303)


@blueprint.get("/reservations/<int:reservation_id>/hand-over")
def confirm_hand_over(reservation_id: int):
    """The confirmation step: what the hand-over will record, with the costs given; nothing is written. Costs
    that break a rule show the reservation page again with the errors (400)."""
    reservation = services.find_reservation(current_user, reservation_id)
    form = _costs_form()
    if form.validate():
        try:
            preview = handover.preview(current_user, reservation, **collect_arguments(form.data))
        except services.ReservationError as error:
            for name, message in error.errors.items():
                form[name].errors.append(message)
        else:
            return render_template("reservations/hand_over.html", preview=preview, reservation=reservation,
                                   costs=_given_costs(request.args), form=MessageForm())
    return _detail_page(reservation, form), 400


@blueprint.post("/reservations/<int:reservation_id>/collect")
def collect(reservation_id: int):
    """The final confirmation of the hand-over (from the confirmation page). A post without it (an old page, a
    bookmark) goes to the confirmation page with its costs; bad numbers show the page again, nothing done."""
    reservation = services.find_reservation(current_user, reservation_id)
    if request.form.get("confirmed") != "yes":
        return redirect(url_for("reservations.confirm_hand_over", reservation_id=reservation.id,
                                **_given_costs(request.form)), 303)
    form = CollectForm()
    if form.validate_on_submit():
        try:
            handover.collect(current_user, reservation, **collect_arguments(form.data))
        except services.ReservationError as error:
            for name, message in error.errors.items():
                form[name].errors.append(message)
        else:
            flash(_("The hand-over is recorded. Thank you for reusing! If it was wrong, you can undo it on this page "
                    "within 24 hours."), "success")
            return redirect(url_for("reservations.detail", reservation_id=reservation.id, _anchor="recorded"), 303)
    return _detail_page(reservation, form), 400


@blueprint.post("/reservations/<int:reservation_id>/reject")
def reject(reservation_id: int):
    reservation = services.find_reservation(current_user, reservation_id)
    form = RejectForm()
    try:
        if not form.validate_on_submit():
            raise services.ReservationError({"reason": _("Say why, so the requester understands.")})
        services.reject(current_user, reservation, form.reason.data)
    except services.ReservationError as error:
        flash(" ".join(error.errors.values()), "error")
    else:
        flash(_("The reservation is rejected, and the quantity is free again."), "success")
    return redirect(url_for("reservations.detail", reservation_id=reservation.id), 303)


@blueprint.post("/reservations/<int:reservation_id>/pickup")
def propose_pickup(reservation_id: int):
    reservation = services.find_reservation(current_user, reservation_id)
    form = PickupForm()
    try:
        if not form.validate_on_submit():
            raise services.ReservationError({"pickup_at": _("Choose a date and time.")})
        pickup.propose_pickup(current_user, reservation, oslo_to_utc(form.pickup_at.data))
    except services.ReservationError as error:
        flash(" ".join(error.errors.values()), "error")
    else:
        flash(_("The pickup time is proposed. The other side is told, and the time is agreed when they accept it."),
              "success")
    return _to_pickup(reservation.id)


@blueprint.post("/reservations/<int:reservation_id>/<any('confirm-pickup', 'accept-wished-pickup'):action>")
def agree_pickup(reservation_id: int, action: str):
    """Accept the other side's proposal, or (the owner side) the time the requester wished for."""
    reservation = services.find_reservation(current_user, reservation_id)
    agree = pickup.confirm_pickup if action == "confirm-pickup" else pickup.accept_wished_time
    try:
        agree(current_user, reservation)
    except services.ReservationError as error:
        flash(" ".join(error.errors.values()), "error")
    else:
        flash(_("The pickup time is agreed. The other side is told."), "success")
    return _to_pickup(reservation.id)


def _to_pickup(reservation_id: int):
    return redirect(url_for("reservations.detail", reservation_id=reservation_id, _anchor="pickup"), 303)


@blueprint.post("/reservations/<int:reservation_id>/messages")
def message(reservation_id: int):
    reservation = services.find_reservation(current_user, reservation_id)
    form = MessageForm()
    try:
        services.add_message(current_user, reservation, form.body.data if form.validate_on_submit() else "")
    except services.ReservationError as error:
        flash(" ".join(error.errors.values()), "error")
    return redirect(url_for("reservations.detail", reservation_id=reservation.id, _anchor="messages"), 303)


@blueprint.route("/reuse-events/<int:event_id>/reverse", methods=["GET", "POST"])
def reverse_event(event_id: int):
    """Undo or correct a hand-over, with a reason; a missing reason shows the form again (400), nothing done."""
    event = handover.find_reuse_event(current_user, event_id)
    kind = handover.allowed_reversal(current_user, event)
    form = ReverseHandOverForm()
    if form.validate_on_submit():
        try:
            handover.reverse_hand_over(current_user, event, form.reason.data)
        except services.ReservationError as error:
            form.reason.errors.append(error.errors.get("reason", " ".join(error.errors.values())))
        else:
            flash(_("The hand-over is undone: the reservation is approved again, and the hand-over can be "
                    "confirmed when it happens.") if kind == "undo" else
                  _("The hand-over is corrected: it no longer counts in the climate report."), "success")
            if event.reservation_id is None:
                return redirect(url_for("reservations.overview"), 303)
            return redirect(url_for("reservations.detail", reservation_id=event.reservation_id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("reservations/reverse.html", event=event, kind=kind, form=form,
                           item=handover.item_of(event)), status


@item_page.connect
def item_reservations(item, viewer) -> dict:
    """The forms to reserve or join the waitlist, and the reservations of the item the viewer may see."""
    return {"can_reserve": item.created_by_id != viewer.id, "reserve_form": ReserveForm(formdata=None),
            "waitlist_form": WaitlistForm(formdata=None),
            "item_reservations": services.reservations_of_item(viewer, item),
            "held_for_you": services.open_offer(viewer, item)}
