"""Illustrative photos for the demo listings, drawn with Pillow (no downloads, no stock images).

``render(slug, colour=..., seed=..., view=...)`` returns a 1200×900 JPEG: a simple, friendly drawing of the
category's typical object (a chair, a desk, a laptop, a heap of sand …) in a room, on a desk or outdoors,
coloured after the listing's colour where one is given. The same arguments always give the same bytes, so
reloading the demo is reproducible.

The drawings themselves are in ``shapes``, on the centimetre canvas of ``canvas``; this module sets the scene
(a room, a desk top or a depot yard) and places one or several of them in it.
"""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, ImageDraw

from marketplace.devdata.canvas import RGB, Canvas, colour_for, mix, shade
from marketplace.devdata.shapes import shape_for

WIDTH, HEIGHT = 1200, 900
JPEG_QUALITY = 85
VIEWS = ("front", "several", "close")  # a photo set shows these in turn
WALLS = [(238, 231, 218), (222, 233, 237), (231, 237, 225), (241, 229, 222), (229, 229, 236), (236, 236, 230)]
FLOORS = [(196, 160, 120), (160, 168, 176), (178, 176, 168), (168, 132, 98), (140, 150, 140)]
DESKS = [(206, 176, 136), (228, 226, 220), (184, 150, 112)]


# --- Composition ------------------------------------------------------------------------------------------

def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    """A vertical gradient: computed one pixel wide (a lookup table per band), then stretched sideways."""
    width, height = size
    ramp = Image.linear_gradient("L").resize((1, height), Image.Resampling.BILINEAR)
    bands = [ramp.point([round(a + (b - a) * value / 255) for value in range(256)])
             for a, b in zip(top, bottom, strict=True)]
    return Image.merge("RGB", bands).resize(size, Image.Resampling.NEAREST)


