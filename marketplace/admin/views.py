"""Administration pages: a municipality's policy, units and audit log; networks; the site's municipalities and
status. Thin views: parse, call one service, render (the request's unit of work commits)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_login import current_user

from marketplace.accounts.permissions import can_administer_municipality, is_site_admin
from marketplace.admin import networks as network_admin
from marketplace.admin import services, site_status
from marketplace.admin.audit_rows import audit_rows
from marketplace.audit.labels import action_label
from marketplace.admin.forms import (
    ArchiveUnitForm,
    ChooseOrganisationForm,
    MergeUnitForm,
    MoveMunicipalityForm,
    NetworkNameForm,
    NetworkPolicyForm,
    NewMunicipalityForm,
    NewNetworkForm,
    NewOrganisationForm,
    PolicyForm,
    UnitForm,
)
from marketplace.errors import Forbidden, NotVisible
from marketplace.forms import ConfirmForm
from marketplace.organisations.models import Municipality, PartnerOrganisation
from marketplace.organisations.services import OrganisationError
from marketplace.wanted import services as wanted

blueprint = Blueprint("admin", __name__)


@blueprint.route("/admin/sharing", methods=["GET", "POST"])
def sharing_policy():
    municipality = current_user.municipality
    if municipality is None:  # a site admin of no municipality: nothing to set here
        abort(404)
    if not can_administer_municipality(current_user, municipality):
        raise Forbidden
    form = PolicyForm()
    if form.validate_on_submit():
        partner_days = (form.partner_share_days.data or 0) if form.partners_allowed.data else None
        services.update_sharing_policy(current_user, municipality, network_share_days=form.network_share_days.data,
                                       partner_share_days=partner_days)
        services.update_listing_policy(current_user, municipality,
                                       electrical_safety_note_required=form.electrical_safety_note_required.data)
        services.update_reservation_policy(
            current_user, municipality, hold_days=form.hold_days.data, pickup_grace_days=form.pickup_grace_days.data,
            waitlist_offer_hours=form.waitlist_offer_hours.data, displacement_unknown=form.displacement_unknown.data)
        wanted.update_need_policy(current_user, municipality, open_days=form.need_open_days.data or municipality.need_open_days,
                                  approval_required=bool(form.need_approval_required.data))
        flash(_("The rules are saved. They apply to listings and reservations from now on."), "success")
        return redirect(url_for("admin.sharing_policy"), 303)
    if not form.is_submitted():
        form.network_share_days.data = municipality.network_share_days
        form.partners_allowed.data = municipality.partner_share_days is not None
        form.partner_share_days.data = municipality.partner_share_days
        form.electrical_safety_note_required.data = municipality.electrical_safety_note_required
        form.hold_days.data = municipality.hold_days
        form.pickup_grace_days.data = municipality.pickup_grace_days
        form.waitlist_offer_hours.data = municipality.waitlist_offer_hours
        form.displacement_unknown.data = municipality.displacement_unknown
        form.need_open_days.data = municipality.need_open_days
        form.need_approval_required.data = municipality.need_approval_required
    return render_template("admin/sharing.html", form=form, municipality=municipality), \
        400 if form.errors else 200


# --- Unit administration ------------------------------------------------------------------------------------

@blueprint.get("/admin/units")
def my_units():
    """The signed-in admin's own municipality (the user menu links here)."""
    if current_user.municipality is None:
        abort(404)
    return redirect(url_for("admin.units", slug=current_user.municipality.slug))


@blueprint.route("/admin/organisations/<slug>/units", methods=["GET", "POST"])
def units(slug: str):
    municipality = services.municipality_for_unit_admin(current_user, slug)
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = services.add_unit(current_user, municipality, form.name.data, form.kind.data, form.details())
        except OrganisationError as error:
            form.name.errors.append(str(error))
        else:
            flash(_("The unit %(name)s is created.", name=unit.name), "success")
            return redirect(url_for("admin.units", slug=slug), 303)
    return render_template("admin/units.html", municipality=municipality, form=form,
                           summaries=services.unit_summaries(current_user, municipality)), 400 if form.errors else 200


