"""The photo pipeline: check an upload, re-encode it as clean JPEG variants, store them by content hash.

Everything about photo *files* lives here; the listing services own the ``Photo`` rows (order, alt text, the
limit of ``MAX_PHOTOS_PER_ITEM``) and call these four functions:

- ``process(upload)`` decodes the upload (bytes, or better the uploaded file) with Pillow and returns a
  ``ProcessedPhoto`` or raises ``PhotoError``.
  A file is judged only by decoding it, never by its name or the content type the browser sent. Accepted are
  JPEG (also the multi-picture "MPO" JPEGs some phones write), PNG, WebP and HEIC/HEIF (through pillow-heif).
  Size, pixel count and shape are checked from the header *before* any pixel is decoded, so a decompression
  bomb is refused in microseconds without allocating its pixels. Then the image is decoded (a truncated file
  fails here), the EXIF orientation is applied, colours are converted to sRGB, transparency is flattened onto
  white, the first frame of an animation is taken, and two JPEGs are encoded from the pixels alone: no EXIF
  (so no GPS position), no XMP, no ICC profile, no comment survives. Bytes appended to an image (a "polyglot"
  carrying HTML or script) are dropped, because only decoded pixels reach the output.

Memory: a worker must not grow by more than about 150 MB for one upload (benchmarks/photos.py measures it).
A sequential JPEG, what phone cameras write, is decoded by libjpeg at 1/2, 1/4 or 1/8 scale, so even
``MAX_PIXELS`` (200 megapixels) costs a few tens of megabytes. PNG, WebP, HEIC and progressive JPEG cannot
be decoded reduced (a progressive JPEG holds all its coefficients), so they cost several bytes per pixel and
have the lower limits of ``FULL_DECODE_PIXELS``. Whatever the format, the decoded picture is shrunk in bands
of rows, so the conversions (palette to RGB, premultiplied alpha, 16-bit grey) never copy the whole picture.
The upload is read from the file the server spooled it to, not held in memory as bytes.
- ``store(photo, upload_dir)`` writes ``photos/<hash[:2]>/<hash>.jpg`` and ``<hash>-thumb.jpg`` atomically
  (temporary file, then ``os.replace``); storing the same photo twice is harmless.
- ``path_for(upload_dir, hash, variant)`` is the only way to turn a hash into a path; it refuses anything but
  64 lowercase hex digits, so a path can never leave the upload directory.
- ``delete(upload_dir, hash)`` removes both variants (call it only when no row refers to the hash any more).

The thumbnail keeps the whole picture (at most ``THUMBNAIL_SIZE`` on the long side, no crop); pages that want
square tiles crop with CSS ``object-fit``, so nothing the caretaker photographed is cut away.

The upload size limit (413) is Flask's ``MAX_CONTENT_LENGTH``; it refuses large bodies before they are read.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageCms, ImageFile
from pillow_heif import open_heif, register_heif_opener

from marketplace.i18n import lazy_gettext as _l
from marketplace.storage import write_atomically

# HEIC is what iPhones upload unless set to "Most compatible". Thumbnails, depth maps and auxiliary images
# embedded in a HEIF file are never used, so pillow-heif is told not to read them.
register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

log = logging.getLogger(__name__)

MAX_PHOTOS_PER_ITEM = 8
LARGE_SIZE = 1600  # px, long side of the large variant
THUMBNAIL_SIZE = 480  # px, long side of the thumbnail
MAX_PIXELS = 200_000_000  # width × height of a sequential JPEG; more is refused before decoding
# Formats decoded at full size, with their pixel limits, chosen so that one upload adds at most about 150 MB
# to a worker (peaks measured by benchmarks/photos.py): a PNG costs 4 bytes per pixel (RGBA), a progressive
# JPEG 3 to 6 (a 16-bit coefficient per colour sample), HEIC 5 (libheif's planes and their RGB conversion),
# WebP 16 (Pillow's decoder keeps the canvas twice and copies it twice).
FULL_DECODE_PIXELS = {"PNG": 30_000_000, "progressive JPEG": 20_000_000, "HEIF": 25_000_000,
                      "WEBP": 8_000_000}
MAX_ASPECT = 20  # long side / short side
MIN_SIDE = 16  # px, each side of the upload
JPEG_QUALITY = 82
BACKGROUND = (255, 255, 255)  # transparent areas become white

VARIANTS = {"large": ".jpg", "thumb": "-thumb.jpg"}

# The Pillow plugins tried on an upload; no other parser ever sees the bytes. MPO is how Pillow names a JPEG
# with extra pictures in it (depth maps, previews), as many phone cameras write.
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF"}
_HASH = re.compile(r"[0-9a-f]{64}")
_ORIENTATION_TAG = 0x0112
# EXIF orientation → the transposition that shows the picture upright (the table of ImageOps.exif_transpose)
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_BAND_ROWS = 64  # output rows shrunk at a time
_LANCZOS_REACH = 3  # output pixels on either side that the Lanczos filter reads

# Pillow's own bomb limit (89 megapixels, refused at twice that) would stop a 200-megapixel phone JPEG at
# open; ours are lower for every format that costs memory and are checked before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = max(MAX_PIXELS, *FULL_DECODE_PIXELS.values())

# Errors that Pillow and its plugins raise for files they cannot read (truncated, corrupt, not an image).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, IndexError, KeyError, EOFError, struct.error,
                  RuntimeError)
# Pillow warns about images above its own limit (and refuses twice that); ours, MAX_PIXELS, is lower. Run with
# warnings as errors, the warning arrives as an exception.
_BOMB = (Image.DecompressionBombError, Image.DecompressionBombWarning)


class PhotoError(ValueError):
    """The upload is not a photo we accept; ``message`` is a short sentence for the person who sent it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class StorageFailed(Exception):
    """The upload directory is full or not writable. Nothing of the photo is left in it; ``message`` is a
    sentence for the person who sent it, and the cause (an ``OSError``) is logged for the operators."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _not_a_photo() -> PhotoError:
    return PhotoError(_l("The file is not a photo we can read. Use JPEG, PNG, WebP or HEIC."))


@dataclass(frozen=True)
class ProcessedPhoto:
    content_hash: str  # sha256 hex of ``large``
    width: int  # of the large variant
    height: int
    large: bytes  # JPEG, at most LARGE_SIZE px on the long side
    thumbnail: bytes  # JPEG, at most THUMBNAIL_SIZE px on the long side, never cropped

    def __repr__(self) -> str:  # keep the bytes out of logs and test reports
        return f"ProcessedPhoto({self.content_hash[:12]}…, {self.width}×{self.height})"


def process(upload: bytes | BinaryIO) -> ProcessedPhoto:
    """Check and re-encode an uploaded photo; raise ``PhotoError`` for anything that is not one we accept.

    ``upload`` is the bytes, or better a seekable binary file (the upload as the server spooled it), which
    is then read as decoding needs it instead of being held in memory whole."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # set globally elsewhere, it would let damaged files through
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False for photo uploads")
    source = io.BytesIO(upload) if isinstance(upload, bytes | bytearray) else upload
    if source.seek(0, io.SEEK_END) == 0:
        raise PhotoError(_l("The file is empty. Choose a photo and try again."))
    source.seek(0)

    pixels, orientation, icc = _open_checked(source)
    try:
        picture = _upright_srgb(pixels, orientation, icc)
    except (OSError, ValueError, MemoryError):  # a decoded image Pillow still cannot convert
        raise _not_a_photo() from None
    finally:
        pixels.close()

    width, height = picture.size
    large = _encode(picture)
    thumbnail = _encode(_resize(picture, THUMBNAIL_SIZE))
    return ProcessedPhoto(hashlib.sha256(large).hexdigest(), width, height, large, thumbnail)


