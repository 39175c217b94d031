"""Language and time: bokmål by default, English second; times stored in UTC, shown in Europe/Oslo."""

from __future__ import annotations

import io
import os
from functools import lru_cache
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_app_context, has_request_context, session
from flask_babel import Babel, format_date, format_datetime, get_locale, get_translations
from flask_babel import gettext as babel_gettext
from flask_babel.speaklater import LazyString
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


def _translations():
    """The catalogue of the locale in force, found once per request and locale. Flask-Babel looks it up anew for
    every string (the domain and the locale on ``g``, the locale's name as the key), which cost about 15 µs a
    string, against 0.4 µs for the lookup itself, and a page shows 50 to 300 strings. Kept in Flask-Babel's own
    namespace on ``g``, beside the locale it chose: reading the locale there is one lookup of ``g``, where
    ``get_locale()`` takes three (4.8 → 1.5 µs a string). Keyed by the locale object, so ``force_locale``
    (e-mails in the recipient's language), which puts its locale there, still switches catalogues."""
    babel_context = g.get("_flask_babel")
    locale = getattr(babel_context, "babel_locale", None)
    if locale is None:  # not chosen yet in this context
        locale = get_locale()
        babel_context = g._flask_babel
    cached = getattr(babel_context, "marketplace_translations", None)
    if cached is None or cached[0] is not locale:
        cached = babel_context.marketplace_translations = (locale, get_translations())
    return cached[1]


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext``, with the catalogue found once a request (``_translations``): 7 µs a string
    instead of 16."""
    if not has_app_context():
        return babel_gettext(string, **variables)
    translated = _translations().ugettext(string)
    return translated % variables if variables else translated


def lazy_gettext(string: str, **variables) -> LazyString:
    """A label translated when it is shown (form fields, the labels of codes): Flask-Babel's lazy string over
    ``gettext`` above. A card shows two or three of them, a page of search results some seventy."""
    return LazyString(gettext, string, **variables)


def format_decimal(value, format: str | None = None) -> str:
    """Flask-Babel's ``format_decimal`` (the number in the locale in force), remembered per value, pattern and
    locale: it is pure, Babel takes about 50 µs a number, and a report page shows hundreds of them."""
    return _formatted_decimal(value, format, str(get_locale()))


@lru_cache(maxsize=4096)
def _formatted_decimal(value, format: str | None, locale: str) -> str:
    return numbers.format_decimal(value, format=format, locale=locale)


class CataloguesMissing(RuntimeError):
    """The compiled translations are missing and cannot be made here."""


def compile_catalogues(directory: Path) -> list[Path]:
    """Compile every catalogue (``*/LC_MESSAGES/messages.po``) whose ``.mo`` is missing or older, and return
    those compiled. Without them every page would show English while its ``lang`` says bokmål."""
    compiled = []
    for source in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        target = source.with_suffix(".mo")
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        with source.open("rb") as po:
            catalogue = read_po(po, locale=source.parent.parent.name)
        compiled_bytes = io.BytesIO()
        write_mo(compiled_bytes, catalogue)
        partial = target.with_name(f".{target.name}.{os.getpid()}")  # workers starting at once each write their own
        try:
            partial.write_bytes(compiled_bytes.getvalue())
            partial.replace(target)
        except OSError as error:
            raise CataloguesMissing(
                f"The translations in {directory} are not compiled and cannot be compiled here ({error}). "
                "Run `make translations` (or `pybabel compile -d marketplace/translations`) when installing."
            ) from error
        compiled.append(target)
    return compiled


def init_app(app: Flask) -> None:
    directory = Path(app.root_path) / "translations"
    compile_catalogues(directory)  # an install without `make` (pip install -e .) would otherwise show English
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(directory))
    app.jinja_env.install_gettext_callables(  # Flask-Babel's own, with the catalogue found once a request
        gettext=lambda string: _translations().ugettext(string),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: _translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(context, singular, plural, n),
        newstyle=True)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["number"] = lambda value: format_decimal(value) if value is not None else "–"
