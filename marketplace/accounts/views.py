from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace.accounts import privacy, services
from marketplace.accounts.forms import (
    ChangePasswordForm,
    EmailNotificationsForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from marketplace.db import db
from marketplace.security import client_address, login_manager, public, safe_next_url

blueprint = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(token: str):
    return services.load_login_session(token)


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm(next=request.args.get("next", ""))
    target = safe_next_url(form.next.data) or url_for("pages.home")
    if current_user.is_authenticated:
        return redirect(target)
    status = 200
    if form.validate_on_submit():
        try:
            signed_in = services.authenticate(form.email.data, form.password.data, client_address())
        except services.LoginThrottled as throttled:
            db.session.commit()
            minutes = max(1, round(throttled.retry_after / 60))
            flash(_("Too many failed attempts. Wait %(minutes)d minutes and try again.", minutes=minutes), "error")
            return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(throttled.retry_after)}
        db.session.commit()
        if signed_in is None:
            # The same words whether the address is unknown or the password wrong: no user enumeration.
            flash(_("Wrong e-mail address or password."), "error")
            status = 401
        else:
            session.clear()  # a fresh session: nothing from before the sign-in is carried over
            session["locale"] = signed_in.user.locale
            session.permanent = True  # the cookie lives MARKETPLACE_SESSION_HOURS, as does the server-side row
            login_user(signed_in.user)
            return redirect(target)
    elif form.is_submitted():
        status = 400
    return render_template("accounts/login.html", form=form), status


@blueprint.post("/logout")
def logout():
    services.end_login_session(current_user, client_address())
    db.session.commit()
    logout_user()
    session.clear()
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
            db.session.commit()
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
            db.session.commit()
            flash(_("Your e-mail settings are saved."), "success")
            return redirect(url_for("accounts.notification_settings"), 303)
    return render_template("accounts/notifications.html", form=form), 400 if form.errors else 200


@blueprint.post("/account/sign-out-everywhere")
def sign_out_everywhere():
    services.end_all_login_sessions(current_user)
    db.session.commit()
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
            services.send_password_reset(form.email.data, client_address())
        except services.LoginThrottled as throttled:
            db.session.commit()
            flash(_("Too many attempts. Wait %(minutes)d minutes and try again.",
                    minutes=max(1, round(throttled.retry_after / 60))), "error")
            return render_template("accounts/forgot_password.html", form=form), 429
        db.session.commit()
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
            db.session.commit()
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
