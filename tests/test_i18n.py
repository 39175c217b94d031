"""Every visible string is wrapped and translated: bokmål is the default language, English the second."""

import errno
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from marketplace.i18n import CataloguesMissing, compile_catalogues

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "marketplace" / "translations"


def _catalog(locale):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as file:
        return read_po(file, locale=locale)


def _strings(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)


def test_catalogue_is_up_to_date_with_the_source(tmp_path):
    extracted = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "--no-location", "--ignore-dirs", ".* __pycache__ node_modules", "-o", str(extracted),
         "."],
        cwd=ROOT, check=True,
    )
    with open(extracted, "rb") as file:
        source_ids = {message.id for message in read_po(file) if message.id}
    catalogue_ids = {message.id for message in _catalog("nb") if message.id}
    missing = source_ids - catalogue_ids
    assert not missing, f"strings not in the nb catalogue (run `make extract-messages`): {sorted(map(str, missing))[:10]}"


def test_every_message_has_a_bokmal_translation():
    untranslated = [message.id for message in _catalog("nb")
                    if message.id and (not all(_strings(message)) or message.fuzzy)]
    assert not untranslated, f"untranslated or fuzzy in nb: {untranslated[:10]}"


def test_placeholders_survive_translation():
    import re

    for message in _catalog("nb"):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert sorted(re.findall(r"%\(\w+\)\w", source)) == sorted(re.findall(r"%\(\w+\)\w", target)), source


def test_pages_are_in_bokmal_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="nb">' in html and "Logg inn" in html


def _copy_of_the_sources(tmp_path) -> Path:
    for source in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        copy = tmp_path / source.relative_to(TRANSLATIONS)
        copy.parent.mkdir(parents=True)
        copy.write_bytes(source.read_bytes())
    return tmp_path


def test_missing_catalogues_are_compiled_at_start(tmp_path):
    """An install that skipped `pybabel compile` would show English under lang="nb"; the app compiles them."""
    directory = _copy_of_the_sources(tmp_path)
    compiled = compile_catalogues(directory)
    assert sorted(path.parent.parent.name for path in compiled) == ["en", "nb"]
    assert Translations.load(str(directory), ["nb"]).gettext("Sign in") == "Logg inn"
    assert compile_catalogues(directory) == []  # up to date: nothing to do at the next start


def test_catalogues_that_cannot_be_compiled_stop_the_start_with_what_to_run(tmp_path, monkeypatch):
    def read_only(_path, _data):
        raise OSError(errno.EROFS, "Read-only file system")

    directory = _copy_of_the_sources(tmp_path)
    monkeypatch.setattr(Path, "write_bytes", read_only)
    with pytest.raises(CataloguesMissing, match="make translations"):
        compile_catalogues(directory)
    assert list(directory.glob("*/LC_MESSAGES/*.mo")) == []


def test_a_lazy_label_is_translated_in_the_language_in_force_when_shown(app):
    from flask_babel import force_locale

    from marketplace.i18n import lazy_gettext

    label = lazy_gettext("Find items")
    with app.test_request_context("/"):
        assert str(label) == "Finn gjenstander"
        with force_locale("en"):  # an e-mail in the recipient's language, inside a request in bokmål
            assert str(label) == "Find items"
        assert str(label) == "Finn gjenstander"
    placeholders = lazy_gettext("Hello, %(name)s", name="Kari")
    with app.test_request_context("/"):
        assert str(placeholders) == "Hei, Kari"


def test_a_lazy_label_outside_the_app_is_its_source_text():
    from marketplace.i18n import lazy_gettext

    assert str(lazy_gettext("Find items")) == "Find items"
