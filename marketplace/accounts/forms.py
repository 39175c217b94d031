from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from marketplace.accounts.models import EmailPreference
from marketplace.accounts.services import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "inputmode": "email"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class ResetPasswordForm(FlaskForm):
    """A new password, typed twice (the reset link's page)."""

    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1000)],
        description=_l("At least %(count)d characters. A few unrelated words make a good password.",
                       count=MIN_PASSWORD_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})


class EmailNotificationsForm(FlaskForm):
    email_notifications = RadioField(
        _l("E-mail me about new notifications"),
        choices=[SelectChoice(EmailPreference.IMMEDIATE.value, _l("At once")),
                 SelectChoice(EmailPreference.DAILY.value, _l("Once a day")),
                 SelectChoice(EmailPreference.OFF.value, _l("Never"))],
        validators=[DataRequired(message=_l("Choose one of the options."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "inputmode": "email"})