def _open_checked(source: BinaryIO) -> tuple[Image.Image | _HeifPixels, int, bytes | None]:
    """Open the image (header only), refuse what we do not want before decoding, then decode it. Return the
    decoded pixels, the EXIF orientation and the ICC profile."""
    try:
        image = Image.open(source, formats=_OPEN_FORMATS)
    except _BOMB:
        raise _too_many_pixels() from None
    except _DECODE_ERRORS:
        raise _not_a_photo() from None

    try:
        if image.format not in _ACCEPTED_FORMATS:
            raise _not_a_photo()
        width, height = image.size
        kind = _kind(image)
        if width * height > FULL_DECODE_PIXELS.get(kind, MAX_PIXELS):
            raise _too_many_pixels(kind)
        if min(width, height) < MIN_SIDE:
            raise PhotoError(_l("The photo is too small. It must be at least %(pixels)s pixels on each side.",
                                pixels=MIN_SIDE))
        if max(width, height) > MAX_ASPECT * min(width, height):
            raise PhotoError(
                _l("The photo is too long and narrow. Crop it to a more usual shape and try again."))

        if image.format in {"JPEG", "MPO"}:
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale while the long side stays at least LARGE_SIZE:
            # a 12 MP photo is decoded as 3 MP. Computed from the stored size, so the EXIF rotation (which
            # keeps the long side long) does not matter.
            scale = LARGE_SIZE / max(width, height)
            if scale < 1:
                image.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))
        # Decodes the first frame; truncated or corrupt data fails here.
        if kind == "HEIF":
            frame, orientation, icc = image.tell(), _orientation(image), image.info.get("icc_profile")
            source.seek(0)
            data = source.read()
            image.close()  # drops pillow-heif's own copy of the file (and closes the upload, read now)
            return _decode_heif(data, frame), orientation, icc
        image.load()
    except PhotoError:
        image.close()
        raise
    except _BOMB:
        image.close()
        raise _too_many_pixels(_kind(image)) from None
    except _DECODE_ERRORS + (MemoryError,):
        image.close()
        raise PhotoError(_l("The photo could not be read to the end; the file may be damaged. "
                            "Try again with the original photo.")) from None
    return image, _orientation(image), image.info.get("icc_profile")