def _unit_page(municipality, unit, form, merge_form, status=200):
    return render_template("admin/unit.html", municipality=municipality, unit=unit, form=form,
                           merge_form=merge_form, archive_form=ArchiveUnitForm()), status


def _merge_form(municipality, unit, **kwargs):
    return MergeUnitForm(units=[u for u in municipality.units if u.archived_at is None and u.id != unit.id],
                         **kwargs)


@blueprint.route("/admin/organisations/<slug>/units/<int:unit_id>", methods=["GET", "POST"])
def unit(slug: str, unit_id: int):
    municipality = services.municipality_for_unit_admin(current_user, slug)
    unit = services.unit_for_admin(current_user, municipality, unit_id)
    form = UnitForm(obj=unit) if request.method == "GET" else UnitForm()
    if form.validate_on_submit():
        try:
            services.update_unit(current_user, municipality, unit_id, form.name.data, form.kind.data,
                                 form.details())
        except OrganisationError as error:
            form.name.errors.append(str(error))
        else:
            flash(_("The unit is saved."), "success")
            return redirect(url_for("admin.units", slug=slug), 303)
    return _unit_page(municipality, unit, form, _merge_form(municipality, unit, formdata=None),
                      400 if form.errors else 200)


@blueprint.post("/admin/organisations/<slug>/units/<int:unit_id>/archive")
def archive_unit(slug: str, unit_id: int):
    municipality = services.municipality_for_unit_admin(current_user, slug)
    form = ArchiveUnitForm()
    if not form.validate_on_submit():
        abort(400)
    unit = services.set_unit_archived(current_user, municipality, unit_id, form.archived.data == "1")
    flash(_("%(name)s is archived.", name=unit.name) if unit.archived_at else
          _("%(name)s is in use again.", name=unit.name), "success")
    return redirect(url_for("admin.units", slug=slug), 303)


@blueprint.post("/admin/organisations/<slug>/units/<int:unit_id>/merge")
def merge_unit(slug: str, unit_id: int):
    municipality = services.municipality_for_unit_admin(current_user, slug)
    unit = services.unit_for_admin(current_user, municipality, unit_id)
    merge_form = _merge_form(municipality, unit)
    if merge_form.validate_on_submit():
        try:
            services.merge_units(current_user, municipality, unit_id, int(merge_form.into.data))
        except OrganisationError as error:
            merge_form.into.errors.append(str(error))
        else:
            flash(_("The unit is merged and archived."), "success")
            return redirect(url_for("admin.units", slug=slug), 303)
    return _unit_page(municipality, unit, UnitForm(obj=unit, formdata=None), merge_form, 400)
# --------------------------------------------------------------------------------------------------------------
# Network administration (a network's admins and site admins) and site administration (site admins).
# --------------------------------------------------------------------------------------------------------------

MEMBER_KINDS = {"municipality": Municipality, "partner": PartnerOrganisation}


@blueprint.get("/admin/networks")
def networks():
    administered = network_admin.administered_networks(current_user)
    if not is_site_admin(current_user):
        if not administered:
            raise Forbidden
        if len(administered) == 1:
            return redirect(url_for("admin.network", slug=administered[0].slug))
    return _networks_page(administered, NewNetworkForm(prefix="new"))


@blueprint.post("/admin/networks")
def create_network():
    form = NewNetworkForm(prefix="new")
    if form.validate_on_submit():
        try:
            network = network_admin.add_network(current_user, form.slug.data, form.name.data)
        except OrganisationError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The network %(name)s is created.", name=network.name), "success")
            return redirect(url_for("admin.network", slug=network.slug), 303)
    if not is_site_admin(current_user):
        raise Forbidden
    return _networks_page(network_admin.administered_networks(current_user), form)


def _networks_page(networks, form):
    return render_template("admin/network_list.html", networks=networks, form=form), \
        400 if form.errors or form.form_errors else 200


@blueprint.get("/admin/networks/<slug>")
def network(slug):
    network = network_admin.administered_network(current_user, slug)
    return _network_page(network, NetworkNameForm(prefix="rename", name=network.name))


