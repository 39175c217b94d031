from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace.db import utcnow
from marketplace.inputs import page_or_first, parse_id, parse_ids
from marketplace.listings import services as listings
from marketplace.listings.permissions import can_list_items_for
from marketplace.wanted import matching, permissions, services
from marketplace.wanted import report  # noqa: F401  (adds the reuse-first figures to the climate report)
from marketplace.wanted.forms import REASON_LABELS, NeedForm, NoticeForm, OutcomeForm, notice_input
from marketplace.wanted.models import NeedStatus, NoticeStatus

blueprint = Blueprint("wanted", __name__)


@blueprint.record_once
def add_template_helpers(state) -> None:
    state.app.jinja_env.globals.update(permissions.TEMPLATE_PREDICATES, buy_new_reason_labels=REASON_LABELS)


def _form(form_class, **kwargs):
    municipality = current_user.municipality
    units = [unit for unit in municipality.units if unit.archived_at is None] if municipality else []
    return form_class(categories=listings.categories(), units=units, locale=str(get_locale()), **kwargs)


def _input(form, input_class):
    return notice_input(form.input_values(), input_class)


def _show_errors(form, error: services.WantedError) -> None:
    for name, message in error.errors.items():
        field = getattr(form, name, None) or form.title
        field.errors = [*field.errors, message]


# --- Notices ---------------------------------------------------------------------------------------------

@blueprint.get("/wanted")
def notices():
    found = services.open_notices(current_user, page=page_or_first(request.args.get("page")))
    return render_template("wanted/notices.html", found=found, ours=False)


@blueprint.get("/wanted/ours")
def ours():
    if not permissions.can_post_notice(current_user):
        abort(403)
    found = services.our_notices(current_user, page_or_first(request.args.get("page")))
    return render_template("wanted/notices.html", found=found, ours=True)


@blueprint.route("/wanted/new", methods=["GET", "POST"])
def create():
    if not permissions.can_post_notice(current_user):
        abort(403)
    form = _form(NoticeForm)
    if request.method == "GET":
        form.unit.data = str(current_user.unit.id) if current_user.unit else ""
        return render_template("wanted/edit.html", form=form)
    if form.validate_on_submit():
        try:
            notice = services.post_notice(current_user, _input(form, services.NoticeInput))
        except services.WantedError as error:
            _show_errors(form, error)
        else:
            flash(_("The notice is posted. You will be told when a matching item appears."), "success")
            return redirect(url_for("wanted.detail", notice_id=notice.id), 303)
    return render_template("wanted/edit.html", form=form), 400


@blueprint.get("/wanted/<int:notice_id>")
def detail(notice_id: int):
    notice = services.find_visible_notice(current_user, notice_id)
    own_side = notice.municipality_id == getattr(current_user.municipality, "id", None)
    return render_template(
        "wanted/detail.html", notice=notice, action_form=FlaskForm(),
        matches=matching.matching_items(current_user, notice.category) if own_side else None,
        answers=services.answers(notice, current_user),
        answerable=matching.answerable_items(current_user, notice) if not own_side else [],
        can_list=can_list_items_for(current_user, current_user.municipality),
    )


@blueprint.post("/wanted/<int:notice_id>/answer")
def answer(notice_id: int):
    notice = services.find_visible_notice(current_user, notice_id)
    item_id = parse_id(request.form.get("item_id"))
    if item_id is None:
        abort(400)
    try:
        services.answer_notice(current_user, notice, item_id)
    except services.WantedError as error:
        flash(" ".join(error.errors.values()), "error")
        return redirect(url_for("wanted.detail", notice_id=notice.id), 303)
    flash(_("Your offer is sent. They will see the listing on the notice."), "success")
    return redirect(url_for("wanted.detail", notice_id=notice.id), 303)


@blueprint.post("/wanted/<int:notice_id>/<any(met, withdrawn):status>")
def close(notice_id: int, status: str):
    notice = services.find_visible_notice(current_user, notice_id)
    services.close_notice(current_user, notice, NoticeStatus(status))
    flash(_("The notice is closed."), "success")
    return redirect(url_for("wanted.detail", notice_id=notice.id), 303)


