"""The demo listings' photos, drawn with Pillow."""

import io

from PIL import Image

from marketplace.devdata import demo, photos


def test_demo_photos_are_drawn_the_same_every_time():
    first = photos.render("laptop", group="ict", colour="sølv", seed="dulten|PC-er", view=1)
    assert first == photos.render("laptop", group="ict", colour="sølv", seed="dulten|PC-er", view=1)
    assert first != photos.render("laptop", group="ict", colour="sølv", seed="nordvik|PC-er", view=1)
    for slug in {listing.category for listing in demo.LISTINGS} | {"unknown"}:
        with Image.open(io.BytesIO(photos.render(slug, view=2))) as image:
            assert (image.format, image.size) == ("JPEG", (1200, 900))
