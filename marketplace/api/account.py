"""The caller (GET /me), and the profile page where users make and revoke their personal API tokens."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.api import services as tokens
from marketplace.api.core import blueprint, municipality_ref, registry, respond
from marketplace.api.forms import CreateTokenForm
from marketplace.api.schemas.account import MeOut, UnitRef
from marketplace.api.schemas.common import OrganisationRef

account_blueprint = Blueprint("api_tokens", __name__)


@registry.route(blueprint, "GET", "/me", summary="The caller", tag="reference",
                responses={200: (MeOut, "Who the token acts as.")})
def me():
    user = current_user
    organisation = user.organisation
    municipality = user.municipality
    return respond(MeOut(
        id=user.id, email=user.email, name=user.name, locale=user.locale,
        municipality=municipality_ref(municipality) if municipality else None,
        organisation=OrganisationRef(slug=organisation.slug, name=organisation.name, kind=str(organisation.kind))
        if organisation else None,
        unit=UnitRef(id=user.unit.id, name=user.unit.name) if user.unit else None,
        roles=sorted(str(role) for role in user.roles),
    ))


# --- The profile page for personal tokens ---------------------------------------------------------------

@account_blueprint.route("/account/tokens", methods=["GET", "POST"])
def account_tokens():
    """List, create and revoke the signed-in user's API tokens. A new token is shown once, on this page."""
    form = CreateTokenForm()
    created = None
    status = 200
    if form.validate_on_submit():
        try:
            created = tokens.create_token(current_user, form.name.data)
        except tokens.TokenError as error:
            form.name.errors = [*form.name.errors, str(error)]
            status = 400
        else:
            form = CreateTokenForm(formdata=None)
    elif form.is_submitted():
        status = 400
    return render_template("accounts/tokens.html", form=form, created=created,
                           tokens=tokens.tokens_of(current_user)), \
        status, {"Cache-Control": "no-store"}


@account_blueprint.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of the user's own tokens (CSRF-checked like every form post)."""
    token = tokens.revoke_token(current_user, token_id)
    flash(_("The token %(prefix)s… is revoked. It no longer works.", prefix=token.prefix), "success")
    return redirect(url_for("api_tokens.account_tokens"), 303)