# --- Needs: the reuse-first check -----------------------------------------------------------------------

@blueprint.get("/needs")
def needs():
    if not permissions.can_post_notice(current_user):
        abort(403)
    found = services.our_needs(current_user, page_or_first(request.args.get("page")))
    return render_template("wanted/needs.html", found=found,
                           awaiting=services.needs_awaiting_approval(current_user))


@blueprint.route("/needs/new", methods=["GET", "POST"])
def register():
    if not permissions.can_post_notice(current_user):
        abort(403)
    # A GET may arrive prefilled (what, how many, which category: the ICT fleet's "do we have enough?").
    form = _form(NeedForm, **({"formdata": request.args} if request.method == "GET" else {}))
    if request.method == "GET":
        form.unit.data = str(current_user.unit.id) if current_user.unit else ""
        return render_template("wanted/register.html", form=form,
                               open_days=current_user.municipality.need_open_days)
    if form.validate_on_submit():
        try:
            need = services.register_need(current_user, _input(form, services.NeedInput))
        except services.WantedError as error:
            _show_errors(form, error)
        else:
            flash(_("The need is registered. Look through what is available before you buy new."), "success")
            return redirect(url_for("wanted.need", need_id=need.id), 303)
    return render_template("wanted/register.html", form=form,
                           open_days=current_user.municipality.need_open_days), 400


def _need_page(need, form: OutcomeForm, status: int = 200):
    return render_template(
        "wanted/need.html", need=need, form=form, action_form=FlaskForm(),
        matches=matching.matching_items(current_user, need.category) if need.status == NeedStatus.OPEN else None,
        linkable=services.linkable_reservations(need) if need.status == NeedStatus.OPEN else [],
        chosen=set(parse_ids(request.form.getlist("reservation_ids"))),
        can_register_device=(need.returned_asset_tag and need.returned_item_id is None
                             and can_list_items_for(current_user, need.municipality)),
    ), status


@blueprint.get("/needs/<int:need_id>")
def need(need_id: int):
    return _need_page(services.find_need(current_user, need_id), OutcomeForm(formdata=None))


@blueprint.post("/needs/<int:need_id>/outcome")
def outcome(need_id: int):
    need = services.find_need(current_user, need_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            services.record_outcome(
                current_user, need, reason=form.reason.data or "", reason_text=form.reason_text.data or "",
                reservation_ids=parse_ids(request.form.getlist("reservation_ids")))
        except services.WantedError as error:
            for name, message in error.errors.items():
                field = getattr(form, name, None) or form.reason
                field.errors = [*field.errors, message]
        else:
            flash(_("The outcome is recorded. It now waits for an administrator's approval.")
                  if need.status == NeedStatus.AWAITING_APPROVAL else _("The outcome is recorded."), "success")
            return redirect(url_for("wanted.need", need_id=need.id), 303)
    return _need_page(services.find_need(current_user, need_id), form, 400)


@blueprint.post("/needs/<int:need_id>/<any(approve, refuse):decision>")
def decide(need_id: int, decision: str):
    need = services.find_need(current_user, need_id)
    (services.approve_need if decision == "approve" else services.refuse_need)(current_user, need)
    flash(_("Buying new is approved.") if decision == "approve"
          else _("Buying new is refused; the need is open again."), "success")
    return redirect(url_for("wanted.need", need_id=need.id), 303)


@blueprint.post("/needs/<int:need_id>/returned-device")
def returned_device(need_id: int):
    need = services.find_need(current_user, need_id)
    item = services.register_returned_device(current_user, need)
    flash(_("The returned device is registered as a draft. Record its data erasure before it is shared."),
          "success")
    return redirect(url_for("listings.detail", item_id=item.id), 303)


@blueprint.get("/needs/<int:need_id>/certificate")
def certificate(need_id: int):
    need = services.find_need(current_user, need_id)
    return render_template("wanted/certificate.html", need=need, printed_at=utcnow())
