from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from marketplace.accounts.permissions import can_administer_municipality
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden
from marketplace.i18n import oslo_date
from marketplace.impact import services
from marketplace.impact.forms import OverrideForm
from marketplace.security import public

blueprint = Blueprint("impact", __name__)


@blueprint.get("/how-we-calculate")
@public
def method():
    today = oslo_date(utcnow())
    factor_set = services.factor_set_in_force(today)
    municipality = current_user.municipality if current_user.is_authenticated else None
    return render_template("impact/method.html", factor_set=factor_set,
                           defaults=services.default_factors(today),
                           in_force=services.factors_in_force(municipality, today) if municipality else {},
                           municipality=municipality, categories=services.categories())


@blueprint.route("/admin/factors", methods=["GET", "POST"])
def overrides():
    municipality = current_user.municipality
    if not can_administer_municipality(current_user, municipality):
        raise Forbidden
    categories = services.categories()
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
            db.session.commit()
            flash(_("The factor is saved. Reuse already recorded keeps the factors it was computed with."),
                  "success")
            return redirect(url_for("impact.overrides"), 303)
    today = oslo_date(utcnow())
    return render_template("impact/overrides.html", form=form, municipality=municipality,
                           history=services.override_history(municipality),
                           in_force=services.factors_in_force(municipality, today), categories=categories,
                           ), 400 if form.errors or form.form_errors else 200