def _kind(image: Image.Image) -> str:
    """The format as the pixel limits name it: a progressive JPEG apart from a sequential one."""
    if image.format in {"JPEG", "MPO"}:
        return "progressive JPEG" if image.info.get("progressive") else "JPEG"
    return image.format


def _decode_heif(data: bytes, frame: int) -> _HeifPixels:
    picture = open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)[frame]
    picture.data  # noqa: B018 - decodes now, so that a damaged file fails among the checks
    return _HeifPixels(picture)


class _HeifPixels:
    """A decoded HEIC picture left in libheif's buffer, handed to Pillow a band of rows at a time. A whole
    Pillow copy (what pillow-heif's opener makes, and what ``frombuffer`` falls back to for RGB, which Pillow
    keeps in 4 bytes a pixel) would add 4 bytes a pixel to the 5 or so that libheif needs to decode."""

    def __init__(self, picture) -> None:
        self._picture = picture
        self.size = picture.size

    def crop(self, box: tuple[int, int, int, int]) -> Image.Image:
        left, top, right, bottom = box
        picture = self._picture
        rows = memoryview(picture.data)[top * picture.stride:bottom * picture.stride]
        band = Image.frombytes(picture.mode, (self.size[0], bottom - top), rows, "raw", picture.mode,
                               picture.stride)
        return band if (left, right) == (0, self.size[0]) else band.crop((left, 0, right, bottom - top))

    def close(self) -> None:
        self._picture = None


