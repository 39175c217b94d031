"""Drawing in centimetres for the demo photos: the palette and the canvas the per-category drawings use.

Shapes are described in centimetres, standing on the floor at x = 0 … width, y = 0 … height (y upwards);
``Canvas`` scales them into the picture.
"""

from __future__ import annotations

from PIL import ImageDraw

RGB = tuple[int, int, int]

# Norwegian colour words (as caretakers write them) → a pleasant drawing colour. Longest words first.
COLOURS: dict[str, RGB] = {
    "mørkegrønn": (46, 92, 70), "mørkegrå": (88, 90, 96), "mørkeblå": (38, 60, 110),
    "lysegrå": (196, 198, 200),
    "antrasitt": (64, 66, 72), "oransje": (228, 128, 52), "turkis": (48, 160, 160), "beige": (214, 198, 170),
    "grønn": (70, 140, 90), "svart": (44, 44, 50), "hvit": (238, 238, 232), "sølv": (192, 194, 200),
    "bjørk": (222, 198, 156), "brun": (124, 84, 54), "gul": (236, 194, 62), "rød": (190, 56, 52),
    "blå": (52, 96, 170), "grå": (150, 152, 156), "eik": (196, 156, 104), "bøk": (214, 172, 124),
    "lilla": (128, 88, 156), "rosa": (226, 150, 170), "furu": (226, 190, 130), "stål": (170, 174, 180),
}
# What an item of each category looks like when its listing names no colour.
DEFAULT_COLOURS: dict[str, RGB] = {
    "stackable_chair": COLOURS["grå"], "pupil_chair": COLOURS["blå"], "office_chair": COLOURS["svart"],
    "pupil_desk": COLOURS["bjørk"], "teacher_desk": COLOURS["eik"], "desk": COLOURS["hvit"],
    "sit_stand_desk": COLOURS["hvit"], "table": COLOURS["bøk"], "bookshelf": COLOURS["bjørk"],
    "pedestal": COLOURS["hvit"], "cabinet": COLOURS["lysegrå"], "sofa": COLOURS["grå"],
    "armchair": COLOURS["blå"], "whiteboard": COLOURS["hvit"], "other_furniture": COLOURS["furu"],
    "laptop": (50, 52, 58), "desktop_pc": COLOURS["svart"], "monitor_24": COLOURS["svart"],
    "monitor_27": COLOURS["svart"], "tablet": COLOURS["antrasitt"], "smartphone": COLOURS["svart"],
    "projector": COLOURS["hvit"], "printer": (226, 226, 222), "mfp": (232, 232, 228),
    "docking_station": COLOURS["svart"], "keyboard": COLOURS["svart"], "mouse": COLOURS["svart"],
    "access_point": COLOURS["hvit"], "network_switch": (70, 110, 150), "other_ict": COLOURS["svart"],
    "grit_sand": (176, 150, 112), "other_material": (168, 166, 160),
    "furniture": (150, 152, 156), "ict": (50, 52, 58), "material": (160, 150, 135),  # unknown categories
}
METAL = (176, 180, 186)
DARK = (52, 54, 60)


def colour_for(text: str, slug: str = "", group: str = "furniture") -> RGB:
    """The first colour word in ``text`` (e.g. "grå", "hvit plate, sølv understell"), or else the usual
    colour of the category (or of its group)."""
    lowered = (text or "").lower()
    found = [(lowered.find(word), word) for word in COLOURS if word in lowered]
    if found:
        return COLOURS[min(found)[1]]
    return DEFAULT_COLOURS.get(slug) or DEFAULT_COLOURS.get(group, DEFAULT_COLOURS["furniture"])


def shade(colour: RGB, factor: float) -> RGB:
    """Darker (factor < 1) or lighter (factor > 1, towards white) version of ``colour``."""
    if factor <= 1:
        return tuple(max(0, int(c * factor)) for c in colour)  # type: ignore[return-value]
    return tuple(min(255, int(c + (255 - c) * (factor - 1))) for c in colour)  # type: ignore[return-value]


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(int(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


class Canvas:
    """Draws in centimetres: x to the right from ``left``, y upwards from ``floor``, ``scale`` px per cm."""

    def __init__(self, draw: ImageDraw.ImageDraw, left: float, floor: float, scale: float,
                 mirror: bool = False, width: float = 0):
        self.draw, self.left, self.floor, self.scale = draw, left, floor, scale
        self.mirror, self.width = mirror, width

    def x(self, x: float) -> float:
        return self.left + (self.width - x if self.mirror else x) * self.scale

    def y(self, y: float) -> float:
        return self.floor - y * self.scale

    def _box(self, x0, y0, x1, y1):
        xs, ys = sorted((self.x(x0), self.x(x1))), sorted((self.y(y0), self.y(y1)))
        return [xs[0], ys[0], xs[1], ys[1]]

    def rect(self, x0, y0, x1, y1, fill, outline=None, width=0.0, radius=0.0):
        box = self._box(x0, y0, x1, y1)
        line = max(1, round(width * self.scale)) if outline else 0
        if radius:
            r = min(radius * self.scale, (box[2] - box[0]) / 2, (box[3] - box[1]) / 2)
            self.draw.rounded_rectangle(box, r, fill=fill, outline=outline, width=line)
        else:
            self.draw.rectangle(box, fill=fill, outline=outline, width=line)

    def ellipse(self, x0, y0, x1, y1, fill, outline=None, width=0.0):
        line = max(1, round(width * self.scale)) if outline else 0
        self.draw.ellipse(self._box(x0, y0, x1, y1), fill=fill, outline=outline, width=line)

    def polygon(self, points, fill, outline=None):
        self.draw.polygon([(self.x(x), self.y(y)) for x, y in points], fill=fill, outline=outline)

    def line(self, points, fill, width: float):
        self.draw.line([(self.x(x), self.y(y)) for x, y in points], fill=fill,
                       width=max(1, round(width * self.scale)), joint="curve")
