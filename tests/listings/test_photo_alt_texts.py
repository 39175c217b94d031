"""The listing form's photo input is labelled, and alt texts can be written before publishing (issue 18, item 8)."""

import io
from collections import Counter
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from marketplace.db import db
from marketplace.listings.models import Item
from tests.conftest import fresh, login
from tests.factories import jpeg_bytes, make_item
from tests.listings.test_views import FORM


@pytest.fixture
def setup(region, catalogue):
    return region


class _Controls(HTMLParser):
    """Every id, every label's for, and every control that needs a label (not hidden, not a button)."""

    def __init__(self):
        super().__init__()
        self.ids, self.label_for, self.controls, self.wrapped = [], set(), [], 0
        self._open_labels = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label":
            self._open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit", "button"):
            labelled = bool(attrs.get("aria-label") or attrs.get("aria-labelledby")) or self._open_labels > 0
            self.controls.append((attrs.get("name"), attrs.get("id"), labelled))

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_labels -= 1


def _controls(html: str) -> _Controls:
    parser = _Controls()
    parser.feed(html)
    return parser


def _assert_ids_unique_and_inputs_labelled(html: str) -> None:
    parsed = _controls(html)
    duplicates = [name for name, times in Counter(parsed.ids).items() if times > 1]
    assert not duplicates, f"ids used more than once: {duplicates}"
    unlabelled = [name for name, control_id, labelled in parsed.controls
                  if not labelled and control_id not in parsed.label_for]
    assert not unlabelled, f"controls without a label: {unlabelled}"


def test_the_new_listing_form_has_unique_ids_and_labelled_inputs(client, setup):
    login(client, "caretaker@a.example")
    html = client.get("/items/new").get_data(as_text=True)
    _assert_ids_unique_and_inputs_labelled(html)
    assert '<label class="field__label" for="photos">' in html and 'id="photos"' in html
    assert 'name="new_photo_alt"' in html and "/static/js/photo-alts." in html


def test_the_edit_form_with_photos_has_unique_ids_and_labelled_inputs(client, setup):
    item = make_item(setup.caretaker_a, "office_chair")
    db.session.commit()
    login(client, "caretaker@a.example")
    client.post(f"/items/{item.id}/edit", data=dict(FORM, photos=(io.BytesIO(jpeg_bytes()), "a.jpg")),
                content_type="multipart/form-data")
    html = client.get(f"/items/{item.id}/edit").get_data(as_text=True)
    assert 'id="photo-section"' in html and "/photos/" in html
    _assert_ids_unique_and_inputs_labelled(html)


def test_one_alt_text_per_chosen_photo_is_stored_when_publishing(client, setup):
    login(client, "caretaker@a.example")
    data = dict(FORM, publish="1",
                photos=[(io.BytesIO(jpeg_bytes(colour=(1, 2, 3))), "1.jpg"),
                        (io.BytesIO(jpeg_bytes(colour=(200, 2, 3))), "2.jpg")],
                new_photo_alt=["Grå stablestoler forfra", "Stolene stablet i hjørnet"])
    response = client.post("/items/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    fresh()
    item = db.session.scalar(select(Item))
    assert [photo.alt_text for photo in item.photos] == ["Grå stablestoler forfra", "Stolene stablet i hjørnet"]
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert 'alt="Grå stablestoler forfra"' in page


def test_without_the_script_one_alt_text_applies_to_every_new_photo(client, setup):
    login(client, "caretaker@a.example")
    data = dict(FORM, draft="1",
                photos=[(io.BytesIO(jpeg_bytes(colour=(1, 2, 3))), "1.jpg"),
                        (io.BytesIO(jpeg_bytes(colour=(200, 2, 3))), "2.jpg")],
                new_photo_alt="Grå stablestoler")
    assert client.post("/items/new", data=data, content_type="multipart/form-data").status_code == 303
    fresh()
    assert [photo.alt_text for photo in db.session.scalar(select(Item)).photos] == ["Grå stablestoler"] * 2


def test_alt_texts_survive_a_form_error_and_a_new_photo_on_edit_gets_its_own(client, setup):
    login(client, "caretaker@a.example")
    bad = dict(FORM, title="", publish="1", photos=(io.BytesIO(jpeg_bytes()), "1.jpg"), new_photo_alt="Stol forfra")
    response = client.post("/items/new", data=bad, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Stol forfra"' in html  # the pending photo's own field, to correct before publishing
    _assert_ids_unique_and_inputs_labelled(html)
    item = make_item(setup.caretaker_a, "office_chair")
    db.session.commit()
    client.post(f"/items/{item.id}/edit", content_type="multipart/form-data",
                data=dict(FORM, photos=(io.BytesIO(jpeg_bytes(colour=(9, 9, 9))), "b.jpg"), new_photo_alt="Ny stol"))
    fresh()
    assert [photo.alt_text for photo in db.session.get(Item, item.id).photos] == ["Ny stol"]


def test_an_overlong_alt_text_is_a_form_error_and_lists_nothing(client, setup):
    login(client, "caretaker@a.example")
    data = dict(FORM, draft="1", photos=(io.BytesIO(jpeg_bytes()), "1.jpg"), new_photo_alt="x" * 400)
    response = client.post("/items/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and 'id="new_photo_alt-error"' in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(Item)) is None