@blueprint.post("/admin/networks/<slug>/name")
def rename_network(slug):
    network = network_admin.administered_network(current_user, slug)
    form = NetworkNameForm(prefix="rename")
    if form.validate_on_submit():
        try:
            network_admin.rename_network(current_user, network, form.name.data)
        except OrganisationError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The network is renamed."), "success")
            return redirect(url_for("admin.network", slug=network.slug), 303)
    if not is_site_admin(current_user):
        raise Forbidden
    return _network_page(network, form)


def _network_page(network, rename_form):
    members = network_admin.network_overview(current_user, network)
    return render_template(
        "admin/network.html", network=network, rename_form=rename_form,
        municipalities=[row for row in members if isinstance(row.organisation, Municipality)],
        partners=[row for row in members if isinstance(row.organisation, PartnerOrganisation)],
    ), 400 if rename_form.errors or rename_form.form_errors else 200


@blueprint.get("/admin/networks/<slug>/add/<kind>")
def add_member(slug, kind):
    network = network_admin.administered_network(current_user, slug)
    return _add_member_page(network, kind, ChooseOrganisationForm(prefix="join"), NewOrganisationForm(prefix="new"))


@blueprint.post("/admin/networks/<slug>/add/<kind>/existing")
def add_existing_member(slug, kind):
    network = network_admin.administered_network(current_user, slug)
    form = ChooseOrganisationForm(prefix="join")
    candidates = _candidates(network, kind)
    form.organisation.choices = [(org.slug, org.name) for org in candidates]
    if form.validate_on_submit():
        organisation = next(org for org in candidates if org.slug == form.organisation.data)
        network_admin.add_to_network(current_user, network, organisation)
        flash(_("%(name)s is now in %(network)s.", name=organisation.name, network=network.name), "success")
        return redirect(url_for("admin.network", slug=network.slug), 303)
    return _add_member_page(network, kind, form, NewOrganisationForm(prefix="new"))


@blueprint.post("/admin/networks/<slug>/add/<kind>/new")
def create_member(slug, kind):
    network = network_admin.administered_network(current_user, slug)
    form = NewOrganisationForm(prefix="new")
    if form.validate_on_submit():
        try:
            organisation = network_admin.create_in_network(current_user, network, _kind(kind), form.slug.data,
                                                      form.name.data, form.org_number.data)
        except OrganisationError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(name)s is created in %(network)s.", name=organisation.name, network=network.name), "success")
            return redirect(url_for("admin.network", slug=network.slug), 303)
    return _add_member_page(network, kind, ChooseOrganisationForm(prefix="join"), form)


def _kind(kind: str):
    if kind not in MEMBER_KINDS:
        abort(404)
    return MEMBER_KINDS[kind]


def _candidates(network, kind):
    return network_admin.joinable_organisations(current_user, network, _kind(kind))


def _add_member_page(network, kind, join_form, new_form):
    candidates = _candidates(network, kind)
    join_form.organisation.choices = [(org.slug, org.name) for org in candidates]
    failed = join_form.errors or new_form.errors or new_form.form_errors
    return render_template("admin/network_add.html", network=network, kind=kind, candidates=candidates,
                           join_form=join_form, new_form=new_form), 400 if failed else 200


@blueprint.route("/admin/networks/<slug>/members/<member>/remove", methods=["GET", "POST"])
def remove_member(slug, member):
    network = network_admin.administered_network(current_user, slug)
    organisation = network_admin.network_member(current_user, network, member)
    form = ConfirmForm()
    if form.validate_on_submit():
        network_admin.remove_from_network(current_user, network, organisation)
        flash(_("%(name)s has left %(network)s.", name=organisation.name, network=network.name), "success")
        return redirect(url_for("admin.network", slug=network.slug), 303)
    remaining = [other for other in organisation.networks if other.id != network.id]
    return render_template("admin/network_remove.html", network=network, organisation=organisation,
                           form=form, stranded=network_admin.open_reservations_lost(organisation, remaining)), \
        400 if form.is_submitted() else 200


