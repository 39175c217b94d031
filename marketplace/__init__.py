"""Ombruksmarkedet: a reuse marketplace for Norwegian municipalities."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from flask import Flask, request
from flask.templating import Environment

from marketplace import assets
from marketplace.db import run_view
from marketplace.errors import database_unavailable, log_outage
from marketplace.fragments import FragmentCache
from marketplace.request_log import request_id

ROOT = Path(__file__).resolve().parent.parent


class TemplateEnvironment(Environment):
    """Jinja's environment with each template's globals as one plain dict instead of a ChainMap over the
    environment's: Jinja copies them into every render's context and compares their keys on every macro import,
    and a ChainMap of ~75 globals made that a noticeable part of a page's CPU. The app adds all its globals while
    it is built, before any template is loaded, so nothing is missed by the copy."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


class Marketplace(Flask):
    """The app. Every view, whoever registers it and whenever, runs as its request's unit of work."""

    jinja_environment = TemplateEnvironment
    jinja_options: ClassVar[dict] = {"extensions": [FragmentCache]}

    def dispatch_request(self):
        return run_view(super().dispatch_request)

    def send_static_file(self, filename: str):
        """Static files under content fingerprints, cached for a year (assets.py)."""
        return assets.send_static_file(self, filename)

    def log_exception(self, exc_info) -> None:
        """Flask's log of an unexpected error, naming the request id the visitor was shown; when the database
        is out, one line instead of the same traceback for every request."""
        if database_unavailable(exc_info[1]):
            log_outage(exc_info[1])
            return
        self.logger.error("Exception on %s [%s] (request %s)", request.path, request.method, request_id(),
                          exc_info=exc_info)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config → request log → db → login → csrf → i18n → blueprints → errors → cli."""
    instance_path = os.environ.get("MARKETPLACE_INSTANCE_PATH") or str(ROOT / "instance")
    app = Marketplace(
        __name__,
        instance_path=instance_path,
        template_folder=str(ROOT / "templates"),
        static_folder=None,  # assets.init_app serves static/, under fingerprinted URLs
        static_url_path="/static",
    )
    from marketplace import config as configuration

    app.config.update(configuration.load(Path(app.instance_path), config))

    from marketplace import errors, i18n, request_log, security, urls
    from marketplace.accounts import permissions
    from marketplace.accounts import views as accounts_views
    from marketplace.admin import views as admin_views
    from marketplace.api import views as api_views
    from marketplace.db import db
    from marketplace.extensions import csrf
    from marketplace.inputs import IdConverter
    from marketplace.inventory import views as inventory_views
    from marketplace.impact import views as impact_views
    from marketplace.listings import views as listings_views
    from marketplace.locations import views as locations_views
    from marketplace.notifications import views as notifications_views
    from marketplace.pages import views as pages_views
    from marketplace.projects import views as projects_views
    from marketplace.reservations import views as reservations_views
    from marketplace.search import views as search_views
    from marketplace.site import views as site_views
    from marketplace.sso import views as sso_views
    from marketplace.transport import views as transport_views
    from marketplace.store import views as store_views
    from marketplace.wanted import views as wanted_views

    app.url_map.converters["int"] = IdConverter  # before any route: every id in a URL is bounded (inputs.py)
    urls.init_app(app)
    assets.init_app(app, ROOT / "static")
    request_log.init_app(app)  # its clock starts before, and its line is written after, every other hook
    db.init_app(app)
    security.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    for room in (accounts_views, pages_views, listings_views, impact_views, admin_views, search_views,
                 notifications_views, reservations_views, transport_views, wanted_views, api_views, site_views,
                 locations_views, store_views, inventory_views, projects_views, sso_views):
        app.register_blueprint(room.blueprint)
    app.register_blueprint(api_views.account_blueprint)
    csrf.exempt(api_views.blueprint)  # bearer tokens only: no cookie, so nothing to forge
    errors.init_app(app)
    app.jinja_env.globals.update(permissions.TEMPLATE_PREDICATES)

    from marketplace import cli

    cli.init_app(app)
    return app
