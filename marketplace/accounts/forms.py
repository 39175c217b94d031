from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from marketplace.accounts.models import EmailPreference, Role
from marketplace.accounts.services import MIN_PASSWORD_LENGTH
from marketplace.i18n import lazy_gettext as _l
from marketplace.inputs import parse_id


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



def role_labels():
    return {Role.MEMBER.value: _l("Member: searches and reserves"),
            Role.CARETAKER.value: _l("Caretaker: also lists items and handles reservations"),
            Role.STORE_KEEPER.value: _l("Store keeper: also runs the reuse stores"),
            Role.TRANSPORT_COORDINATOR.value: _l("Transport coordinator: also runs the transport queue"),
            Role.MUNICIPAL_ADMIN.value: _l("Administrator: also users, units, rules and reports")}


class MembershipForm(FlaskForm):
    """A role and (for a municipality) a unit; the choices come from the organisation."""

    role = RadioField(_l("Role"), validators=[DataRequired(message=_l("Choose one of the roles."))])
    unit = SelectField(_l("Unit"), validators=[Optional()])

    def __init__(self, *args, roles, units, **kwargs):
        super().__init__(*args, **kwargs)
        labels = role_labels()
        self.role.choices = [SelectChoice(role.value, labels[role.value]) for role in roles]
        self.unit.choices = [SelectChoice("", _l("No particular unit"))] + [
            SelectChoice(str(unit.id), unit.name) for unit in units]
        if not units:
            del self.unit

    def unit_id(self) -> int | None:
        field = getattr(self, "unit", None)
        value = field.data if field is not None else ""
        return parse_id(value)


class InvitationForm(MembershipForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "off", "inputmode": "email"})


class AcceptInvitationForm(ResetPasswordForm):
    """A new account's name and password (the invitation link's page)."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
