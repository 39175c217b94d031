from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace.accounts import administration, invitations, privacy, services
from marketplace.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    EmailNotificationsForm,
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    MembershipForm,
    ResetPasswordForm,
)
from marketplace.db import db, utcnow
from marketplace.forms import ConfirmForm
from marketplace.security import client_address, login_manager, public, safe_next_url

blueprint = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(token: str):
    return services.load_login_session(token)


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm(next=request.args.get("next", ""), email=request.args.get("email", "")[:254])
    target = safe_next_url(form.next.data) or url_for("pages.home")
    if current_user.is_authenticated:
        return redirect(target)
    status = 200
    if form.validate_on_submit():
        try:
            signed_in = services.authenticate(form.email.data, form.password.data, client_address())
        except services.LoginThrottled as throttled:
            minutes = max(1, round(throttled.retry_after / 60))
            flash(_("Too many failed attempts. Wait %(minutes)d minutes and try again.", minutes=minutes), "error")
            return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(throttled.retry_after)}
        except services.PasswordSignInRefused as refused:
            flash(str(refused), "error")
            return render_template("accounts/login.html", form=form), 403
        if signed_in is None:
            # The same words whether the address is unknown or the password wrong: no user enumeration.
            flash(_("Wrong e-mail address or password."), "error")
            status = 401
        else:
            start_browser_session(signed_in)
            return redirect(target)
    elif form.is_submitted():
        status = 400
    return render_template("accounts/login.html", form=form), status


def start_browser_session(signed_in: services.SignIn) -> None:
    session.clear()  # a fresh session: nothing from before the sign-in is carried over
    session["locale"] = signed_in.user.locale
    session.permanent = True  # the cookie lives MARKETPLACE_SESSION_HOURS, as does the server-side row
    login_user(signed_in.user)


@blueprint.post("/logout")
def logout():
    continue_to = services.end_login_session(current_user, client_address())
    logout_user()
    session.clear()
    if continue_to:  # the identity provider ends its session too, and sends the browser back to /login
        page = render_template("accounts/continue.html", heading=_("Signing out"), target=continue_to)
        flash(_("You are signed out."), "info")  # after rendering: the login page shows it, on the way back
        return page
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data,
                                     client_address())
        except services.AccountError as error:
            form.current_password.errors.append(str(error))
        else:
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("pages.home"))
    return render_template("accounts/change_password.html", form=form), 400 if form.errors else 200


@blueprint.route("/account/notifications", methods=["GET", "POST"])
def notification_settings():
    form = EmailNotificationsForm()
    if not form.is_submitted():
        form.email_notifications.data = current_user.email_notifications.value
    if form.validate_on_submit():
        try:
            services.set_email_notifications(current_user, form.email_notifications.data)
        except services.AccountError as error:
            form.email_notifications.errors.append(str(error))
        else:
            flash(_("Your e-mail settings are saved."), "success")
            return redirect(url_for("accounts.notification_settings"), 303)
    return render_template("accounts/notifications.html", form=form), 400 if form.errors else 200


@blueprint.post("/account/sign-out-everywhere")
def sign_out_everywhere():
    services.end_all_login_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("accounts.login"))


@blueprint.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(form.email.data, client_address())
        except services.LoginThrottled as throttled:
            flash(_("Too many attempts. Wait %(minutes)d minutes and try again.",
                    minutes=max(1, round(throttled.retry_after / 60))), "error")
            return render_template("accounts/forgot_password.html", form=form), 429
        # The same answer whether or not the address is known: no user enumeration.
        return render_template("accounts/forgot_password.html", form=None, sent_to=form.email.data)
    return render_template("accounts/forgot_password.html", form=form), 400 if form.errors else 200


@blueprint.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    form = ResetPasswordForm()
    try:
        services.user_for_reset_token(token)
        if form.validate_on_submit():
            services.reset_password(token, form.new_password.data, client_address())
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.login"), 303)
    except services.AccountError as error:
        return render_template("accounts/reset_password.html", form=None, problem=str(error)), 400
    return render_template("accounts/reset_password.html", form=form, problem=None), 400 if form.errors else 200