def _background(setting: str, rng: random.Random) -> tuple[Image.Image, int]:
    """The scene and the y of the surface things stand on."""
    image = Image.new("RGB", (WIDTH, HEIGHT))
    if setting == "outdoor":
        horizon = rng.randint(470, 540)
        sky = rng.choice([(150, 196, 232), (170, 200, 226), (196, 210, 222)])
        image.paste(_gradient((WIDTH, horizon), sky, shade(sky, 1.55)), (0, 0))
        draw = ImageDraw.Draw(image)
        shed = rng.choice([(160, 64, 52), (196, 170, 120), (120, 130, 140)])
        x0 = rng.randint(-100, 700)
        draw.rectangle([x0, horizon - 190, x0 + 520, horizon], fill=shed)  # a depot shed behind
        draw.polygon([(x0 - 20, horizon - 190), (x0 + 260, horizon - 260), (x0 + 540, horizon - 190)],
                     fill=shade(shed, 0.6))
        for door in range(2):
            dx = x0 + 60 + door * 240
            draw.rectangle([dx, horizon - 140, dx + 170, horizon], fill=shade(shed, 0.82))
            for y in range(horizon - 130, horizon, 18):
                draw.line([dx, y, dx + 170, y], fill=shade(shed, 0.7), width=2)
        for tree in range(rng.randint(2, 4)):
            tx = rng.randint(0, WIDTH)
            if x0 - 40 < tx < x0 + 560:
                continue
            draw.polygon([(tx - 70, horizon), (tx, horizon - rng.randint(200, 300)), (tx + 70, horizon)],
                         fill=rng.choice([(54, 96, 70), (62, 110, 76)]))
        ground = rng.choice([(132, 134, 136), (158, 150, 136)])
        image.paste(_gradient((WIDTH, HEIGHT - horizon), shade(ground, 1.15), shade(ground, 0.9)),
                    (0, horizon))
        return image, horizon + 260
    wall = rng.choice(WALLS)
    if setting == "desk":
        surface = rng.randint(540, 600)
        image.paste(_gradient((WIDTH, surface), shade(wall, 1.2), shade(wall, 0.93)), (0, 0))
        desk = rng.choice(DESKS)
        image.paste(_gradient((WIDTH, HEIGHT - surface), desk, shade(desk, 0.8)), (0, surface))
        draw = ImageDraw.Draw(image)
        draw.rectangle([0, surface, WIDTH, surface + 10], fill=shade(desk, 1.12))
        if rng.random() < 0.6:  # a window in the wall behind
            wx = rng.choice([80, 760])
            draw.rectangle([wx, 70, wx + 340, 380], fill=(246, 246, 242))
            draw.rectangle([wx + 14, 84, wx + 326, 366], fill=(188, 214, 236))
            draw.line([wx + 170, 84, wx + 170, 366], fill=(246, 246, 242), width=10)
        return image, surface + 150
    floor = rng.randint(640, 700)
    image.paste(_gradient((WIDTH, floor), shade(wall, 1.25), shade(wall, 0.92)), (0, 0))
    ground = rng.choice(FLOORS)
    image.paste(_gradient((WIDTH, HEIGHT - floor), shade(ground, 0.92), shade(ground, 1.1)), (0, floor))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, floor - 18, WIDTH, floor], fill=shade(wall, 0.8))  # skirting
    for y in range(floor + 40, HEIGHT, 55):  # floor boards or tiles
        draw.line([0, y, WIDTH, y], fill=shade(ground, 0.9), width=2)
    return image, floor + 120


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def render(slug: str, *, group: str = "furniture", colour: str = "", seed: object = "", view: int = 0,
           several: bool = True) -> bytes:
    """A 1200×900 JPEG illustrating an item of category ``slug``.

    ``view`` 0 shows one object from the front, 1 shows several (or one from another side when ``several``
    is false), 2 a close-up. ``colour`` is the listing's colour text; ``seed`` makes each item's pictures
    its own and the same every time.
    """
    rng = random.Random(_seed(slug, colour, seed, view))
    shape = shape_for(slug, group)
    fill = colour_for(colour, slug, group)
    image, ground = _background(shape.setting, rng)
    draw = ImageDraw.Draw(image)
    view = view % len(VIEWS)
    kind = VIEWS[view]

    floor = ground - rng.randint(0, 40) - (60 if kind == "close" else 0)
    fit = 1.0 if kind != "close" else 1.6
    scale = min(WIDTH * 0.62 * fit / shape.width, (floor - 70) * 0.8 * fit / shape.height)
    scale *= rng.uniform(0.9, 1.0)
    if shape.setting == "outdoor":
        scale = min(scale, WIDTH * 0.78 / shape.width)
    copies = [(0.0, 1.0)]
    if kind == "several" and several:
        # (offset from the centre, size): the ones further back first
        if shape.width < 120:
            copies = [(-0.42, 0.82), (0.42, 0.82), (0.0, 1.0)]
        else:
            copies = [(-0.3, 0.86), (0.0, 1.0)]
        scale *= 0.78
    mirror = kind == "several" and not several
    centre = WIDTH / 2 + (rng.uniform(-60, 60) if kind != "close" else WIDTH * 0.12)
    for offset, factor in copies:
        size = scale * factor
        width, height = shape.width * size, shape.height * size
        left = centre + offset * WIDTH * 0.55 - width / 2
        base = floor - (1 - factor) * 260  # further back stands higher up
        under = image.getpixel((int(min(max(centre, 0), WIDTH - 1)), min(int(base) + 2, HEIGHT - 1)))
        draw.ellipse([left - width * 0.04, base - height * 0.035 - 6, left + width * 1.04,
                      base + height * 0.035 + 6], fill=mix((0, 0, 0), under, 0.78))  # its shadow
        canvas = Canvas(draw, left, base, size, mirror=mirror, width=shape.width)
        shape.draw(canvas, fill, random.Random(rng.random()))

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()

