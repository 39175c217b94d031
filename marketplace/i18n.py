"""Language and time: bokmål by default, English second; times stored in UTC, shown in Europe/Oslo."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

babel = Babel()
OSLO = ZoneInfo("Europe/Oslo")


def oslo_date(moment: datetime) -> date:
    """The calendar date in Norway at ``moment`` (dates like "advertise until" are Norwegian dates)."""
    return moment.astimezone(OSLO).date()


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    # Bokmål unless the user chose otherwise: browsers' language settings are often English on municipal PCs.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(app.root_path + "/translations"),
    )
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["number"] = lambda value: format_decimal(value) if value is not None else "–"