@blueprint.get("/account/export")
def export_my_data():
    """Download what we store about you, as JSON."""
    data = privacy.export_personal_data(current_user, current_user)
    response = jsonify(data)
    response.headers["Content-Disposition"] = 'attachment; filename="ombruksmarkedet-my-data.json"'
    return response


# --- User administration ----------------------------------------------------------------------------------

@blueprint.get("/admin/users")
def my_organisation_users():
    """The signed-in admin's own organisation (the user menu links here)."""
    if current_user.organisation is None:
        abort(404)
    return redirect(url_for("accounts.users", slug=current_user.organisation.slug))


@blueprint.get("/admin/organisations/<slug>/users")
def users(slug: str):
    organisation = administration.organisation_for_admin(current_user, slug)
    return render_template("accounts/users.html", organisation=organisation,
                           memberships=administration.memberships(current_user, organisation),
                           invitations=invitations.pending_invitations(current_user, organisation),
                           confirm=ConfirmForm(), now=utcnow())


@blueprint.route("/admin/organisations/<slug>/users/invite", methods=["GET", "POST"])
def invite(slug: str):
    organisation = administration.organisation_for_admin(current_user, slug)
    form = InvitationForm(roles=administration.roles_for(organisation), units=administration.units_for(organisation))
    if form.validate_on_submit():
        try:
            invitation, token = invitations.invite(
                current_user, organisation, email=form.email.data, name=form.name.data, role=form.role.data,
                unit_id=form.unit_id(), address=client_address())
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            locale = str(get_locale())
            db.after_commit(lambda: invitations.send_invitation(invitation, token, locale))
            flash(_("The invitation is sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("accounts.users", slug=slug), 303)
    return render_template("accounts/invite.html", organisation=organisation, form=form), \
        400 if form.errors else 200


@blueprint.post("/admin/organisations/<slug>/invitations/<int:invitation_id>/resend")
def resend_invitation(slug: str, invitation_id: int):
    organisation = administration.organisation_for_admin(current_user, slug)
    ConfirmForm().validate_on_submit() or abort(400)
    invitation, token = invitations.resend(current_user, organisation, invitation_id, client_address())
    locale = str(get_locale())
    db.after_commit(lambda: invitations.send_invitation(invitation, token, locale))
    flash(_("A new invitation is sent to %(email)s. The old link no longer works.", email=invitation.email),
          "success")
    return redirect(url_for("accounts.users", slug=slug), 303)


@blueprint.post("/admin/organisations/<slug>/invitations/<int:invitation_id>/revoke")
def revoke_invitation(slug: str, invitation_id: int):
    organisation = administration.organisation_for_admin(current_user, slug)
    ConfirmForm().validate_on_submit() or abort(400)
    invitations.revoke(current_user, organisation, invitation_id, client_address())
    flash(_("The invitation is withdrawn."), "info")
    return redirect(url_for("accounts.users", slug=slug), 303)


def _membership_page(organisation, membership, form, status=200):
    return render_template("accounts/user.html", organisation=organisation, membership=membership,
                           person=membership.user, form=form, confirm=ConfirmForm()), status


@blueprint.route("/admin/organisations/<slug>/users/<int:user_id>", methods=["GET", "POST"])
def user(slug: str, user_id: int):
    organisation = administration.organisation_for_admin(current_user, slug)
    membership = administration.membership_for_admin(current_user, organisation, user_id)
    units = administration.units_for(organisation)
    if membership.unit is not None and membership.unit not in units:
        units = [membership.unit, *units]  # an archived unit stays on offer to the person already there
    form = MembershipForm(roles=administration.roles_for(organisation), units=units)
    if not form.is_submitted():
        form.role.data = membership.role.value
        if "unit" in form:
            form.unit.data = str(membership.unit_id or "")
    if form.validate_on_submit():
        try:
            administration.change_membership(current_user, organisation, user_id, role=form.role.data,
                                             unit_id=form.unit_id(), address=client_address())
        except services.AccountError as error:
            form.role.errors.append(str(error))
        else:
            flash(_("The role and unit of %(name)s are saved.", name=membership.user.name), "success")
            return redirect(url_for("accounts.users", slug=slug), 303)
    return _membership_page(organisation, membership, form, 400 if form.errors else 200)


@blueprint.post("/admin/organisations/<slug>/users/<int:user_id>/active")
def set_user_active(slug: str, user_id: int):
    organisation = administration.organisation_for_admin(current_user, slug)
    ConfirmForm().validate_on_submit() or abort(400)
    active = request.form.get("active")
    if active not in ("0", "1"):
        abort(400)
    try:
        person = administration.set_user_active(current_user, organisation, user_id, active == "1",
                                                client_address())
    except services.AccountError as error:
        flash(str(error), "error")
        membership = administration.membership_for_admin(current_user, organisation, user_id)
        form = MembershipForm(roles=administration.roles_for(organisation), units=administration.units_for(organisation),
                              formdata=None, data={"role": membership.role.value, "unit": str(membership.unit_id or "")})
        return _membership_page(organisation, membership, form, 400)
    flash(_("%(name)s can sign in again.", name=person.name) if person.active
          else _("%(name)s is deactivated and signed out everywhere.", name=person.name), "success")
    return redirect(url_for("accounts.user", slug=slug, user_id=user_id), 303)


@blueprint.route("/admin/organisations/<slug>/users/<int:user_id>/erase", methods=["GET", "POST"])
def erase_user(slug: str, user_id: int):
    organisation = administration.organisation_for_admin(current_user, slug)
    membership = administration.membership_for_admin(current_user, organisation, user_id)
    form = ConfirmForm()
    problem = None
    if form.validate_on_submit():
        try:
            administration.erase_member(current_user, organisation, user_id)
        except services.AccountError as error:
            problem = str(error)
        else:
            flash(_("The person's personal data is erased."), "success")
            return redirect(url_for("accounts.users", slug=slug), 303)
    return render_template("accounts/erase_user.html", organisation=organisation, person=membership.user,
                           form=form, problem=problem), 400 if problem or form.errors else 200


# --- Taking up an invitation -----------------------------------------------------------------------------

@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    try:
        invitation = invitations.invitation_for_token(token)
    except invitations.InvitationGone as gone:
        return render_template("accounts/invitation.html", problem=str(gone), invitation=None, form=None), 410
    signed_in = current_user if current_user.is_authenticated else None
    try:
        account = invitations.check_taker(invitation, signed_in)
    except invitations.InvitationRefused as refused:
        return render_template("accounts/invitation.html", problem=str(refused), invitation=invitation,
                               form=None), 403
    if account is not None and signed_in is None:  # sign in first, then come back to the link
        return render_template("accounts/invitation.html", invitation=invitation, form=None, problem=None,
                               sign_in_first=True)
    form = ConfirmForm() if account is not None else AcceptInvitationForm()
    if not form.is_submitted() and account is None:
        form.name.data = invitation.name
    if form.validate_on_submit():
        try:
            signed = invitations.accept(token, signed_in=signed_in, address=client_address(),
                                        **({} if account else {"name": form.name.data,
                                                                "password": form.new_password.data}))
        except services.AccountError as error:
            if account is not None:
                return render_template("accounts/invitation.html", invitation=invitation, form=None,
                                       problem=str(error)), 400
            form.new_password.errors.append(str(error))
        else:
            if signed is not None:
                start_browser_session(signed)
            flash(_("Welcome to %(organisation)s.", organisation=invitation.organisation.name), "success")
            return redirect(url_for("pages.home"), 303)
    return render_template("accounts/invitation.html", invitation=invitation, form=form, problem=None), \
        400 if form.errors else 200