def _too_many_pixels(kind: str | None = None) -> PhotoError:
    if kind in FULL_DECODE_PIXELS:
        return PhotoError(_l("The photo has too many pixels. A %(format)s can have at most %(megapixels)s "
                             "megapixels; a JPEG straight from the camera can have %(jpeg)s.",
                             format=_FORMAT_NAMES[kind], megapixels=FULL_DECODE_PIXELS[kind] // 1_000_000,
                             jpeg=MAX_PIXELS // 1_000_000))
    return PhotoError(_l("The photo has too many pixels. Use one of at most %(megapixels)s megapixels.",
                         megapixels=MAX_PIXELS // 1_000_000))


_FORMAT_NAMES = {"PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC", "progressive JPEG": _l("progressive JPEG")}


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION_TAG, 1)
    except Exception:  # noqa: BLE001 - a damaged EXIF block only costs us the orientation
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def _upright_srgb(image: Image.Image | _HeifPixels, orientation: int, icc: bytes | None) -> Image.Image:
    """A new RGB image in sRGB, at most LARGE_SIZE on the long side, upright, without any metadata.

    The picture is made small first and only then converted, flattened and turned, so that no full-size copy
    is made (a 50-megapixel PNG with alpha would otherwise take 600 MB).
    """
    picture = _shrink(image, LARGE_SIZE)
    picture = _to_srgb(picture, icc)
    if picture.mode in {"RGBA", "LA"}:
        flattened = Image.new("RGB", picture.size, BACKGROUND)
        flattened.paste(picture, mask=picture.getchannel("A"))
        picture = flattened
    elif picture.mode != "RGB":
        picture = picture.convert("RGB")
    if orientation in _TRANSPOSE:
        picture = picture.transpose(_TRANSPOSE[orientation])
    picture.info = {}  # Pillow copies info (comments, XMP, ICC, EXIF) to new images, and some savers reuse it
    return picture


def _resizable(image: Image.Image) -> Image.Image:
    """The image in a mode Pillow resizes well: RGB, RGBA, L, LA or CMYK (transparency as an alpha band)."""
    mode, transparent = image.mode, "transparency" in image.info
    if mode in {"RGB", "L"} and transparent:  # a PNG colour key (tRNS)
        return image.convert("RGBA" if mode == "RGB" else "LA")
    if mode in {"RGB", "RGBA", "L", "LA", "CMYK"}:
        return image
    if mode in {"P", "PA"}:
        return image.convert("RGBA" if transparent or mode == "PA" or image.palette.mode == "RGBA" else "RGB")
    if mode.startswith("I;16") or mode == "I":  # 16-bit grey: Pillow would clip it to 8 bits, so scale it
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image.convert("RGBA" if "A" in mode else "RGB")


def _shrink(image: Image.Image | _HeifPixels, box: int) -> Image.Image:
    """Like ``_resize(_resizable(image), box)``, but a band of rows at a time: the mode conversion (and the
    premultiplied copy Pillow makes to resize RGBA) then never holds more than a band. Each band is cut with
    the rows the Lanczos filter reads beyond it, so the seams cannot be seen."""
    width, height = image.size
    if max(width, height) <= box:
        return _resizable(image.crop((0, 0, width, height)))  # a copy
    size = _fitted(width, height, box)
    scale = height / size[1]
    reach = math.ceil(_LANCZOS_REACH * scale) + 1
    shrunk = None
    for top in range(0, size[1], _BAND_ROWS):
        bottom = min(size[1], top + _BAND_ROWS)
        first, last = max(0, math.floor(top * scale) - reach), min(height, math.ceil(bottom * scale) + reach)
        band = _resizable(image.crop((0, first, width, last)))
        band = band.resize((size[0], bottom - top), Image.Resampling.LANCZOS,
                           box=(0, top * scale - first, width, bottom * scale - first))
        if shrunk is None:
            shrunk = Image.new(band.mode, size)
        shrunk.paste(band, (0, top))
    return shrunk


def _fitted(width: int, height: int, box: int) -> tuple[int, int]:
    if width >= height:
        return box, max(1, round(height * box / width))
    return max(1, round(width * box / height)), box


def _resize(picture: Image.Image, box: int) -> Image.Image:
    """A new image at most ``box`` px on its long side, never enlarged, the shape kept."""
    width, height = picture.size
    if max(width, height) <= box:
        return picture.copy()
    size = _fitted(width, height, box)
    # reducing_gap lets Pillow first shrink by a whole factor (cheap), then resample the rest with Lanczos.
    return picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _to_srgb(picture: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert pixels described by an embedded ICC profile (Display P3 on iPhones, Adobe RGB, CMYK) to sRGB,
    since the profile itself is not kept. Without a usable profile the pixels are taken as sRGB already."""
    if not icc or picture.mode not in {"RGB", "RGBA", "CMYK", "L"}:
        return picture
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        output_mode = "RGBA" if picture.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(picture, source, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return picture
    return converted if converted is not None else picture


def _encode(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # Nothing but pixels: exif, icc_profile, xmp and comment are explicitly empty. Progressive JPEGs are
    # about a tenth smaller and show early on a slow phone connection; libjpeg always optimises their Huffman
    # tables, so ``optimize`` would change nothing.
    picture.save(buffer, "JPEG", quality=JPEG_QUALITY, progressive=True,
                 exif=b"", icc_profile=None, comment=b"", xmp=None)
    return buffer.getvalue()


# --- storage ------------------------------------------------------------------------------------------------


def path_for(upload_dir: str | Path, content_hash: str, variant: str) -> Path:
    """Where a variant ("large" or "thumb") of the photo with this hash is stored."""
    if not isinstance(content_hash, str) or not _HASH.fullmatch(content_hash):
        raise ValueError("content_hash must be 64 lowercase hexadecimal digits")
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, not {variant!r}")
    return Path(upload_dir) / "photos" / content_hash[:2] / f"{content_hash}{VARIANTS[variant]}"


def store(photo: ProcessedPhoto, upload_dir: str | Path) -> None:
    """Write both variants atomically; a variant already stored under this hash is left as it is. If the
    disk is full or not writable, remove the variant written here and raise ``StorageFailed``."""
    written: list[Path] = []
    try:
        for variant, content in (("thumb", photo.thumbnail), ("large", photo.large)):
            target = path_for(upload_dir, photo.content_hash, variant)
            if target.exists():
                continue
            write_atomically(target, content)
            written.append(target)
    except OSError as error:
        log.error("Photo %s could not be stored in %s: %s", photo.content_hash[:12], upload_dir, error)
        for path in written:
            path.unlink(missing_ok=True)
        raise StorageFailed(_l("The photo could not be saved: the server's storage is full or not writable. "
                               "Try again later, or tell the administrator.")) from error


def delete(upload_dir: str | Path, content_hash: str) -> None:
    """Remove both variants of a photo, if they are there."""
    for variant in VARIANTS:
        path_for(upload_dir, content_hash, variant).unlink(missing_ok=True)
