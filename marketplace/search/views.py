from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.locations.services import location_choices
from marketplace.search import services, suggest
from marketplace.search.services import SearchParams

blueprint = Blueprint("search", __name__)
THIN_RESULT = 5  # fewer hits than this, and the page says that more may be shared with the viewer later


@blueprint.get("/items")
def results():
    params = SearchParams.from_args(request.args)
    result = suggest.search(current_user, params, locale=str(get_locale()))
    return render_template("search/results.html", result=result, params=params, thin_result=THIN_RESULT,
                           count_limit=services.exact_count_limit(),
                           locations=location_choices(current_user))


@blueprint.get("/searches")
def saved():
    return render_template("search/saved.html", searches=services.saved_searches(current_user))


@blueprint.post("/searches")
def save():
    params = SearchParams.from_args(request.form)
    try:
        services.save_search(current_user, params, request.form.get("name", ""))
    except services.SavedSearchError as error:
        flash(str(error), "error")
        return redirect(url_for("search.results", **params.to_args()), 303)
    flash(_("The search is saved. You will be told here when new items match it."), "success")
    return redirect(url_for("search.saved"), 303)


@blueprint.post("/searches/<int:saved_search_id>/delete")
def delete(saved_search_id: int):
    services.delete_saved_search(current_user, saved_search_id)
    flash(_("The saved search is deleted."), "success")
    return redirect(url_for("search.saved"), 303)
