"""Items through the API: the same services as the pages, strict bodies, tenants kept apart."""

import errno
import io
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from marketplace import storage
from marketplace.db import db
from marketplace.listings import photos as photo_files
from marketplace.listings.models import Item, ItemStatus, Photo
from tests.api.conftest import error_code, fields
from tests.conftest import fresh
from tests.factories import jpeg_bytes, make_item

BODY = {"title": "Stablestoler, grå", "category": "stackable_chair", "condition": "good", "quantity": 24,
        "description": "Fra kantina.", "building": "Hovedbygget", "room": "101"}


@pytest.fixture
def items(setup):
    """A's chairs and B's tables, published long enough ago for the network; A's draft desk; C's sofa."""
    setup.chairs = make_item(setup.caretaker_a, "office_chair", quantity=Decimal(10), now=setup.long_ago,
                             title="Kontorstoler, grå")
    setup.tables = make_item(setup.caretaker_b, "desk", quantity=Decimal(4), now=setup.long_ago,
                             title="Skrivebord")
    setup.draft = make_item(setup.caretaker_a, "desk", publish=False, title="Kladd: pult")
    setup.sofa = make_item(_caretaker_c(setup), "sofa", quantity=Decimal(1),
                           now=setup.long_ago, title="Sofa")
    db.session.commit()
    return setup


def _caretaker_c(setup):
    from marketplace.accounts.models import Role
    from tests.factories import make_user

    return make_user("caretaker@c.example", Role.CARETAKER, setup.c, setup.school_c)


def snapshot(item_id):
    fresh()
    item = db.session.get(Item, item_id)
    return (item.title, item.status, item.quantity, item.quantity_available, item.municipality_id, item.updated_at)


def item_count():
    fresh()
    return db.session.scalar(select(func.count(Item.id)))


# --- Listing and searching ------------------------------------------------------------------------------

def test_list_shows_what_the_caller_may_see_with_total_and_pages(api, items):
    mine = api.get("/items", "member_a").get_json()
    assert {item["title"] for item in mine["items"]} == {"Kontorstoler, grå", "Skrivebord"}
    assert mine["total"] == 2 and mine["page"] == 1 and mine["per_page"] == 20
    other_network = api.get("/items", "member_c").get_json()
    assert [item["title"] for item in other_network["items"]] == ["Sofa"]
    second = api.get("/items?per_page=1&page=2", "member_a").get_json()
    assert second["total"] == 2 and len(second["items"]) == 1 and second["page"] == 2
    chair = next(item for item in mine["items"] if item["title"] == "Kontorstoler, grå")
    assert chair["quantity"] == "10" and chair["quantity_available"] == "10" and chair["unit"] == "piece"
    assert chair["municipality"] == {"slug": "kommune-a", "name": "A kommune"} and chair["status"] == "published"
    assert chair["unit_name"] == "A depot" and chair["photos"] == [] and chair["category"] == "office_chair"
    assert chair["created_at"].endswith("Z") and chair["can_manage"] is False


def test_list_filters_and_search(api, items):
    def titles(query):
        response = api.get(f"/items?{query}", "member_a")
        assert response.status_code == 200, response.get_json()
        return [item["title"] for item in response.get_json()["items"]]

    assert titles("q=stol") == ["Kontorstoler, grå"]
    assert titles("category=desk") == ["Skrivebord"]
    assert titles("municipality=kommune-b") == ["Skrivebord"]
    assert sorted(titles("category=desk&category=office_chair")) == ["Kontorstoler, grå", "Skrivebord"]
    assert titles("condition=worn") == []
    assert len(titles("group=furniture")) == 2
    assert titles("sort=quantity")[0] == "Kontorstoler, grå"


BAD_QUERIES = [("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"), ("page=x", "page"),
               ("condition=broken", "condition.0"), ("group=food", "group"), ("q=" + "x" * 201, "q")]


def test_bad_query_parameters_get_400_with_the_field(api, items):
    for query, field in BAD_QUERIES:
        response = api.get(f"/items?{query}", "member_a")
        assert response.status_code == 400 and error_code(response) == "invalid_query", query
        assert field in fields(response), query


# --- One item -------------------------------------------------------------------------------------------

