"""The accessibility statement: a default written with the code, or the text a site admin stored.
Functions flush, never commit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup, escape

from marketplace.accounts.permissions import is_site_admin
from marketplace.audit import services as audit
from marketplace.errors import Forbidden
from marketplace.site import services as site

STATEMENT_KEY = "accessibility_statement"
MAX_STATEMENT_CHARS = 20_000
# Anything below a space except newline and tab: pasted control characters are a mistake, never content.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class StatementError(ValueError):
    """The statement text cannot be stored; the message is fit to show."""


@dataclass(frozen=True)
class Statement:
    text: str
    stored: bool  # False: the default that comes with the code (in the reader's language)
    updated_at: datetime | None = None
    updated_by: object | None = None  # the User, for administrators' eyes only


def accessibility_statement() -> Statement:
    stored = site.setting(STATEMENT_KEY)
    if stored is None:
        # Rendered without the request's context processors, so services and commands can read it too.
        default = current_app.jinja_env.get_template("pages/accessibility_default.txt")
        return Statement(default.render(config=current_app.config).strip(), stored=False)
    return Statement(stored.value["text"], stored=True, updated_at=stored.updated_at, updated_by=stored.updated_by)


def update_accessibility_statement(actor, text: str) -> None:
    """Store the statement a site admin wrote (plain text with ``## headings`` and ``- list items``)."""
    if not is_site_admin(actor):
        raise Forbidden
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise StatementError(_("Write the statement: it cannot be empty."))
    if len(text) > MAX_STATEMENT_CHARS:
        raise StatementError(_("The statement can be at most %(max)d characters.", max=MAX_STATEMENT_CHARS))
    if CONTROL_CHARACTERS.search(text):
        raise StatementError(_("The text contains invisible control characters. Type it again or paste it as plain text."))
    site.put_setting(STATEMENT_KEY, {"text": text}, actor)
    audit.record("accessibility_statement_changed", actor=actor, characters=len(text))


def render_statement(text: str) -> Markup:
    """The statement as HTML, from a small, safe subset: blank lines separate paragraphs, a line starting with
    ``#`` is a heading (always h2, so the page's headings stay in order), lines starting with ``- `` make a
    list. Everything else is text: it is escaped, so no HTML from the database ever reaches the page."""
    html: list[str] = []
    first_paragraph = True
    for block in re.split(r"\n\s*\n", text.strip()):
        paragraph: list[str] = []
        items: list[str] = []

        def flush() -> None:
            nonlocal first_paragraph
            if paragraph:
                lead = ' class="lead"' if first_paragraph and not html else ""
                html.append(f"<p{lead}>{escape(' '.join(paragraph))}</p>")
                first_paragraph = False
                paragraph.clear()
            if items:
                html.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
                items.clear()

        for line in (line.strip() for line in block.split("\n")):
            if not line:
                continue
            if line.startswith("#"):
                flush()
                html.append(f"<h2>{escape(line.lstrip('#').strip())}</h2>")
            elif line.startswith(("- ", "* ")):
                if paragraph:
                    flush()
                items.append(line[2:].strip())
            else:
                if items:
                    flush()
                paragraph.append(line)
        flush()
    return Markup("\n".join(html))
