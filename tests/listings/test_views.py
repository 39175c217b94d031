import errno
import io
import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace import storage
from marketplace.db import db, utcnow
from marketplace.listings import photos as photo_files
from marketplace.listings.models import Item, ItemStatus, Photo
from tests.conftest import login, fresh
from tests.factories import jpeg_bytes, make_item

FORM = {"title": "Stablestoler, grå", "category": "stackable_chair", "condition": "good", "quantity": "24",
        "description": "Fra kantina.", "building": "Hovedbygget", "room": "101"}


@pytest.fixture
def setup(region, catalogue):
    return region


def count(model):
    fresh()
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_item_page_gathers_the_rooms_above(client, setup):
    """The climate figures (impact) and the reservation box (reservations) reach the item page through the
    listings room's item_page signal: a receiver that came loose would leave them out."""
    chairs = make_item(setup.caretaker_a, "office_chair", quantity=Decimal(4))
    db.session.commit()
    login(client, "member@a.example")
    page = client.get(f"/items/{chairs.id}").get_data(as_text=True)
    assert 'class="climate__figure"' in page and "70 kg CO2e per stk." in page
    assert f'action="/items/{chairs.id}/reserve"' in page


def test_the_climate_figure_says_what_it_is_per(client, setup):
    """A lot counted by weight saves so much per kg or per tonne, not "per one"."""
    furniture = make_item(setup.caretaker_a, "other_furniture", quantity=Decimal("85.5"))
    sand = make_item(setup.caretaker_a, "grit_sand", quantity=Decimal(3))
    db.session.commit()
    login(client, "member@a.example")
    assert "omtrent 2,5 kg CO2e per kg " in client.get(f"/items/{furniture.id}").get_data(as_text=True)
    assert re.search(r"omtrent [0-9,]+ kg CO2e per tonn ", client.get(f"/items/{sand.id}").get_data(as_text=True))


def test_member_cannot_open_the_listing_form(client, setup):
    login(client, "member@a.example")
    assert client.get("/items/new").status_code == 403
    assert client.post("/items/new", data=FORM).status_code == 403
    assert count(Item) == 0


