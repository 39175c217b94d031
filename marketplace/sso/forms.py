from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from marketplace.accounts.forms import role_labels
from marketplace.accounts.models import ORGANISATION_ROLES, Role
from marketplace.i18n import lazy_gettext as _l
from marketplace.inputs import parse_id


class WorkEmailForm(FlaskForm):
    """The login page's "type your work e-mail": it finds the address's identity provider."""

    work_email = EmailField(_l("Work e-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "inputmode": "email"})
    next = HiddenField()


class ProviderForm(FlaskForm):
    """An identity provider and the one municipality the web page sets it up for (a provider shared by
    several municipalities is set up on the command line; the page then keeps its municipalities)."""

    name = StringField(_l("Name on the login button"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: Log in with Dulten kommune (Microsoft)"))
    issuer = StringField(_l("Issuer URL"), validators=[DataRequired(), Length(max=500)],
                         description=_l("Entra ID: https://login.microsoftonline.com/TENANT-ID/v2.0 · "
                                        "Feide: https://auth.dataporten.no"))
    client_id = StringField(_l("Client id"), validators=[DataRequired(), Length(max=255)],
                            render_kw={"autocomplete": "off"})
    client_secret = PasswordField(_l("Client secret"), validators=[Optional(), Length(max=1000)],
                                  render_kw={"autocomplete": "new-password"})
    client_secret_env = StringField(_l("…or the environment variable that holds it"),
                                    validators=[Optional(), Length(max=100)],
                                    description=_l("For example SSO_DULTEN_SECRET, set on the server."))
    scopes = StringField(_l("Scopes"), validators=[DataRequired(), Length(max=300)], default="openid email profile",
                         description=_l("Feide also needs userid-feide for the organisation claim."))
    municipality = SelectField(_l("Municipality"), validators=[Optional()])
    domains = StringField(_l("E-mail domains it may sign in"), validators=[Optional(), Length(max=2000)],
                          description=_l("Separated by commas, e.g. dulten.kommune.no, skole.dulten.no"))
    default_unit = SelectField(_l("Unit for new people"), validators=[Optional()])
    default_role = SelectField(_l("Role for new people"), validators=[DataRequired()])
    organisation_claim = StringField(_l("Claim naming the organisation (optional)"),
                                     validators=[Optional(), Length(max=200)],
                                     description=_l("Feide: https://n.feide.no/claims/eduPersonPrincipalName"))
    organisation_values = StringField(_l("Its values for this municipality"), validators=[Optional(), Length(max=2000)],
                                      description=_l("Separated by commas; for name@realm the realm is enough."))
    role_claim = StringField(_l("Claim with groups or roles (optional)"), validators=[Optional(), Length(max=200)],
                             description=_l("Entra ID: groups or roles"))
    role_map = TextAreaField(_l("Groups that give a role"), validators=[Optional(), Length(max=5000)],
                             description=_l("One per line: group = role, where role is one of member, caretaker, "
                                            "store_keeper, transport_coordinator, municipal_admin."))
    password_sign_in = BooleanField(_l("People of these domains may also sign in with a password"), default=True)

    def __init__(self, *args, municipalities, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality.choices = [SelectChoice(str(m.id), m.name) for m in municipalities]
        self.default_unit.choices = [SelectChoice("", _l("No particular unit"))] + [
            SelectChoice(str(unit.id), f"{unit.municipality.name}: {unit.name}") for unit in units]
        labels = role_labels()
        self.default_role.choices = [SelectChoice(role.value, labels[role.value]) for role in ORGANISATION_ROLES]

    def role(self) -> Role:
        return Role(self.default_role.data)

    def chosen_id(self, field: str) -> int | None:
        return parse_id(getattr(self, field).data)
