"""Data erasure of ICT items: a device that can hold data leaves its municipality only with its erasure
recorded, with the certificate (a PDF, or a photo of it) kept outside the database."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db import db, utcnow
from marketplace.errors import Forbidden
from marketplace.listings import photos as photo_files
from marketplace.listings.models import Item
from marketplace.listings.permissions import can_manage_item
from marketplace.listings.services import ListingError
from marketplace.storage import write_atomically

MAX_CERTIFICATE_BYTES = 10 * 1024 * 1024

log = logging.getLogger(__name__)


def record_erasure(actor: User, item: Item, certificate: bytes | None, now: datetime | None = None) -> Item:
    """Record that the device's data is erased, with the certificate (PDF, or a photo of it)."""
    if not can_manage_item(actor, item):
        raise Forbidden
    if not item.category.holds_data:
        raise ListingError({"certificate": _("This category holds no data; no erasure is needed.")})
    if not certificate:
        raise ListingError({"certificate": _("Attach the erasure certificate (PDF or a photo of it).")})
    if len(certificate) > MAX_CERTIFICATE_BYTES:
        raise ListingError({"certificate": _("The certificate file is too large (at most 10 MB).")})
    directory = current_app.config["UPLOAD_DIR"]
    if certificate.startswith(b"%PDF-") and b"%%EOF" in certificate[-2048:]:
        content, suffix = certificate, "pdf"
    else:
        try:
            processed = photo_files.process(certificate)  # a photo of the report: cleaned like any photo
        except photo_files.PhotoError as error:
            raise ListingError({"certificate": _("The certificate must be a PDF or a photo.")}) from error
        content, suffix = processed.large, "jpg"
    name = f"{hashlib.sha256(content).hexdigest()}.{suffix}"
    try:
        write_atomically(Path(directory) / "certificates" / name, content)
    except OSError as error:  # a full or read-only upload directory: the form is shown again, nothing changed
        log.error("Erasure certificate %s could not be stored in %s: %s", name[:12], directory, error)
        message = _("The certificate could not be saved: the server's storage is full or not writable. "
                    "Try again later, or tell the administrator.")
        raise ListingError({"certificate": message}) from error
    item.erasure_certificate = name
    item.erasure_recorded_at = now or utcnow()
    item.erasure_recorded_by_id = actor.id
    db.session.flush()
    audit.record("erasure_recorded", actor=actor, municipality_id=item.municipality_id, item_id=item.id)
    return item


def certificate_path(item: Item) -> Path | None:
    if not item.erasure_certificate:
        return None
    return Path(current_app.config["UPLOAD_DIR"]) / "certificates" / item.erasure_certificate