@blueprint.get("/admin/networks/<slug>/partners/<member>")
def partner(slug, member):
    network = network_admin.administered_network(current_user, slug)
    organisation = network_admin.network_member(current_user, network, member)
    if not isinstance(organisation, PartnerOrganisation):
        raise NotVisible
    return render_template("admin/network_partner.html", network=network, partner=organisation,
                           memberships=network_admin.partner_users(current_user, network, organisation))


@blueprint.route("/admin/networks/<slug>/policy", methods=["GET", "POST"])
def network_policy(slug):
    network = network_admin.administered_network(current_user, slug)
    form = NetworkPolicyForm()
    if form.validate_on_submit():
        try:
            network_admin.update_network_policy(current_user, network, **form.values())
        except OrganisationError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The defaults are saved. They apply to municipalities that join the network from now on."),
                  "success")
            return redirect(url_for("admin.network", slug=network.slug), 303)
    if not form.is_submitted():
        form.fill(network)
    return render_template("admin/network_policy.html", network=network, form=form), \
        400 if form.errors or form.form_errors else 200


@blueprint.get("/admin/municipalities")
def municipalities():
    return _municipalities_page(NewMunicipalityForm(prefix="new"))


@blueprint.post("/admin/municipalities")
def create_municipality():
    form = NewMunicipalityForm(prefix="new")
    networks = _network_choices(form.network)
    if form.validate_on_submit():
        network = next(n for n in networks if n.slug == form.network.data)
        try:
            municipality = network_admin.create_in_network(current_user, network, Municipality, form.slug.data,
                                                      form.name.data, form.org_number.data)
        except OrganisationError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(name)s is created in %(network)s.", name=municipality.name, network=network.name), "success")
            return redirect(url_for("admin.municipalities"), 303)
    return _municipalities_page(form)


@blueprint.post("/admin/municipalities/<slug>/move")
def move_municipality(slug):
    if not is_site_admin(current_user):
        raise Forbidden
    municipality = network_admin.municipality_for_site_admin(current_user, slug)
    form = MoveMunicipalityForm(prefix=f"move-{slug}")
    networks = _network_choices(form.network)
    if form.validate_on_submit():
        network = next(n for n in networks if n.slug == form.network.data)
        try:
            network_admin.move_municipality(current_user, municipality, network)
        except OrganisationError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(name)s is now in %(network)s.", name=municipality.name, network=network.name), "success")
            return redirect(url_for("admin.municipalities"), 303)
    return _municipalities_page(NewMunicipalityForm(prefix="new"), failed_move=(municipality, form))


def _network_choices(select_field):
    networks = network_admin.administered_networks(current_user) if is_site_admin(current_user) else []
    select_field.choices = [(network.slug, network.name) for network in networks]
    return networks


def _municipalities_page(form, failed_move=None):
    municipalities = network_admin.all_municipalities(current_user)  # site admins only
    _network_choices(form.network)
    move_forms = {}
    for municipality in municipalities:
        move_form = MoveMunicipalityForm(prefix=f"move-{municipality.slug}", formdata=None)
        if failed_move and failed_move[0].id == municipality.id:
            move_form = failed_move[1]
        _network_choices(move_form.network)
        move_forms[municipality.id] = move_form
    failed = form.errors or form.form_errors or (failed_move and (failed_move[1].errors or failed_move[1].form_errors))
    return render_template("admin/site_municipalities.html", municipalities=municipalities, form=form,
                           move_forms=move_forms), 400 if failed else 200


@blueprint.get("/admin/status")
def system_status():
    return render_template("admin/site_status.html", status=site_status.system_status(current_user))


@blueprint.record_once
def add_template_labels(state) -> None:
    state.app.jinja_env.globals["audit_action_label"] = action_label


@blueprint.get("/admin/audit")
def audit_log():
    municipality = current_user.municipality
    if municipality is None:
        abort(404)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    action = request.args.get("action", "")[:60]
    events, total = services.audit_log(current_user, municipality, page, action)
    return render_template("admin/audit_log.html", rows=audit_rows(events, str(get_locale())), total=total,
                           page=page, action=action, actions=services.audit_actions(municipality), page_size=services.AUDIT_PAGE_SIZE,
                           municipality=municipality)
