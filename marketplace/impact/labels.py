"""What the factor table's reliability codes read as on a page (the factor CSV stores them in English)."""

from __future__ import annotations

from marketplace.i18n import lazy_gettext as _l


CONFIDENCE_LABELS = {
    "high": _l("high"),
    "medium-high": _l("medium to high"),
    "medium": _l("medium"),
    "medium-low": _l("low to medium"),
    "low-medium": _l("low to medium"),
    "low": _l("low"),
    "none": _l("no source"),
}


def confidence_label(code: str | None) -> str:
    """The reliability of a factor in the reader's language; a dash when there is none."""
    if not code:
        return "–"
    label = CONFIDENCE_LABELS.get(code)
    return str(label) if label is not None else code.replace("-", " ")
