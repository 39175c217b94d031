"""Language and time: bokmål by default, English second; times stored in UTC, shown in Europe/Oslo."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_babel import Babel, format_datetime, get_locale
from flask_login import current_user

babel = Babel()


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