def test_caretaker_lists_an_item_with_a_photo(client, setup, web_app):
    login(client, "caretaker@a.example")
    form_page = client.get("/items/new").get_data(as_text=True)
    assert 'name="photos"' in form_page and 'accept="image/jpeg' in form_page
    data = dict(FORM, publish="1", photos=(io.BytesIO(jpeg_bytes(gps=True)), "IMG_0001.JPG"))
    response = client.post("/items/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    fresh()
    item = db.session.scalar(select(Item))
    assert item.status == ItemStatus.PUBLISHED and item.quantity == 24 and item.unit == setup.depot_a
    assert len(item.photos) == 1
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "Stablestoler, grå" in page and f"/photos/{item.photos[0].id}/large.jpg" in page
    photo = client.get(f"/photos/{item.photos[0].id}/large.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert photo.headers["Cache-Control"] == "private, max-age=31536000, immutable"  # named by its content's hash
    assert b"PhoneMaker" not in photo.data and b"Exif" not in photo.data[:200]


def test_form_errors_keep_the_photos_and_the_input(client, setup):
    login(client, "caretaker@a.example")
    bad = dict(FORM, quantity="mange", title="", photos=(io.BytesIO(jpeg_bytes()), "chair.jpg"))
    response = client.post("/items/new", data=bad, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="quantity-error"' in html and 'id="title-error"' in html and 'value="mange"' in html
    assert count(Item) == 0 and count(Photo) == 1
    pending = db.session.scalar(select(Photo))
    assert f'name="photo_ids" value="{pending.id}"' in html
    fixed = dict(FORM, publish="1", photo_ids=str(pending.id), **{f"alt-{pending.id}": "Grå stablestoler"})
    assert client.post("/items/new", data=fixed).status_code == 303
    fresh()
    item = db.session.scalar(select(Item))
    assert [photo.id for photo in item.photos] == [pending.id] and item.photos[0].alt_text == "Grå stablestoler"


def test_hostile_upload_is_refused_and_leaves_nothing(client, setup, web_app):
    login(client, "caretaker@a.example")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    data = dict(FORM, publish="1", photos=(io.BytesIO(svg), "photo.jpg"))
    response = client.post("/items/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "photo.jpg" in response.get_data(as_text=True)
    assert count(Item) == 0 and count(Photo) == 0
    uploads = web_app.config["UPLOAD_DIR"]
    import os

    assert not os.path.exists(uploads) or not any(files for _, _, files in os.walk(uploads))


def test_someone_elses_pending_photo_cannot_be_claimed(client, setup, web_app):
    other = web_app.test_client()
    login(other, "admin@a.example")
    other.post("/items/new", data=dict(FORM, title="", photos=(io.BytesIO(jpeg_bytes()), "a.jpg")),
               content_type="multipart/form-data")
    fresh()
    stolen = db.session.scalar(select(Photo.id))
    assert other.get(f"/photos/{stolen}/thumb.jpg").status_code == 200
    login(client, "caretaker@a.example")
    assert client.get(f"/photos/{stolen}/thumb.jpg").status_code == 404
    client.post("/items/new", data=dict(FORM, publish="1", photo_ids=str(stolen)))
    fresh()
    item = db.session.scalar(select(Item))
    assert item.photos == []


def test_edit_reorder_and_remove_photos(client, setup):
    login(client, "caretaker@a.example")
    client.post("/items/new", data=dict(FORM, publish="1", photos=[(io.BytesIO(jpeg_bytes(colour=(1, 2, 3))), "1.jpg"),
                                                                   (io.BytesIO(jpeg_bytes(colour=(200, 2, 3))), "2.jpg")]),
                content_type="multipart/form-data")
    fresh()
    item = db.session.scalar(select(Item))
    first, second = [photo.id for photo in item.photos]
    assert client.post(f"/items/{item.id}/photos/{second}/earlier").status_code == 303
    fresh()
    assert [photo.id for photo in db.session.get(Item, item.id).photos] == [second, first]
    client.post(f"/items/{item.id}/photos/{first}/remove")
    fresh()
    assert [photo.id for photo in db.session.get(Item, item.id).photos] == [second]
    edit = client.post(f"/items/{item.id}/edit", data=dict(FORM, title="Stablestoler, blå", quantity="20"))
    assert edit.status_code == 303
    fresh()
    assert db.session.get(Item, item.id).title == "Stablestoler, blå"


def test_other_municipality_cannot_edit_withdraw_or_delete(client, setup, web_app):
    item = make_item(setup.caretaker_a, now=utcnow() - timedelta(days=5))
    draft = make_item(setup.caretaker_a, publish=False)
    db.session.commit()
    login(client, "caretaker@b.example")
    assert client.get(f"/items/{item.id}").status_code == 200  # shared with the network by now
    assert client.get(f"/items/{item.id}/edit").status_code == 403
    assert client.post(f"/items/{item.id}/edit", data=dict(FORM, title="Mine now")).status_code == 403
    assert client.post(f"/items/{item.id}/withdraw").status_code == 403
    assert client.post(f"/items/{draft.id}/delete").status_code == 404
    assert client.get(f"/items/{draft.id}/edit").status_code == 404
    outsider = web_app.test_client()
    login(outsider, "member@c.example")
    assert outsider.get(f"/items/{item.id}").status_code == 404
    assert outsider.post(f"/items/{item.id}/withdraw").status_code == 404
    fresh()
    assert db.session.get(Item, item.id).status == ItemStatus.PUBLISHED
    assert db.session.get(Item, draft.id).title == "Kontorstoler, grå"


def test_status_changes_through_the_page(client, setup):
    item = make_item(setup.caretaker_a, publish=False)
    db.session.commit()
    login(client, "caretaker@a.example")
    assert client.post(f"/items/{item.id}/publish").status_code == 303
    assert client.post(f"/items/{item.id}/publish").status_code == 409  # already published
    assert client.post(f"/items/{item.id}/withdraw").status_code == 303
    fresh()
    assert db.session.get(Item, item.id).status == ItemStatus.WITHDRAWN


def test_photo_urls_follow_the_item_visibility(client, setup, web_app):
    login(client, "caretaker@a.example")
    client.post("/items/new", data=dict(FORM, publish="1", photos=(io.BytesIO(jpeg_bytes()), "1.jpg")),
                content_type="multipart/form-data")
    fresh()
    photo_id = db.session.scalar(select(Photo.id))
    neighbour = web_app.test_client()
    login(neighbour, "member@b.example")
    assert neighbour.get(f"/photos/{photo_id}/thumb.jpg").status_code == 404  # before the share days
    fresh()
    item = db.session.scalar(select(Item))
    item.network_visible_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert neighbour.get(f"/photos/{photo_id}/thumb.jpg").status_code == 200
    assert web_app.test_client().get(f"/photos/{photo_id}/thumb.jpg").status_code == 302  # anonymous → login
    assert neighbour.get("/photos/999999/thumb.jpg").status_code == 404


def test_label_view_has_a_qr_code(client, setup):
    item = make_item(setup.caretaker_a)
    db.session.commit()
    login(client, "caretaker@a.example")
    html = client.get(f"/items/{item.id}/label").get_data(as_text=True)
    assert "<svg" in html and f"/i/{item.id}" in html


def test_erasure_flow_through_the_page(client, setup):
    laptop = make_item(setup.caretaker_a, slug="laptop", quantity=Decimal(3))
    db.session.commit()
    login(client, "caretaker@a.example")
    assert f'href="/items/{laptop.id}/erasure"' in client.get(f"/items/{laptop.id}").get_data(as_text=True)
    bad = client.post(f"/items/{laptop.id}/erasure", data={"certificate": (io.BytesIO(b"nope"), "x.pdf")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400
    good = client.post(f"/items/{laptop.id}/erasure",
                       data={"certificate": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "cert.pdf")},
                       content_type="multipart/form-data")
    assert good.status_code == 303
    certificate = client.get(f"/items/{laptop.id}/erasure-certificate")
    assert certificate.status_code == 200 and certificate.data.startswith(b"%PDF")


def test_browse_and_our_listings(client, setup, web_app):
    make_item(setup.caretaker_a, title="Synlig stol")
    make_item(setup.caretaker_a, title="Kladd", publish=False)
    db.session.commit()
    login(client, "member@a.example")
    browse = client.get("/items").get_data(as_text=True)
    assert "Synlig stol" in browse and "Kladd" not in browse
    assert client.get("/items/ours").status_code == 403
    caretaker = web_app.test_client()
    login(caretaker, "caretaker@a.example")
    assert "Kladd" in caretaker.get("/items/ours?status=draft").get_data(as_text=True)
    assert "Kladd" not in caretaker.get("/items/ours?status=published").get_data(as_text=True)
    assert client.get("/items?page=999999999").status_code == 200
    assert client.get("/items?page=abc").status_code == 200


def test_method_page_is_public_and_lists_sources(client, setup):
    html = client.get("/how-we-calculate").get_data(as_text=True)
    assert "Boavizta" in html and "2026.1" in html


def _failing_writes(code: int, on_call: int = 1):
    """A write_atomically that fails from its ``on_call``-th call on, as a read-only (EROFS) or full (ENOSPC)
    file system does; root in a test container would pass a mere chmod."""
    calls = []

    def write(target, content):
        calls.append(target)
        if len(calls) >= on_call:
            raise OSError(code, os.strerror(code), str(target))
        storage.write_atomically(target, content)

    return write


def _stored_files(web_app) -> list:
    return [path for path in Path(web_app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()]


@pytest.mark.parametrize("code, on_call", [(errno.EROFS, 1), (errno.ENOSPC, 2)], ids=["read-only", "full"])
def test_an_unwritable_upload_directory_keeps_the_form(client, setup, web_app, monkeypatch, code, on_call):
    login(client, "caretaker@a.example")
    monkeypatch.setattr(photo_files, "write_atomically", _failing_writes(code, on_call))
    data = dict(FORM, publish="1", photos=[(io.BytesIO(jpeg_bytes()), "1.jpg"),
                                            (io.BytesIO(jpeg_bytes(colour=(1, 2, 3))), "2.jpg")])
    response = client.post("/items/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "lager er fullt eller skrivebeskyttet" in html and "velg dem på nytt" in html  # bokmål by default
    assert 'value="Stablestoler, grå"' in html and "Fra kantina." in html and 'value="Hovedbygget"' in html
    assert 'value="stackable_chair" selected' in html or 'selected value="stackable_chair"' in html
    assert count(Item) == 0 and count(Photo) == 0 and _stored_files(web_app) == []
    monkeypatch.undo()  # the disk has room again: the same form goes through
    assert client.post("/items/new", data=dict(FORM, publish="1")).status_code == 303
