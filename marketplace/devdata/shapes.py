"""What each category's typical object looks like in the demo photos: one drawing per category.

Each drawing knows its natural size in centimetres and where it stands ("room", on a "desk" or "outdoor"),
so the composition in ``photos`` can fit it in the frame. ``shape_for`` finds a category's drawing, or its
group's general one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from marketplace.devdata.canvas import COLOURS, DARK, METAL, RGB, Canvas, mix, shade


@dataclass(frozen=True)
class Shape:
    draw: Callable[[Canvas, RGB, random.Random], None]
    width: float  # cm
    height: float
    setting: str  # "room", "desk" (on a table top) or "outdoor"


SHAPES: dict[str, Shape] = {}


def _shape(*slugs: str, width: float, height: float, setting: str = "room"):
    def register(function):
        for slug in slugs:
            SHAPES[slug] = Shape(function, width, height, setting)
        return function
    return register


# --- Furniture ------------------------------------------------------------------------------------------

@_shape("stackable_chair", "pupil_chair", width=48, height=84)
def _chair(c: Canvas, colour: RGB, rng: random.Random) -> None:
    frame = METAL if sum(colour) > 200 else shade(METAL, 0.6)
    c.line([(6, 0), (9, 44)], shade(frame, 0.8), 2.2)  # back legs, behind
    c.line([(42, 0), (39, 44)], shade(frame, 0.8), 2.2)
    c.line([(9, 44), (11, 82)], frame, 2.4)
    c.line([(39, 44), (37, 82)], frame, 2.4)
    c.rect(9, 56, 39, 82, colour, outline=shade(colour, 0.75), width=0.8, radius=4)  # backrest
    c.rect(4, 42, 44, 48, shade(colour, 0.85), radius=2.5)  # seat edge
    c.rect(5, 45, 43, 50, colour, radius=3)
    c.line([(10, 42), (4, 0)], frame, 2.4)  # front legs
    c.line([(38, 42), (44, 0)], frame, 2.4)
    c.rect(2.5, 0, 6, 1.2, DARK)
    c.rect(42, 0, 45.5, 1.2, DARK)


@_shape("office_chair", width=66, height=112)
def _office_chair(c: Canvas, colour: RGB, rng: random.Random) -> None:
    base = DARK
    for x_end in (2, 18, 48, 64):  # the five-star base, seen from the front
        c.line([(33, 8), (x_end, 4)], base, 3)
    c.line([(33, 8), (33, 3)], base, 3)
    for x in (2, 18, 33, 48, 64):
        c.ellipse(x - 3, 0, x + 3, 6, shade(base, 0.7))
    c.rect(30.5, 8, 35.5, 44, METAL)  # gas lift
    c.rect(15, 70, 51, 112, colour, outline=shade(colour, 0.7), width=0.8, radius=9)  # backrest
    c.rect(29, 46, 37, 72, shade(DARK, 1.2))
    c.rect(8, 42, 58, 52, shade(colour, 0.9), radius=5)  # seat
    c.rect(10, 47, 56, 54, colour, radius=4)
    for x in (4, 56):  # armrests
        c.rect(x, 52, x + 6, 66, DARK, radius=1.5)
        c.rect(x - 2, 64, x + 8, 68, DARK, radius=2)


def _legs(c: Canvas, x0: float, x1: float, top: float, colour: RGB, thickness: float = 3.5) -> None:
    c.rect(x0, 0, x0 + thickness, top, colour)
    c.rect(x1 - thickness, 0, x1, top, colour)


@_shape("pupil_desk", width=70, height=76)
def _pupil_desk(c: Canvas, colour: RGB, rng: random.Random) -> None:
    top = colour if sum(colour) > 360 else COLOURS["bjørk"]
    _legs(c, 6, 64, 72, shade(METAL, 0.85), 3)
    c.rect(8, 56, 62, 64, shade(METAL, 0.7))  # book tray
    c.rect(8, 58, 62, 63, shade(DARK, 1.3))
    c.rect(2, 71, 68, 76, top, outline=shade(top, 0.7), width=0.5, radius=1.2)
    c.rect(2, 71, 68, 72.5, shade(top, 0.8))


@_shape("teacher_desk", width=150, height=80)
def _teacher_desk(c: Canvas, colour: RGB, rng: random.Random) -> None:
    wood = colour
    c.rect(4, 0, 146, 74, shade(wood, 0.9))  # modesty panel
    c.rect(96, 0, 146, 74, wood, outline=shade(wood, 0.7), width=0.5)  # drawer block
    for y in (6, 28, 50):
        c.rect(99, y, 143, y + 19, shade(wood, 1.08), outline=shade(wood, 0.7), width=0.4)
        c.rect(115, y + 12, 127, y + 14, shade(METAL, 0.7), radius=1)
    c.rect(0, 74, 150, 80, shade(wood, 1.1), outline=shade(wood, 0.65), width=0.5, radius=1)


@_shape("desk", width=160, height=75)
def _desk(c: Canvas, colour: RGB, rng: random.Random) -> None:
    top = colour
    frame = METAL if sum(top) > 450 else shade(top, 0.8)
    c.rect(10, 0, 16, 72, frame)
    c.rect(144, 0, 150, 72, frame)
    c.rect(4, 0, 22, 3, frame)
    c.rect(138, 0, 156, 3, frame)
    c.rect(16, 50, 144, 60, shade(frame, 0.85))  # modesty panel
    c.rect(0, 71, 160, 75, top, outline=shade(top, 0.7), width=0.4, radius=0.8)


@_shape("sit_stand_desk", width=160, height=120)
def _sit_stand_desk(c: Canvas, colour: RGB, rng: random.Random) -> None:
    top = colour if sum(colour) > 300 else COLOURS["hvit"]
    frame = COLOURS["sølv"]
    height = 100  # raised, to show what it can do
    for x in (22, 130):
        c.rect(x, 0, x + 8, height - 3, shade(frame, 0.95), outline=shade(frame, 0.7), width=0.3)
        c.rect(x + 1.5, 0, x + 6.5, 55, shade(frame, 0.8))
        c.rect(x - 14, 0, x + 22, 3.5, shade(frame, 0.75), radius=1.5)
    c.rect(22, height - 10, 138, height - 4, shade(frame, 0.8))
    c.rect(0, height - 4, 160, height, top, outline=shade(top, 0.7), width=0.4, radius=1)
    c.rect(124, height - 8, 140, height - 4, DARK, radius=1)  # control panel
    c.ellipse(127, height - 7.5, 130, height - 4.5, (90, 200, 120))


@_shape("table", width=140, height=74)
def _table(c: Canvas, colour: RGB, rng: random.Random) -> None:
    top = colour
    legs = shade(top, 0.8) if rng.random() < 0.5 else METAL
    _legs(c, 8, 132, 70, legs, 5)
    c.rect(30, 0, 35, 70, shade(legs, 0.85))
    c.rect(105, 0, 110, 70, shade(legs, 0.85))
    c.rect(6, 62, 134, 70, shade(top, 0.85))
    c.rect(0, 70, 140, 74, top, outline=shade(top, 0.7), width=0.4, radius=1.5)


@_shape("bookshelf", width=90, height=200)
def _bookshelf(c: Canvas, colour: RGB, rng: random.Random) -> None:
    wood = colour
    c.rect(0, 0, 90, 200, wood, outline=shade(wood, 0.7), width=0.6)
    c.rect(3, 3, 87, 197, shade(wood, 0.78))
    book_colours = [(178, 64, 58), (60, 96, 150), (220, 180, 70), (70, 130, 96), (120, 80, 130),
                    (230, 226, 214), (60, 60, 66), (200, 120, 70)]
    shelves = [3, 42, 81, 120, 159]
    for bottom in shelves:
        c.rect(3, bottom - 2, 87, bottom + 1, shade(wood, 1.05))
        if rng.random() < 0.22:
            continue  # an empty shelf
        x = 5.0
        stop = rng.uniform(45, 85)
        while x < stop:
            width, height = rng.uniform(2.2, 5), rng.uniform(22, 33)
            if rng.random() < 0.12:  # a leaning book
                c.polygon([(x, bottom + 1), (x + width, bottom + 1), (x + width + 7, bottom + height - 2),
                           (x + 7, bottom + height)], rng.choice(book_colours))
                x += width + 8
                continue
            c.rect(x, bottom + 1, x + width, bottom + 1 + height, rng.choice(book_colours))
            x += width + 0.4
    c.rect(0, 196, 90, 200, shade(wood, 1.08))


@_shape("pedestal", width=42, height=62)
def _pedestal(c: Canvas, colour: RGB, rng: random.Random) -> None:
    c.rect(0, 3, 42, 62, colour, outline=shade(colour, 0.7), width=0.5, radius=1)
    for y0, y1 in ((5, 27), (29, 43), (45, 59)):
        c.rect(2, y0, 40, y1, shade(colour, 1.06), outline=shade(colour, 0.72), width=0.3)
        middle = (y0 + y1) / 2 + (y1 - y0) / 4
        c.rect(15, middle - 0.8, 27, middle + 0.8, shade(METAL, 0.65), radius=0.8)
    for x in (4, 34):
        c.ellipse(x, 0, x + 5, 5, DARK)


@_shape("cabinet", width=100, height=195)
def _cabinet(c: Canvas, colour: RGB, rng: random.Random) -> None:
    c.rect(0, 0, 100, 195, colour, outline=shade(colour, 0.7), width=0.6)
    c.rect(0, 0, 100, 8, shade(colour, 0.75))
    c.rect(3, 10, 49.5, 192, shade(colour, 1.05), outline=shade(colour, 0.75), width=0.3)
    c.rect(50.5, 10, 97, 192, shade(colour, 1.05), outline=shade(colour, 0.75), width=0.3)
    c.rect(44, 90, 46, 112, shade(METAL, 0.6), radius=1)
    c.rect(54, 90, 56, 112, shade(METAL, 0.6), radius=1)
    c.rect(70, 160, 78, 164, shade(colour, 0.8))  # label holder


@_shape("sofa", width=200, height=86)
def _sofa(c: Canvas, colour: RGB, rng: random.Random) -> None:
    for x in (14, 180):
        c.rect(x, 0, x + 6, 12, shade(DARK, 1.4))
    c.rect(14, 38, 186, 86, shade(colour, 0.82), radius=10)  # back
    c.rect(4, 10, 196, 44, shade(colour, 0.9), radius=6)  # base
    for x in (22, 74, 126):  # seat cushions
        c.rect(x, 36, x + 52, 52, colour, outline=shade(colour, 0.75), width=0.5, radius=5)
    for x in (28, 80, 132):  # back cushions
        c.rect(x, 50, x + 40, 80, shade(colour, 1.06), outline=shade(colour, 0.78), width=0.5, radius=8)
    c.rect(0, 10, 22, 62, colour, outline=shade(colour, 0.75), width=0.5, radius=8)  # arms
    c.rect(178, 10, 200, 62, colour, outline=shade(colour, 0.75), width=0.5, radius=8)


@_shape("armchair", width=84, height=96)
def _armchair(c: Canvas, colour: RGB, rng: random.Random) -> None:
    wood = COLOURS["eik"]
    c.line([(10, 0), (14, 24)], wood, 3)
    c.line([(74, 0), (70, 24)], wood, 3)
    c.rect(12, 40, 72, 96, shade(colour, 0.85), radius=14)
    c.rect(16, 50, 68, 90, shade(colour, 1.05), radius=12)
    c.rect(6, 22, 78, 44, colour, outline=shade(colour, 0.75), width=0.5, radius=8)
    c.rect(14, 38, 70, 50, shade(colour, 1.08), radius=6)
    c.rect(2, 22, 16, 62, shade(colour, 0.92), radius=6)
    c.rect(68, 22, 82, 62, shade(colour, 0.92), radius=6)


@_shape("whiteboard", width=200, height=190)
def _whiteboard(c: Canvas, colour: RGB, rng: random.Random) -> None:
    board = colour if sum(colour) > 600 or colour[1] > colour[0] + 20 else (246, 247, 246)
    frame = METAL
    for x in (30, 170):  # mobile stand
        c.rect(x - 2, 4, x + 2, 70, shade(frame, 0.8))
        c.rect(x - 22, 4, x + 22, 8, shade(frame, 0.75))
        c.ellipse(x - 24, 0, x - 18, 6, DARK)
        c.ellipse(x + 18, 0, x + 24, 6, DARK)
    c.rect(0, 68, 200, 190, frame, radius=2)
    c.rect(3, 71, 197, 187, board)
    c.rect(40, 64, 160, 70, shade(frame, 0.85))  # pen tray
    ink = [(40, 90, 170), (200, 60, 50), (40, 40, 40)] if board[0] > 200 else [(240, 240, 236)]
    for _ in range(3):  # faint notes: a few wavy lines
        y = rng.uniform(95, 170)
        x = rng.uniform(15, 60)
        points = [(x + i * 8, y + rng.uniform(-1.5, 1.5)) for i in range(rng.randint(6, 14))]
        c.line(points, mix(rng.choice(ink), board, 0.55), 0.9)
    for x, pen in ((60, (40, 90, 170)), (72, (200, 60, 50)), (84, (40, 40, 40))):
        c.rect(x, 69, x + 10, 71.5, pen, radius=1)


@_shape("other_furniture", width=180, height=60)
def _bench(c: Canvas, colour: RGB, rng: random.Random) -> None:
    wood = colour
    for x in (10, 165):
        c.rect(x, 0, x + 5, 42, shade(METAL, 0.75))
    c.rect(8, 10, 172, 13, shade(METAL, 0.7))
    for i in range(3):  # slats
        c.rect(0, 38 + i * 7, 180, 43 + i * 7, shade(wood, 1 - i * 0.06), outline=shade(wood, 0.7), width=0.3,
               radius=1)


# --- ICT (on a desk) --------------------------------------------------------------------------------------

def _screen(c: Canvas, x0, y0, x1, y1, rng: random.Random) -> None:
    top, bottom = (56, 112, 178), (128, 186, 222)
    steps = 12
    for i in range(steps):
        band = (y1 - y0) / steps
        c.rect(x0, y0 + band * i, x1, y0 + band * (i + 1), mix(bottom, top, i / steps))
    glare = mix(bottom, (255, 255, 255), 0.18)  # a soft reflection across the lower left
    c.polygon([(x0, y0), (x0 + (x1 - x0) * 0.55, y0), (x0, y0 + (y1 - y0) * 0.7)], glare)


@_shape("laptop", width=36, height=26, setting="desk")
def _laptop(c: Canvas, colour: RGB, rng: random.Random) -> None:
    body = colour
    c.rect(2, 4, 34, 26, shade(body, 0.9), radius=1.2)  # lid
    _screen(c, 3.3, 5.3, 32.7, 24.7, rng)
    c.polygon([(0, 0), (36, 0), (34, 4), (2, 4)], shade(body, 1.25))  # base, a little perspective
    c.polygon([(4, 1.2), (32, 1.2), (31, 3.4), (5, 3.4)], shade(body, 0.7))
    c.rect(15, 0.2, 21, 1, shade(body, 0.8))


@_shape("desktop_pc", width=78, height=52, setting="desk")
def _desktop(c: Canvas, colour: RGB, rng: random.Random) -> None:
    c.rect(0, 0, 18, 38, colour, outline=shade(colour, 0.7), width=0.3, radius=1)  # tower
    c.ellipse(7, 31, 11, 35, shade(colour, 1.5))
    for y in range(4, 24, 3):
        c.rect(3, y, 15, y + 1, shade(colour, 0.75))
    c.rect(44, 0, 62, 2, DARK)
    c.rect(51, 2, 55, 12, DARK)
    c.rect(24, 12, 78, 46, DARK, radius=1)  # monitor
    _screen(c, 25.5, 14, 76.5, 44.5, rng)
    c.rect(26, 0, 66, 1.6, shade(DARK, 1.6), radius=0.6)  # keyboard


@_shape("monitor_24", "monitor_27", width=62, height=48, setting="desk")
def _monitor(c: Canvas, colour: RGB, rng: random.Random) -> None:
    c.rect(19, 0, 43, 2, shade(DARK, 1.2), radius=1)
    c.rect(28, 2, 34, 14, shade(DARK, 1.2))
    c.rect(0, 12, 62, 48, colour if sum(colour) < 400 else DARK, radius=1)
    _screen(c, 1.4, 14.5, 60.6, 46.6, rng)


@_shape("tablet", width=34, height=26, setting="desk")
def _tablet(c: Canvas, colour: RGB, rng: random.Random) -> None:
    c.polygon([(6, 0), (28, 0), (24, 6), (10, 6)], shade(DARK, 1.3))  # a little stand
    c.rect(2, 3, 32, 26, colour if sum(colour) < 500 else (60, 62, 68), radius=2)
    _screen(c, 3.5, 4.5, 30.5, 24.5, rng)


@_shape("smartphone", width=22, height=16, setting="desk")
def _phones(c: Canvas, colour: RGB, rng: random.Random) -> None:
    for i, x in enumerate((0, 8, 15)):
        body = colour if i % 2 == 0 else shade(colour, 1.4)
        c.rect(x, 0, x + 7, 15 - i * 0.5, body, radius=1.2)
        _screen(c, x + 0.6, 1.4, x + 6.4, 13.6 - i * 0.5, rng)


@_shape("projector", width=34, height=14, setting="desk")
def _projector(c: Canvas, colour: RGB, rng: random.Random) -> None:
    body = colour if sum(colour) > 400 else COLOURS["hvit"]
    c.rect(2, 0, 6, 1.2, DARK)
    c.rect(28, 0, 32, 1.2, DARK)
    c.rect(0, 1, 34, 11, body, outline=shade(body, 0.7), width=0.2, radius=2)
    c.rect(0, 9.5, 34, 11, shade(body, 0.92), radius=1)
    c.ellipse(3, 2.5, 11, 10.5, shade(METAL, 0.6))
    c.ellipse(4.5, 4, 9.5, 9, (40, 50, 70))
    c.ellipse(5.8, 6.6, 7, 7.8, (180, 210, 240))
    for x in range(16, 31, 2):
        c.rect(x, 3, x + 0.8, 8, shade(body, 0.75))


@_shape("printer", width=44, height=30, setting="desk")
def _printer(c: Canvas, colour: RGB, rng: random.Random) -> None:
    body = colour if sum(colour) > 250 else (226, 226, 222)
    c.rect(0, 0, 44, 26, body, outline=shade(body, 0.7), width=0.3, radius=1.5)
    c.rect(0, 22, 44, 26, shade(DARK, 1.3), radius=1.2)
    c.rect(6, 8, 38, 11, shade(DARK, 1.2))  # output slot
    c.rect(9, 10, 35, 14, (250, 250, 248))  # a sheet
    c.rect(4, 1.5, 40, 6, shade(body, 0.88), radius=0.8)  # paper tray
    c.rect(32, 15, 40, 19, DARK, radius=0.6)
    c.ellipse(33, 16, 35, 18, (90, 200, 120))


@_shape("mfp", width=64, height=120)
def _mfp(c: Canvas, colour: RGB, rng: random.Random) -> None:
    body = (232, 232, 228)
    c.rect(0, 0, 64, 6, shade(DARK, 1.3))
    c.rect(2, 6, 62, 66, body, outline=shade(body, 0.75), width=0.4)
    for y in (9, 28, 47):  # paper drawers
        c.rect(4, y, 60, y + 17, shade(body, 1.03), outline=shade(body, 0.72), width=0.3)
        c.rect(26, y + 12, 38, y + 14, shade(METAL, 0.65), radius=0.8)
    c.rect(0, 66, 64, 100, body, outline=shade(body, 0.75), width=0.4, radius=1)
    c.rect(8, 84, 56, 88, shade(DARK, 1.2))
    c.rect(12, 86, 52, 92, (252, 252, 250))
    c.rect(0, 100, 64, 112, shade(body, 0.93), outline=shade(body, 0.72), width=0.3, radius=1)  # scanner lid
    c.rect(4, 112, 60, 120, shade(DARK, 1.5), radius=1)  # document feeder
    c.polygon([(44, 100), (64, 100), (64, 108), (46, 106)], DARK)  # control panel
    c.rect(48, 101.5, 61, 105, (120, 180, 230))


@_shape("docking_station", width=24, height=8, setting="desk")
def _dock(c: Canvas, colour: RGB, rng: random.Random) -> None:
    body = colour if sum(colour) < 450 else DARK
    c.rect(0, 0, 24, 6, body, radius=1.5)
    c.rect(0, 4.5, 24, 6, shade(body, 1.4), radius=1)
    for x in (3, 6.5, 10, 13.5):
        c.rect(x, 1.5, x + 2.2, 3, shade(body, 0.5))
    c.ellipse(19, 2, 21, 4, (90, 200, 120))
    c.line([(24, 3), (30, 3), (32, 0)], shade(body, 0.8), 0.5)


@_shape("keyboard", width=46, height=10, setting="desk")
def _keyboard(c: Canvas, colour: RGB, rng: random.Random) -> None:
    body = colour if sum(colour) < 600 else (236, 236, 232)
    c.polygon([(0, 0), (46, 0), (44, 6), (2, 6)], body)
    key = shade(body, 1.35) if sum(body) < 300 else shade(body, 0.85)
    for row in range(4):
        y = 0.8 + row * 1.3
        inset = 2 + row * 0.5 * (2 / 2)
        x = inset + 0.5
        while x < 46 - inset - 1.5:
            c.rect(x, y, x + 1.7, y + 0.9, key)
            x += 2.1
    c.rect(14, 0.6, 30, 1.4, key)  # space bar
    c.ellipse(52, 0, 58, 3.2, body)  # the mouse that came with it
    c.line([(55, 3.2), (55, 1.6)], shade(body, 0.6), 0.2)


@_shape("mouse", width=30, height=5, setting="desk")
def _mice(c: Canvas, colour: RGB, rng: random.Random) -> None:
    body = colour if sum(colour) < 600 else (236, 236, 232)
    for i, x in enumerate((0, 11, 21)):
        c.ellipse(x, 0, x + 8, 4.5, shade(body, 1 + i * 0.05))
        c.line([(x + 4, 4.5), (x + 4, 2.4)], shade(body, 0.6), 0.25)


@_shape("access_point", width=30, height=8, setting="desk")
def _access_point(c: Canvas, colour: RGB, rng: random.Random) -> None:
    body = colour if sum(colour) > 600 else (240, 240, 236)
    c.ellipse(0, 0, 20, 5, shade(body, 0.85))
    c.ellipse(0, 1.2, 20, 6.2, body)
    c.ellipse(8.8, 3.2, 11.2, 4.4, (70, 150, 230))
    c.rect(23, 0, 30, 3, shade(body, 0.9), radius=0.8)


@_shape("network_switch", width=48, height=10, setting="desk")
def _switch(c: Canvas, colour: RGB, rng: random.Random) -> None:
    body = colour if sum(colour) < 500 else (70, 110, 150)
    for level in (0, 4.6):
        c.rect(0, level, 48, level + 4.4, body, outline=shade(body, 0.6), width=0.15, radius=0.3)
        for i in range(12):
            x = 6 + i * 2.9
            c.rect(x, level + 0.7, x + 2.2, level + 2.4, shade(DARK, 0.6))
            if rng.random() < 0.6:
                c.rect(x + 0.3, level + 2.8, x + 0.9, level + 3.3, (110, 220, 120))
        c.rect(1, level + 1, 4, level + 3.4, shade(body, 1.4), radius=0.3)


@_shape("other_ict", width=140, height=150)
def _display(c: Canvas, colour: RGB, rng: random.Random) -> None:
    for x in (30, 110):  # an interactive display on a trolley
        c.rect(x - 2, 4, x + 2, 70, METAL)
        c.rect(x - 16, 3, x + 16, 6, shade(METAL, 0.8))
        c.ellipse(x - 18, 0, x - 13, 5, DARK)
        c.ellipse(x + 13, 0, x + 18, 5, DARK)
    c.rect(0, 66, 140, 150, DARK, radius=2)
    _screen(c, 3, 69, 137, 147, rng)
    c.rect(60, 66.5, 80, 68.5, shade(DARK, 1.8))


# --- Materials (outdoors) ---------------------------------------------------------------------------------

@_shape("grit_sand", width=300, height=110, setting="outdoor")
def _sand_heap(c: Canvas, colour: RGB, rng: random.Random) -> None:
    sand = colour
    points = [(0, 0)]
    for i in range(1, 20):
        x = i * 15
        height = 110 * (1 - ((x - 150) / 150) ** 2) ** 0.8
        points.append((x, max(0.0, height + rng.uniform(-3, 3))))
    points.append((300, 0))
    c.polygon(points, sand)
    c.polygon([(150, 0), *[(x, y) for x, y in points if x >= 150]], shade(sand, 0.88))  # the side in shade
    for _ in range(700):  # grains and pebbles
        x = rng.uniform(8, 292)
        top = 110 * max(0.0, 1 - ((x - 150) / 150) ** 2) ** 0.8
        if top < 3:
            continue
        y = rng.uniform(0, top - 2)
        size = rng.uniform(0.6, 1.8)
        c.ellipse(x, y, x + size, y + size, shade(sand, rng.uniform(0.65, 1.25)))


@_shape("other_material", width=120, height=80, setting="outdoor")
def _pallet(c: Canvas, colour: RGB, rng: random.Random) -> None:
    wood = COLOURS["furu"]
    c.rect(0, 0, 120, 4, shade(wood, 0.85))
    for x in (0, 55, 110):
        c.rect(x, 4, x + 10, 12, shade(wood, 0.75))
    c.rect(0, 12, 120, 15, wood)
    stuff = colour
    y = 15.0
    for layer in range(rng.randint(5, 7)):  # stacked boards, slabs or blocks
        height = 9 if layer % 2 == 0 else 8
        offset = rng.uniform(-2, 2)
        c.rect(2 + offset, y, 118 + offset, y + height, shade(stuff, rng.uniform(0.9, 1.1)),
               outline=shade(stuff, 0.7), width=0.4)
        for x in range(int(22 + offset), 118, 24):  # seams between blocks
            c.line([(x, y), (x, y + height)], shade(stuff, 0.72), 0.4)
        y += height
    c.line([(2, 15), (118, y), ], (226, 226, 220), 0.8)  # a strap
    c.line([(118, 15), (2, y)], (226, 226, 220), 0.8)


_GROUP_FALLBACK = {"furniture": "other_furniture", "ict": "other_ict", "material": "other_material"}


# Categories drawn like another: a set like its main piece, loose masses like a heap of sand.
_DRAWN_AS = {"pupil_desk_set": "pupil_desk", "workstation_set": "desk", "crushed_stone": "grit_sand",
             "topsoil": "grit_sand"}


def shape_for(slug: str, group: str) -> Shape:
    """The drawing of category ``slug``, or the general one of its ``group``."""
    return SHAPES.get(_DRAWN_AS.get(slug, slug)) or SHAPES[_GROUP_FALLBACK.get(group, "other_furniture")]