def test_get_one_item_with_etag_and_304(api, items):
    response = api.get(f"/items/{items.chairs.id}", "member_b")
    assert response.status_code == 200 and response.get_json()["id"] == items.chairs.id
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"] == "private, no-cache"
    same = api.get(f"/items/{items.chairs.id}", "member_b", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    assert api.patch(f"/items/{items.chairs.id}", "caretaker_a", json={"title": "Nye stoler"}).status_code == 200
    changed = api.get(f"/items/{items.chairs.id}", "member_b", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["title"] == "Nye stoler"


def test_what_the_caller_cannot_see_is_404(api, items):
    assert api.get(f"/items/{items.chairs.id}", "member_c").status_code == 404  # another network
    assert api.get(f"/items/{items.draft.id}", "member_b").status_code == 404  # A's draft
    assert api.get(f"/items/{items.draft.id}", "member_a").status_code == 404  # a member sees no drafts
    assert api.get(f"/items/{items.draft.id}", "caretaker_a").status_code == 200
    assert api.get("/items/999999", "member_a").status_code == 404
    huge = api.get("/items/99999999999999999999", "member_a")
    assert huge.status_code == 404 and error_code(huge) == "not_found"


# --- Creating -------------------------------------------------------------------------------------------

def test_caretaker_creates_published_by_default_or_a_draft(api, items):
    response = api.post("/items", "caretaker_a", json=BODY)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["status"] == "published" and created["quantity"] == "24" and created["unit_name"] == "A depot"
    assert created["municipality"]["slug"] == "kommune-a" and created["can_manage"] is True
    assert response.headers["Location"].endswith(f"/api/v1/items/{created['id']}")
    draft = api.post("/items", "caretaker_a", json=BODY | {"status": "draft", "unit_id": items.school_a.id,
                                                           "quantity": "2"})
    assert draft.status_code == 201 and draft.get_json()["status"] == "draft"
    assert draft.get_json()["unit_name"] == "A skole"
    fresh()
    assert db.session.get(Item, draft.get_json()["id"]).status == ItemStatus.DRAFT


def test_member_may_not_list_items(api, items):
    before = item_count()
    response = api.post("/items", "member_a", json=BODY)
    assert response.status_code == 403 and error_code(response) == "forbidden"
    assert item_count() == before


BAD_BODIES = [
    ({"municipality_id": 2}, "municipality_id"),
    ({"quantity_available": 1000}, "quantity_available"),
    ({"status": "completed"}, "status"),
    ({"created_by_id": 1}, "created_by_id"),
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"title": "x" * 141}, "title"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": "many"}, "quantity"),
    ({"quantity": "NaN"}, "quantity"),
    ({"quantity": 2.5}, "quantity"),  # chairs come in whole pieces (the service's rule)
    ({"quantity": "1.0001"}, "quantity"),
    ({"quantity": "１"}, "quantity"),  # full-width and Arabic-Indic digits are not numbers here
    ({"quantity": "١٢"}, "quantity"),
    ({"quantity": "1e3"}, "quantity"),
    ({"quantity": "99999999999999999999"}, "quantity"),
    ({"category": "spaceship"}, "category"),
    ({"condition": "broken"}, "condition"),
    ({"description": "a\u0000b"}, "description"),
    ({"building": "x" * 121}, "building"),
    ({"available_from": "2026-13-01"}, "available_from"),
    ({"kgco2e_new": "12.5"}, "figures_source"),  # own figures need a source (the service's rule)
    ({"available_from": "2026-06-10", "advertise_until": "2026-06-01"}, "advertise_until"),
]


def test_bad_bodies_get_422_with_the_field_and_create_nothing(api, items):
    before = item_count()
    for change, field in BAD_BODIES:
        response = api.post("/items", "caretaker_a", json=BODY | change)
        assert response.status_code == 422, (change, response.get_json())
        assert error_code(response) == "validation_failed" and field in fields(response), (change, fields(response))
    assert item_count() == before


def test_missing_fields_and_wrong_media_types(api, items):
    before = item_count()
    missing = api.post("/items", "caretaker_a", json={"title": "Stol"})
    assert missing.status_code == 422 and {"category", "condition", "quantity"} <= set(fields(missing))
    form = api.post("/items", "caretaker_a", data=BODY)
    assert form.status_code == 415 and error_code(form) == "unsupported_media_type"
    broken = api.post("/items", "caretaker_a", data='{"title": ', content_type="application/json")
    assert broken.status_code == 400 and error_code(broken) == "invalid_json"
    deep = api.post("/items", "caretaker_a", data="[" * 100000, content_type="application/json")
    assert deep.status_code == 400
    array = api.post("/items", "caretaker_a", json=[BODY])
    assert array.status_code == 422
    assert item_count() == before


def test_a_unit_of_another_municipality_is_refused(api, items):
    response = api.post("/items", "caretaker_a", json=BODY | {"unit_id": items.school_b.id})
    assert response.status_code == 422 and "unit_id" in fields(response)
    unknown = api.post("/items", "caretaker_a", json=BODY | {"unit_id": 2**31 - 1})
    assert unknown.status_code == 422 and "unit_id" in fields(unknown)


# --- Changing -------------------------------------------------------------------------------------------

def test_patch_changes_only_the_fields_sent(api, items):
    response = api.patch(f"/items/{items.chairs.id}", "caretaker_a",
                         json={"quantity": "12", "description": "Litt slitt", "available_from": "2026-12-01"})
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["quantity"] == "12" and changed["quantity_available"] == "12"
    assert changed["title"] == "Kontorstoler, grå" and changed["description"] == "Litt slitt"
    assert changed["available_from"] == "2026-12-01" and changed["category"] == "office_chair"
    cleared = api.patch(f"/items/{items.chairs.id}", "caretaker_a", json={"available_from": None})
    assert cleared.get_json()["available_from"] is None


def test_patch_never_mass_assigns(api, items):
    before = snapshot(items.chairs.id)
    for change in ({"status": "withdrawn"}, {"quantity_available": 1}, {"municipality_id": items.b.id},
                   {"created_by_id": items.caretaker_b.id}, {"title": None}, {"quantity": -1},
                   {"title": "Ny", "status": "published"}):
        response = api.patch(f"/items/{items.chairs.id}", "caretaker_a", json=change)
        assert response.status_code == 422 and error_code(response) == "validation_failed", change
    assert snapshot(items.chairs.id) == before


def test_patch_cannot_go_below_what_is_reserved(api, items):
    assert api.post(f"/items/{items.chairs.id}/reservations", "member_a", json={"quantity": 6}).status_code == 201
    response = api.patch(f"/items/{items.chairs.id}", "caretaker_a", json={"quantity": 5})
    assert response.status_code == 422 and "quantity" in fields(response)


def test_other_municipalities_cannot_change_an_item(api, items):
    before = snapshot(items.chairs.id)
    # B sees A's shared item, but may not change it (403); C cannot even see it (404).
    assert api.patch(f"/items/{items.chairs.id}", "caretaker_b", json={"title": "Mine"}).status_code == 403
    assert api.patch(f"/items/{items.chairs.id}", "member_c", json={"title": "Mine"}).status_code == 404
    assert api.post(f"/items/{items.chairs.id}/withdraw", "caretaker_b").status_code == 403
    assert api.delete(f"/items/{items.draft.id}", "caretaker_b").status_code == 404
    assert api.post(f"/items/{items.draft.id}/publish", "caretaker_b").status_code == 404
    assert api.patch(f"/items/{items.draft.id}", "caretaker_b", json={"title": "Mine"}).status_code == 404
    assert api.patch(f"/items/{items.chairs.id}", "member_a", json={"title": "Mine"}).status_code == 403
    assert snapshot(items.chairs.id) == before
    assert snapshot(items.draft.id)[1] == ItemStatus.DRAFT


def test_publish_withdraw_and_delete(api, items):
    published = api.post(f"/items/{items.draft.id}/publish", "caretaker_a")
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    again = api.post(f"/items/{items.draft.id}/publish", "caretaker_a")
    assert again.status_code == 409 and error_code(again) == "conflict"
    assert api.delete(f"/items/{items.draft.id}", "caretaker_a").status_code == 409  # not a draft any more
    withdrawn = api.post(f"/items/{items.draft.id}/withdraw", "caretaker_a")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert api.post(f"/items/{items.draft.id}/withdraw", "caretaker_a").status_code == 409
    fresh_draft = api.post("/items", "caretaker_a", json=BODY | {"status": "draft"}).get_json()
    deleted = api.delete(f"/items/{fresh_draft['id']}", "caretaker_a")
    assert deleted.status_code == 204 and deleted.data == b""
    assert api.get(f"/items/{fresh_draft['id']}", "caretaker_a").status_code == 404


# --- Photos ---------------------------------------------------------------------------------------------

def test_photos_upload_fetch_and_remove(api, items):
    upload = api.post(f"/items/{items.chairs.id}/photos", "caretaker_a",
                      data={"file": (io.BytesIO(jpeg_bytes(gps=True)), "IMG_1.JPG"), "alt_text": "Grå stoler"},
                      content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_json()
    photo = upload.get_json()
    assert photo["alt_text"] == "Grå stoler" and photo["width"] == 800
    item = api.get(f"/items/{items.chairs.id}", "member_b").get_json()
    assert [each["id"] for each in item["photos"]] == [photo["id"]]
    large = api.get(urlsplit(photo["url"]).path, "member_b")
    assert large.status_code == 200 and large.mimetype == "image/jpeg" and b"PhoneMaker" not in large.data
    thumb = api.get(urlsplit(item["photos"][0]["thumbnail_url"]).path, "member_b")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert api.get(urlsplit(photo["url"]).path, "member_c").status_code == 404
    assert api.delete(f"/items/{items.tables.id}/photos/{photo['id']}", "caretaker_b").status_code == 404
    assert api.delete(f"/items/{items.chairs.id}/photos/{photo['id']}", "caretaker_b").status_code == 403
    assert api.delete(f"/items/{items.chairs.id}/photos/{photo['id']}", "caretaker_a").status_code == 204
    fresh()
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_bad_photo_uploads(api, items):
    url = f"/items/{items.chairs.id}/photos"
    svg = api.post(url, "caretaker_a", data={"file": (io.BytesIO(b"<svg/>"), "x.jpg")},
                   content_type="multipart/form-data")
    assert svg.status_code == 422 and error_code(svg) == "invalid_photo" and "file" in fields(svg)
    nothing = api.post(url, "caretaker_a", data={"other": "x"}, content_type="multipart/form-data")
    assert nothing.status_code == 422 and "file" in fields(nothing)
    as_json = api.post(url, "caretaker_a", json={"file": "aGVq"})
    assert as_json.status_code == 415
    assert api.post(f"/items/{items.sofa.id}/photos", "caretaker_a",
                    data={"file": (io.BytesIO(jpeg_bytes()), "x.jpg")},
                    content_type="multipart/form-data").status_code == 404
    fresh()
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_too_large_upload_is_413_json(make_app, setup, items):
    from tests.api.conftest import Api

    api = Api(make_app(MAX_CONTENT_LENGTH=1000).test_client(), setup.secrets)
    response = api.post(f"/items/{items.chairs.id}/photos", "caretaker_a",
                        data={"file": (io.BytesIO(jpeg_bytes()), "x.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 413 and error_code(response) == "payload_too_large"


def _photo_files(app) -> list:
    return [path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()]


def test_photo_upload_to_an_unwritable_upload_directory_is_503_json(make_app, setup, items, tmp_path):
    from tests.api.conftest import Api

    blocker = tmp_path / "not-a-directory"
    blocker.write_bytes(b"")  # the upload directory cannot be made below a file, even by root
    app = make_app(UPLOAD_DIR=str(blocker / "uploads"))
    response = Api(app.test_client(), setup.secrets).post(
        f"/items/{items.chairs.id}/photos", "caretaker_a",
        data={"file": (io.BytesIO(jpeg_bytes()), "x.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 503 and error_code(response) == "storage_unavailable"
    assert response.headers["Retry-After"] == "300"
    assert "fullt eller skrivebeskyttet" in response.get_json()["error"]["message"]
    fresh()
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_a_disk_filling_up_between_the_variants_leaves_no_file_or_row(api, items, web_app, monkeypatch):
    calls = []

    def full_on_second_write(target, content):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        storage.write_atomically(target, content)

    monkeypatch.setattr(photo_files, "write_atomically", full_on_second_write)
    response = api.post(f"/items/{items.chairs.id}/photos", "caretaker_a",
                        data={"file": (io.BytesIO(jpeg_bytes()), "x.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 503 and error_code(response) == "storage_unavailable"
    assert len(calls) == 2 and _photo_files(web_app) == []  # the thumbnail written first was removed
    fresh()
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_a_photo_above_its_pixel_limit_is_422(api, items):
    from tests.listings.test_photos import png_bomb

    response = api.post(f"/items/{items.chairs.id}/photos", "caretaker_a",
                        data={"file": (io.BytesIO(png_bomb(7_000, 7_000)), "scan.png")},
                        content_type="multipart/form-data")
    assert response.status_code == 422 and error_code(response) == "invalid_photo"
    assert "30" in fields(response)["file"]


def test_share_with_the_network_now(api, setup):
    fresh_chairs = make_item(setup.caretaker_a, "stackable_chair", title="Stablestoler, nye")
    db.session.commit()
    path = f"/items/{fresh_chairs.id}/share-with-network"
    assert api.get(f"/items/{fresh_chairs.id}", "member_b").status_code == 404
    assert api.post(path, "member_b").status_code == 404  # not visible to B yet: nothing told
    assert api.post(path, "member_a").status_code == 403  # visible at home, but not theirs to manage
    shared = api.post(path, "caretaker_a")
    assert shared.status_code == 200 and shared.get_json()["id"] == fresh_chairs.id
    found = api.get("/items?q=stablestoler", "member_b").get_json()
    assert [item["id"] for item in found["items"]] == [fresh_chairs.id]
    again = api.post(path, "caretaker_a")
    assert again.status_code == 409 and error_code(again) == "conflict"
