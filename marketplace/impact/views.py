from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from marketplace.db import utcnow
from marketplace.errors import Forbidden, NotVisible, error_response
from marketplace.i18n import oslo_date
from marketplace.impact import (charts, document, events, exports, ledger_export, permissions, previous, report,
                                services)
from marketplace.listings import services as listings
from marketplace.listings.signals import item_page
from marketplace.impact.labels import confidence_label
from marketplace.impact.forms import (
    BUCKETS,
    PERIODS,
    OverrideForm,
    ReportInputError,
    ReportParams,
)
from marketplace.security import public

blueprint = Blueprint("impact", __name__)


@blueprint.record_once
def add_report_helpers(state) -> None:
    state.app.jinja_env.globals.update(
        report_shown=document.shown, report_value=document.value, report_overridden=document.overridden_label,
        report_periods=PERIODS, report_buckets=BUCKETS, factor_headings=document.FACTOR_HEADINGS,
        report_stamp=document.stamp_lines, report_stamp_note=document.stamp_note,
        correction_headings=document.CORRECTION_HEADINGS, confidence_label=confidence_label,
    )


@blueprint.get("/how-we-calculate")
@public
def method():
    """The method and one factor set's lines: the set in force today, or an earlier or later one by version."""
    today = oslo_date(utcnow())
    in_force_today = services.factor_set_in_force(today)
    factor_set = services.factor_set_named(request.args.get("version", "")) or in_force_today
    municipality = current_user.municipality if current_user.is_authenticated else None
    return render_template("impact/method.html", factor_set=factor_set, in_force_today=in_force_today,
                           notes=document.formula_notes(), history=services.factor_sets(),
                           changes=services.factor_set_changes,
                           defaults={factor.category_id: factor for factor in factor_set.factors} if factor_set else {},
                           in_force=services.factors_in_force(municipality, today) if municipality else {},
                           municipality=municipality, categories=listings.categories())


@blueprint.route("/admin/factors", methods=["GET", "POST"])
def overrides():
    municipality = current_user.municipality
    if municipality is None:  # a site admin of no municipality: there are no own figures to set here
        raise NotVisible
    if not permissions.can_set_factors(current_user, municipality):
        raise Forbidden
    categories = listings.categories()
    form = OverrideForm()
    form.category.choices = [SelectChoice("", _("Choose a category"))] + [
        SelectChoice(category.slug, category.name(str(get_locale()))) for category in categories]
    if form.validate_on_submit():
        category = next((c for c in categories if c.slug == form.category.data), None)
        try:
            if category is None:
                raise services.FactorError(_("Choose a category from the list."))
            services.add_override(current_user, municipality, category, effective_from=form.effective_from.data,
                                  kgco2e_new=form.kgco2e_new.data, mass_kg=form.mass_kg.data,
                                  price_new_nok=form.price_new_nok.data, source=form.source.data)
        except services.FactorError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The factor is saved. Reuse already recorded keeps the factors it was computed with."),
                  "success")
            return redirect(url_for("impact.overrides"), 303)
    today = oslo_date(utcnow())
    return render_template("impact/overrides.html", form=form, municipality=municipality,
                           history=services.override_history(municipality),
                           in_force=services.factors_in_force(municipality, today), categories=categories,
                           ), 400 if form.errors or form.form_errors else 200


@blueprint.get("/report", endpoint="report")
def report_page():
    """The climate report for a scope and period: the totals beside the period before, the two charts that
    matter, then the breakdowns, factors and method in sections a reader opens."""
    params = ReportParams.from_args(request.args)
    try:
        scope, start, end, bucket = services.read_report_request(current_user, params, oslo_date(utcnow()))
    except (ReportInputError, report.ScopeError) as error:
        return render_template("impact/report.html", params=params, error=str(error), data=None, charts={},
                               choices=services.scope_choices(current_user), scope_key=params.scope), 400
    data = document.build(report.build(scope, start, end, bucket=bucket, locale=str(get_locale()),
                                       as_of=params.as_of_event()), utcnow())
    return render_template("impact/report.html", params=params, error=None, data=data,
                           beside=previous.beside(data.report, oslo_date(utcnow()), str(get_locale())),
                           charts=charts.report_charts(data.sections), choices=services.scope_choices(current_user, scope),
                           scope_key=scope.key, export_args=params.to_args(scope.key, start, end, bucket))


EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@blueprint.get("/report/export.<any(csv, xlsx):kind>", endpoint="report_export")
def report_export(kind: str):
    """The same report as a CSV file or an Excel workbook."""
    params = ReportParams.from_args(request.args)
    try:
        scope, start, end, bucket = services.read_report_request(current_user, params, oslo_date(utcnow()))
    except (ReportInputError, report.ScopeError) as error:
        return error_response(400, str(error))
    data = document.build(report.build(scope, start, end, bucket=bucket, locale=str(get_locale()),
                                       as_of=params.as_of_event()), utcnow())
    body = ("\ufeff" + exports.to_csv(data)).encode("utf-8") if kind == "csv" else exports.to_xlsx(data)
    return Response(body, mimetype=EXPORT_TYPES[kind], headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(data.report, kind)}"'})


LEDGER_PAGE_SIZE = 50


@blueprint.get("/report/ledger", endpoint="ledger")
def ledger_page():
    """The scope's hand-overs in the period, one row each, a page at a time: what the report sums."""
    params = ReportParams.from_args(request.args)
    try:
        scope, start, end, bucket = services.read_report_request(current_user, params, oslo_date(utcnow()))
        page = events.page_of(scope, start, end, services.page_number(request.args.get("page")), LEDGER_PAGE_SIZE)
    except (ReportInputError, report.ScopeError, events.LedgerInputError) as error:
        return render_template("impact/ledger.html", error=str(error), ledger=None), 400
    return render_template("impact/ledger.html", error=None, ledger=page, scope=scope, start=start, end=end,
                           ledger_args=params.to_args(scope.key, start, end, bucket))


@blueprint.get("/report/ledger.csv", endpoint="ledger_csv")
def ledger_csv():
    """The ledger as a long-format CSV, one row per event, streamed a chunk of events at a time."""
    params = ReportParams.from_args(request.args)
    try:
        scope, start, end, _bucket = services.read_report_request(current_user, params, oslo_date(utcnow()))
    except (ReportInputError, report.ScopeError) as error:
        return error_response(400, str(error))
    body = stream_with_context(("\ufeff" if index == 0 else "") + text
                               for index, text in enumerate(ledger_export.lines(scope, start, end)))
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{ledger_export.filename(scope, start, end)}"'})


@item_page.connect
def item_figures(item, viewer) -> dict:
    """The climate figures in force for the item, on its page."""
    return {"figures": services.factors_for_item(item, oslo_date(utcnow()))}
