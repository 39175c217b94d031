from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.accounts.services import LoginThrottled
from marketplace.accounts.views import start_browser_session
from marketplace.forms import ConfirmForm
from marketplace.security import client_address, public, safe_next_url
from marketplace.sso import services, sign_in
from marketplace.sso.forms import ProviderForm, WorkEmailForm
from marketplace.sso.permissions import can_administer_sign_in

blueprint = Blueprint("sso", __name__)

PENDING = "sso_pending"  # the session key of the sign-ins on their way, by state


@blueprint.app_template_global()
def sign_in_providers():
    """The login page's buttons (called by the template, so other pages pay nothing)."""
    return services.sign_in_choices()


def _refused(message: str, status: int):
    return render_template("sso/refused.html", problem=message), status


@blueprint.get("/login/sso/<int:provider_id>")
@public
def begin(provider_id: int):
    next_url = safe_next_url(request.args.get("next")) or url_for("pages.home")
    hint = (request.args.get("login_hint") or "")[:254] or None
    try:
        url, state, pending = sign_in.begin(provider_id, next_url=next_url, login_hint=hint)
    except sign_in.SignInRefused as refused:
        return _refused(str(refused), 503 if refused.reason.startswith("unavailable") else 400)
    session[PENDING] = sign_in.keep_pending(session.get(PENDING) or {}, state, pending)
    return redirect(url, 303)


@blueprint.post("/login/sso")
@public
def find_provider():
    """"Type your work e-mail": on to its provider, or back to the password form."""
    form = WorkEmailForm()
    if not form.validate_on_submit():
        flash(_("Type your work e-mail address."), "error")
        return redirect(url_for("accounts.login"), 303)
    claimed = services.provider_for_email(form.work_email.data)
    next_url = safe_next_url(form.next.data)
    if claimed is None:
        flash(_("Your address has no work sign-in here. Sign in with your password."), "info")
        return redirect(url_for("accounts.login", next=next_url, email=form.work_email.data[:254]), 303)
    return render_template("accounts/continue.html", heading=_("Sign in with your work account"), target=url_for(
        "sso.begin", provider_id=claimed.provider_id, next=next_url, login_hint=form.work_email.data.strip()))


@blueprint.get("/login/sso/callback")
@public
def callback():
    kept = session.get(PENDING) or {}
    state = request.args.get("state", "")[:100]
    pending = sign_in.Pending.from_dict(kept.pop(state, None)) if state else None
    session[PENDING] = kept  # a state works once
    try:
        signed_in, next_url = sign_in.finish(pending, request.args.to_dict(), client_address())
    except LoginThrottled as throttled:
        page, status = _refused(_("Too many failed attempts. Wait %(minutes)d minutes and try again.",
                                  minutes=max(1, round(throttled.retry_after / 60))), 429)
        return page, status, {"Retry-After": str(throttled.retry_after)}
    except sign_in.SignInRefused as refused:
        return _refused(str(refused), 503 if refused.reason.startswith("unavailable") else 403)
    start_browser_session(signed_in)
    return redirect(safe_next_url(next_url) or url_for("pages.home"), 303)


# --- Administration ---------------------------------------------------------------------------------------

@blueprint.get("/admin/sign-in")
def providers():
    if not can_administer_sign_in(current_user):
        abort(403)
    return render_template("sso/providers.html", providers=services.providers_for(current_user))


def _form(provider=None) -> ProviderForm:
    municipalities = services.municipalities_for(current_user)
    units = [unit for municipality in municipalities for unit in municipality.units if unit.archived_at is None]
    return ProviderForm(municipalities=municipalities, units=units, obj=provider if request.method == "GET" else None)


def _save(form: ProviderForm, provider=None):
    served = services.served_as_is(provider) if provider and len(provider.municipalities) > 1 else [
        services.served_from(form.chosen_id("municipality"), form.domains.data, form.chosen_id("default_unit"),
                             form.organisation_values.data)]
    settings = services.ProviderSettings(
        name=form.name.data, issuer=form.issuer.data, client_id=form.client_id.data,
        client_secret=form.client_secret.data or None, client_secret_env=form.client_secret_env.data or None,
        scopes=form.scopes.data, default_role=form.role(), organisation_claim=form.organisation_claim.data,
        role_claim=form.role_claim.data, role_map=services.parse_role_map(form.role_map.data),
        password_sign_in=form.password_sign_in.data, served=served)
    if provider is None:
        return services.add_provider(current_user, settings, client_address())
    return services.change_provider(current_user, provider.id, settings, client_address())


@blueprint.route("/admin/sign-in/new", methods=["GET", "POST"])
def add_provider():
    if not can_administer_sign_in(current_user):
        abort(403)
    form = _form()
    if form.validate_on_submit():
        try:
            provider = _save(form)
        except services.ProviderError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(name)s is set up. Register %(uri)s as the redirect URI at the provider.",
                    name=provider.name, uri=sign_in.redirect_uri()), "success")
            return redirect(url_for("sso.providers"), 303)
    return render_template("sso/provider.html", form=form, provider=None,
                           redirect_uri=sign_in.redirect_uri()), 400 if form.errors or form.form_errors else 200


@blueprint.route("/admin/sign-in/<int:provider_id>", methods=["GET", "POST"])
def edit_provider(provider_id: int):
    provider = services.provider_for(current_user, provider_id)
    form = _form(provider)
    if request.method == "GET" and provider.municipalities:
        _fill(form, provider)
    if form.validate_on_submit():
        try:
            _save(form, provider)
        except services.ProviderError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The changes to %(name)s are saved.", name=provider.name), "success")
            return redirect(url_for("sso.providers"), 303)
    return render_template("sso/provider.html", form=form, provider=provider,
                           redirect_uri=sign_in.redirect_uri()), 400 if form.errors or form.form_errors else 200


def _fill(form: ProviderForm, provider) -> None:
    first = provider.municipalities[0]
    form.municipality.data = str(first.municipality_id)
    form.default_unit.data = str(first.default_unit_id or "")
    form.domains.data = ", ".join(row.domain for row in provider.domains if row.municipality_id == first.municipality_id)
    form.organisation_values.data = ", ".join(first.organisation_values)
    form.default_role.data = provider.default_role.value
    form.role_map.data = "\n".join(f"{group} = {role}" for group, role in provider.role_map.items())


@blueprint.route("/admin/sign-in/<int:provider_id>/remove", methods=["GET", "POST"])
def remove_provider(provider_id: int):
    """Asks first: people without a password cannot sign in once their provider is gone."""
    provider = services.provider_for(current_user, provider_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("sso/remove.html", provider=provider, form=form), 400 if form.is_submitted() else 200
    services.remove_provider(current_user, provider.id, client_address())
    flash(_("%(name)s is removed. Its people sign in with a password, if they have one.", name=provider.name),
          "info")
    return redirect(url_for("sso.providers"), 303)
