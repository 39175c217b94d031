"""The photos sent with an item form (the listing form, the inventory's registration form): stored as they
arrive, so none are lost if the form has errors."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.inputs import parse_id, parse_ids
from marketplace.listings import photos as photo_files
from marketplace.listings import services
from marketplace.listings.models import Item


def receive_photos(item: Item | None = None) -> tuple[list[int], list[str]]:
    """Store the photos sent with the form. Return the ids of the photos waiting for this form (the earlier
    ones included) and a message for each file refused (one for all, if the upload directory is full or not
    writable: the form is shown again with what was typed)."""
    photo_ids = parse_ids(request.form.getlist("photo_ids"))
    refused = []
    uploads = [upload for upload in request.files.getlist("photos") if upload and upload.filename]
    alt_texts = _new_photo_alt_texts(len(uploads))
    for upload, alt_text in zip(uploads, alt_texts):
        try:
            photo = services.upload_photo(current_user, upload.stream, item=item, alt_text=alt_text)
        except (photo_files.PhotoError, services.ListingError) as error:
            refused.append(f"{upload.filename}: {error}")
            continue
        except photo_files.StorageFailed:  # the next ones would fail alike
            refused.append(_("The photos could not be saved: the server's storage is full or not writable. "
                             "What you filled in is kept, but a browser cannot keep the photos you chose: "
                             "choose them again when you try later, or tell the administrator."))
            break
        if item is None:
            photo_ids.append(photo.id)
    return photo_ids, refused


def _new_photo_alt_texts(count: int) -> list[str]:
    """The alt text of each photo sent now: one field per photo (the script's), or one for all (without it)."""
    given = [text[:300] for text in request.form.getlist("new_photo_alt")]
    if len(given) == 1:
        return given * count
    return (given + [""] * count)[:count]


def alt_texts() -> dict[int, str]:
    """The alt texts typed for the photos waiting for the form (``alt-<photo id>``)."""
    return {photo_id: value for key, value in request.form.items()
            if key.startswith("alt-") and (photo_id := parse_id(key.removeprefix("alt-"))) is not None}
