"""Every visible string is wrapped and translated: bokmål is the default language, English the second."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

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
         "-k", "lazy_gettext", "--no-location", "-o", str(extracted), "."],
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
