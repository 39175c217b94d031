from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.audit.labels import action_label
from marketplace.listings.forms import CONDITION_LABELS
from marketplace.listings.signals import item_page
from marketplace.db import utcnow
from marketplace.reservations import handover, loans, overview as tabs, permissions, picking, pickup, scan, services
from marketplace.reservations import loans_report  # noqa: F401  (adds the loans to the climate report)
from marketplace.reservations.forms import (
    COST_FIELDS,
    STATUS_LABELS,
    TRANSPORT_MODE_LABELS,
    WOULD_BUY_NEW_LABELS,
    CollectForm,
    MessageForm,
    OverviewQuery,
    PickupForm,
    RejectForm,
    RenewForm,
    ReserveForm,
    ReturnForm,
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
                                       can_mark_picked=picking.can_mark_picked,
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
    query = OverviewQuery.from_args(request.args, loans.FILTERS)
    return render_template("reservations/overview.html", view=chosen.chosen, tabs=chosen, query=query,
                           listing=tabs.reservations_page(current_user, chosen.chosen, query),
                           waitlist=services.my_waitlist(current_user), statuses=list(ReservationStatus),
                           now=utcnow())


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
        renew_form=RenewForm(formdata=None), loan_returns=loans.returns_of(reservation),
        overdue=reservation.overdue(utcnow()), **extras,
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
    if handover.already_recorded(current_user, reservation):
        return _recorded_already(reservation)
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
            recorded = handover.collect_once(current_user, reservation, **collect_arguments(form.data))
        except services.ReservationError as error:
            for name, message in error.errors.items():
                form[name].errors.append(message)
        else:
            if not recorded:
                return _recorded_already(reservation)
            flash(_("The loan has started. The due date is on this page.") if reservation.item.lent else
                  _("The hand-over is recorded. Thank you for reusing! If it was wrong, you can undo it on this page "
                    "within 24 hours."), "success")
            return redirect(url_for("reservations.detail", reservation_id=reservation.id, _anchor="recorded"), 303)
    return _detail_page(reservation, form), 400


def _recorded_already(reservation):
    """A second tap, or a second phone at the same label: nothing is recorded twice, and the person is told."""
    flash(_("This hand-over was already recorded. Nothing more was recorded."), "info")
    return redirect(url_for("reservations.detail", reservation_id=reservation.id, _anchor="recorded"), 303)


@blueprint.get("/i/<int:item_id>")
def scan_label(item_id: int):
    """Where an item's QR label leads (``scan``): the hand-over, a choice of reservations, or the item page."""
    found = scan.scan(current_user, item_id)
    if found.landing == "hand_over":
        return redirect(url_for("reservations.confirm_hand_over", reservation_id=found.reservation.id), 303)
    if found.landing == "choose":
        return render_template("reservations/scan_choose.html", item=found.item, reservations=found.reservations)
    return redirect(url_for("listings.detail", item_id=found.item.id), 303)


@blueprint.post("/reservations/<int:reservation_id>/<any(picked, unpicked):mark>")
def mark_picked(reservation_id: int, mark: str):
    """The owner side sets the items aside for the collector, or takes the mark back."""
    reservation = services.find_reservation(current_user, reservation_id)
    if mark == "picked":
        picking.mark_picked(current_user, reservation)
        flash(_("Marked as picked and set aside for the pickup. The requester is told."), "success")
    else:
        picking.unmark_picked(current_user, reservation)
        flash(_("The picked mark is removed."), "info")
    return _to_pickup(reservation.id)


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


# --- Loans ----------------------------------------------------------------------------------------------

@blueprint.post("/reservations/<int:reservation_id>/renew")
def renew(reservation_id: int):
    """The borrower asks to keep the loan longer."""
    reservation = services.find_reservation(current_user, reservation_id)
    form = RenewForm()
    try:
        if not form.validate_on_submit():
            raise services.ReservationError({"days": " ".join(form.days.errors) or _("Try again.")})
        loans.ask_renewal(current_user, reservation, form.days.data)
    except services.ReservationError as error:
        flash(" ".join(error.errors.values()), "error")
    else:
        flash(_("The renewal is asked for. The lender is told and answers."), "success")
    return redirect(url_for("reservations.detail", reservation_id=reservation.id, _anchor="loan"), 303)


@blueprint.post("/reservations/<int:reservation_id>/renewal/<any(approve, decline):answer>")
def answer_renewal(reservation_id: int, answer: str):
    reservation = services.find_reservation(current_user, reservation_id)
    loans.answer_renewal(current_user, reservation, approve=answer == "approve")
    flash(_("The loan is renewed. The borrower is told the new due date.") if answer == "approve" else
          _("The renewal is declined. The borrower is told."), "success")
    return redirect(url_for("reservations.detail", reservation_id=reservation.id, _anchor="loan"), 303)


@blueprint.route("/reservations/<int:reservation_id>/return", methods=["GET", "POST"])
def record_return(reservation_id: int):
    """The owner side records what came back of a loan (all of it by default); errors show the form again (400),
    nothing done."""
    reservation = services.find_reservation(current_user, reservation_id)
    loans.check_may_return(current_user, reservation)
    form = ReturnForm(same_as_before=condition_labels_of(reservation))
    if form.validate_on_submit():
        try:
            loans.record_return(current_user, reservation, **form.arguments())
        except services.ReservationError as error:
            for name, message in error.errors.items():
                form[name].errors = [*form[name].errors, message]
        else:
            flash(_("The return is recorded.") if reservation.status == ReservationStatus.RETURNED else
                  _("The partial return is recorded. Record the rest when it comes back."), "success")
            return redirect(url_for("reservations.detail", reservation_id=reservation.id, _anchor="loan"), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("reservations/return.html", reservation=reservation, form=form), status


def condition_labels_of(reservation) -> str:
    return str(CONDITION_LABELS[reservation.item.condition][0]).lower()


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
            "item_loans": loans.history_of_item(viewer, item), "loans_now": utcnow(),
            "held_for_you": services.open_offer(viewer, item)}
