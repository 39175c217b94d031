"""The photo pipeline (marketplace/listings/photos.py): what it accepts, what it strips, what it refuses.

No database and no app: the module is pure. Images are generated here with Pillow (and pillow-heif for HEIC).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageFile

from marketplace import storage
from marketplace.listings import photos
from marketplace.listings.photos import PhotoError, ProcessedPhoto

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)
CAMERA_MAKE = "Vaktmesterens telefon XR-4711"
GPS_LATITUDE = (59.0, 54.0, 41.88)  # somewhere near a school in Oslo
GPS_LONGITUDE = (10.0, 45.0, 7.25)
GPS_MAP_DATUM = "WGS-84 Dulten skole gaardsplass"  # a text GPS tag, so its bytes can be searched for


# --- helpers ------------------------------------------------------------------------------------------------


def encode(image: Image.Image, format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    return buffer.getvalue()


def two_colours(size=(300, 200), left=RED, right=BLUE) -> Image.Image:
    """Left half one colour, right half another, so a rotation shows in the pixels."""
    image = Image.new("RGB", size, right)
    image.paste(left, (0, 0, size[0] // 2, size[1]))
    return image


def camera_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = CAMERA_MAKE
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: GPS_LONGITUDE, 18: GPS_MAP_DATUM})
    return exif


def phone_jpeg(orientation: int = 6, size=(300, 200), icc: bool = True) -> bytes:
    """A JPEG as a phone writes it: EXIF with orientation, camera and GPS; also a comment, XMP and ICC."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes() if icc else None
    return encode(two_colours(size), "JPEG", quality=92, exif=camera_exif(orientation),
                  comment=b"Secret comment from the camera", xmp=b"<x:xmpmeta>Secret XMP</x:xmpmeta>",
                  icc_profile=profile)


def jpeg_segments(data: bytes) -> list[int]:
    """The marker bytes of a JPEG's header segments, up to the start of scan."""
    assert data[:2] == b"\xff\xd8"
    markers, position = [], 2
    while position < len(data):
        assert data[position] == 0xFF, "not a marker"
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        (length,) = struct.unpack(">H", data[position + 2:position + 4])
        position += 2 + length
    return markers


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb(width: int, height: int) -> bytes:
    """A real, valid 1-bit greyscale PNG of width × height that compresses to almost nothing."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    chunks = [compressor.compress(row * 1000) for _ in range(height // 1000)]
    chunks.append(compressor.compress(row * (height % 1000)))
    chunks.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", b"".join(chunks))
            + png_chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small valid JPEG whose frame header is edited to claim another size (a JPEG decompression bomb)."""
    data = bytearray(encode(Image.new("RGB", (64, 64), "green"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def a_12_megapixel_jpeg() -> bytes:
    rng = random.Random(12)
    smooth = Image.frombytes("RGB", (400, 300), rng.randbytes(400 * 300 * 3)).resize((4000, 3000))
    grain = Image.frombytes("RGB", (4000, 3000), rng.randbytes(4000 * 3000 * 3))
    return encode(Image.blend(smooth, grain, 0.1), "JPEG", quality=90, exif=camera_exif(6))


@pytest.fixture
def decoding_forbidden(monkeypatch):
    """Make any pixel decoding fail loudly, to prove a refusal happens from the header alone."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)


# --- what comes out -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", [6, 1])
@pytest.mark.parametrize("icc", [True, False], ids=["with ICC", "without ICC"])
def test_orientation_is_applied_and_all_metadata_is_stripped(orientation, icc):
    data = phone_jpeg(orientation=orientation, icc=icc)
    original = Image.open(io.BytesIO(data))
    assert original.getexif().get_ifd(0x8825)[2] == GPS_LATITUDE, "the test image must carry GPS"
    latitude_bytes = _rational_bytes(data, original.getexif().get_ifd(0x8825)[2])
    secrets = [b"Exif", b"GPS", GPS_MAP_DATUM.encode(), latitude_bytes, CAMERA_MAKE.encode(),
               b"Secret comment", b"Secret XMP", b"ICC_PROFILE"]
    assert all(secret in data for secret in secrets[2:-1]) and (b"ICC_PROFILE" in data) == icc

    photo = photos.process(data)

    for variant in (photo.large, photo.thumbnail):
        image = opened(variant)
        assert image.format == "JPEG" and image.mode == "RGB"
        if orientation == 6:  # the camera was turned clockwise; upright, the left (red) half is now on top
            assert (photo.width, photo.height) == (200, 300)
            assert _close(image.getpixel((image.width // 2, image.height // 8)), RED)
            assert _close(image.getpixel((image.width // 2, image.height * 7 // 8)), BLUE)
        else:
            assert (photo.width, photo.height) == (300, 200)
        assert not image.getexif()
        assert not image.getexif().get_ifd(0x8825)
        assert "icc_profile" not in image.info and "xmp" not in image.info and "comment" not in image.info
        for secret in secrets:
            assert secret not in variant, secret
        # Only the JFIF header, tables and frame: no APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC) or COM.
        assert set(jpeg_segments(variant)) <= {0xE0, 0xDB, 0xC4, 0xC2, 0xDD, 0xDA}


@pytest.mark.parametrize("orientation, upright_size, top_colour", [
    (1, (300, 200), None), (3, (300, 200), None), (6, (200, 300), RED), (8, (200, 300), BLUE),
])
def test_every_orientation_is_turned_upright(orientation, upright_size, top_colour):
    photo = photos.process(phone_jpeg(orientation=orientation))
    image = opened(photo.large)
    assert image.size == upright_size
    if orientation == 1:
        assert _close(image.getpixel((10, 100)), RED)
    elif orientation == 3:  # upside down: red ends up on the right
        assert _close(image.getpixel((290, 100)), RED)
    else:
        assert _close(image.getpixel((100, 10)), top_colour)


def test_png_with_transparency_is_flattened_onto_white():
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 100, 100))
    photo = photos.process(encode(image, "PNG"))
    result = opened(photo.large)
    assert result.format == "JPEG" and result.mode == "RGB"
    assert _close(result.getpixel((50, 50)), RED)
    assert _close(result.getpixel((150, 50)), WHITE)


def test_palette_png_with_a_transparent_colour_is_flattened_onto_white():
    image = Image.new("P", (64, 64), 0)
    image.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    image.paste(1, (0, 0, 32, 64))
    result = opened(photos.process(encode(image, "PNG", transparency=0)).large)
    assert _close(result.getpixel((16, 32)), BLUE)
    assert _close(result.getpixel((48, 32)), WHITE)


@pytest.mark.parametrize("mode, key", [("RGB", (0, 0, 0)), ("L", 0)])
def test_png_colour_key_transparency_is_flattened_onto_white(mode, key):
    image = Image.new(mode, (64, 64), key)
    image.paste((0, 0, 255) if mode == "RGB" else 128, (0, 0, 32, 64))
    result = opened(photos.process(encode(image, "PNG", transparency=key)).large)
    assert _close(result.getpixel((48, 32)), WHITE)
    assert not _close(result.getpixel((16, 32)), WHITE)


@pytest.mark.parametrize("mode", ["L", "I;16", "CMYK", "1", "LA", "P", "RGBA"])
def test_other_pixel_modes_become_rgb(mode):
    format = "JPEG" if mode == "CMYK" else "PNG"
    photo = photos.process(encode(Image.new(mode, (2000, 1000)), format))
    assert opened(photo.large).mode == "RGB" and opened(photo.large).size == (1600, 800)
    assert opened(photo.thumbnail).size == (480, 240)


def test_16_bit_grey_is_scaled_not_clipped():
    photo = photos.process(encode(Image.new("I;16", (64, 64), 40_000), "PNG"))
    assert _close(opened(photo.large).getpixel((32, 32)), (156, 156, 156), tolerance=3)  # 40000 / 256


@pytest.mark.parametrize("params", [{"quality": 80}, {"lossless": True}], ids=["lossy", "lossless"])
def test_webp_is_accepted(params):
    photo = photos.process(encode(two_colours(), "WEBP", exif=camera_exif(6), **params))
    image = opened(photo.large)
    assert image.format == "JPEG" and image.size == (200, 300)
    assert not image.getexif() and GPS_MAP_DATUM.encode() not in photo.large


def test_webp_with_alpha_is_flattened():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 50, 100))
    result = opened(photos.process(encode(image, "WEBP", lossless=True)).large)
    assert _close(result.getpixel((25, 50)), BLUE) and _close(result.getpixel((75, 50)), WHITE)


def test_heic_from_an_iphone_is_accepted_upright_and_without_metadata():
    # Given EXIF bytes, pillow-heif stores the rotation as the HEIF container's own transformation (irot),
    # as an iPhone does; libheif applies it when decoding and pillow-heif resets the EXIF orientation to 1
    # then, so the picture is not turned twice.
    data = encode(two_colours(), "HEIF", quality=90, exif=camera_exif(6).tobytes())
    assert data[4:12] == b"ftypheic" and b"irot" in data and GPS_MAP_DATUM.encode() in data
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    photo = photos.process(data)
    image = opened(photo.large)
    assert image.size == (200, 300)
    assert _close(image.getpixel((100, 20)), RED, tolerance=40)
    for variant in (photo.large, photo.thumbnail):
        assert not opened(variant).getexif()
        assert GPS_MAP_DATUM.encode() not in variant and CAMERA_MAKE.encode() not in variant


def test_a_large_heic_is_shrunk_from_libheifs_buffer_band_by_band():
    photo = photos.process(encode(two_colours((2400, 1800)), "HEIF", quality=90))
    image = opened(photo.large)
    assert image.size == (1600, 1200)
    assert _close(image.getpixel((300, 600)), RED, tolerance=40)
    assert _close(image.getpixel((1300, 600)), BLUE, tolerance=40)


def test_only_the_first_frame_of_an_animation_is_used():
    frames = [Image.new("RGB", (64, 64), colour) for colour in (RED, BLUE, (0, 255, 0))]
    for format in ("WEBP", "PNG"):
        data = encode(frames[0], format, save_all=True, append_images=frames[1:], duration=100, loop=0)
        assert Image.open(io.BytesIO(data)).n_frames == 3
        assert _close(opened(photos.process(data).large).getpixel((32, 32)), RED), format


def test_multi_picture_jpeg_from_a_phone_camera_is_accepted():
    data = encode(Image.new("RGB", (64, 48), RED), "MPO", save_all=True,
                  append_images=[Image.new("RGB", (64, 48), BLUE)])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    assert _close(opened(photos.process(data).large).getpixel((32, 24)), RED)


@pytest.mark.parametrize("size, large, thumbnail", [
    ((4000, 1000), (1600, 400), (480, 120)),
    ((1000, 4000), (400, 1600), (120, 480)),
    ((2000, 2000), (1600, 1600), (480, 480)),
    ((1600, 900), (1600, 900), (480, 270)),
    ((100, 80), (100, 80), (100, 80)),  # small photos are never enlarged
    ((16, 320), (16, 320), (16, 320)),  # the smallest side and the most extreme shape allowed
])
def test_variants_are_bounded_and_keep_the_shape(size, large, thumbnail):
    photo = photos.process(encode(Image.new("RGB", size, "teal"), "PNG"))
    assert (photo.width, photo.height) == large == opened(photo.large).size
    assert opened(photo.thumbnail).size == thumbnail


def test_a_12_megapixel_phone_photo_is_processed():
    data = a_12_megapixel_jpeg()
    photo = photos.process(data)
    assert (photo.width, photo.height) == (1200, 1600)  # 4000 × 3000, turned upright
    assert opened(photo.thumbnail).size == (360, 480)
    assert len(photo.large) < len(data) and len(photo.thumbnail) < len(photo.large)


def test_the_hash_names_the_large_variant_and_is_stable():
    data = phone_jpeg()
    first, second = photos.process(data), photos.process(data)
    assert first.content_hash == second.content_hash == hashlib.sha256(first.large).hexdigest()
    assert first == second
    assert photos.process(phone_jpeg(orientation=1)).content_hash != first.content_hash


def test_the_same_picture_with_other_metadata_gets_the_same_hash():
    plain = encode(two_colours(), "JPEG", quality=92)
    with_gps = encode(two_colours(), "JPEG", quality=92, exif=camera_exif(1))
    assert photos.process(plain).content_hash == photos.process(with_gps).content_hash


def test_errors_are_short_user_facing_sentences():
    with pytest.raises(PhotoError) as caught:
        photos.process(b"not a photo at all")
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == str(caught.value.message)
    assert str(caught.value) == "The file is not a photo we can read. Use JPEG, PNG, WebP or HEIC."


def test_damaged_files_are_never_loaded_leniently(monkeypatch):
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError):
        photos.process(phone_jpeg())


# --- what is refused ----------------------------------------------------------------------------------------


def _valid_jpeg() -> bytes:
    return encode(two_colours((640, 480)), "JPEG", quality=90)


def _truncated_png() -> bytes:
    data = encode(Image.frombytes("RGB", (64, 64), random.Random(1).randbytes(64 * 64 * 3)), "PNG")
    return data[: len(data) // 2]


def _png_with_bad_checksum() -> bytes:
    data = bytearray(encode(Image.frombytes("L", (64, 64), random.Random(2).randbytes(64 * 64)), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF
    return bytes(data)


HOSTILE = {
    "zero bytes": lambda: b"",
    "random bytes": lambda: random.Random(0).randbytes(50_000),
    "svg": lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
                   b'<script>alert(1)</script><rect width="100" height="100"/></svg>',
    "html": lambda: b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>",
    "html then a jpeg": lambda: b"<html><script>alert(1)</script></html>" + _valid_jpeg(),
    "pdf": lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "postscript": lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\nshowpage\n",
    "gif": lambda: encode(Image.new("RGB", (64, 64), "red"), "GIF"),
    "bmp": lambda: encode(Image.new("RGB", (64, 64), "red"), "BMP"),
    "tiff": lambda: encode(Image.new("RGB", (64, 64), "red"), "TIFF"),
    "avif": lambda: encode(Image.new("RGB", (64, 64), "red"), "AVIF"),
    "truncated jpeg": lambda: _valid_jpeg()[: len(_valid_jpeg()) // 2],
    "jpeg header only": lambda: _valid_jpeg()[:600],
    "truncated png": _truncated_png,
    "png with a bad checksum": _png_with_bad_checksum,
    "1 x 100000 png": lambda: encode(Image.new("L", (1, 100_000)), "PNG"),
    "100000 x 1 png": lambda: encode(Image.new("L", (100_000, 1)), "PNG"),
    "too small": lambda: encode(Image.new("RGB", (15, 64)), "PNG"),
    "too long and narrow": lambda: encode(Image.new("RGB", (20 * 64 + 1, 64)), "PNG"),
}


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_are_refused_and_leave_nothing_behind(make, tmp_path):
    with pytest.raises(PhotoError) as caught:
        photos.store(photos.process(make()), tmp_path)
    assert str(caught.value).endswith(".")
    assert not list(tmp_path.iterdir())


BOMBS = {
    # 900 megapixels; Pillow's own limit refuses it at open
    "png 30000 x 30000": pytest.param(lambda: png_bomb(30_000, 30_000), id="png 30000 x 30000"),
    # 64 megapixels: under Pillow's limit, over ours
    "png 8000 x 8000": pytest.param(lambda: png_bomb(8_000, 8_000), id="png 8000 x 8000"),
    # 100 megapixels: Pillow only warns, we refuse
    "png 10000 x 10000": pytest.param(
        lambda: png_bomb(10_000, 10_000), id="png 10000 x 10000",
        marks=pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")),
    "jpeg claiming 60000 x 60000": pytest.param(lambda: jpeg_claiming(60_000, 60_000),
                                                id="jpeg 60000 x 60000"),
    "jpeg claiming 14200 x 14200": pytest.param(lambda: jpeg_claiming(14_200, 14_200),
                                                id="jpeg 14200 x 14200"),
    "narrow jpeg": pytest.param(lambda: jpeg_claiming(40_000, 16), id="jpeg 40000 x 16"),
}


@pytest.mark.parametrize("make", BOMBS.values())
def test_decompression_bombs_are_refused_from_the_header_alone(make, tmp_path, request):
    data = make()
    assert len(data) < 2_000_000
    request.getfixturevalue("decoding_forbidden")  # after building the bomb, which does not decode either
    with pytest.raises(PhotoError):
        photos.store(photos.process(data), tmp_path)
    assert not list(tmp_path.iterdir())


def test_a_photo_at_the_pixel_limit_is_decoded_but_one_pixel_row_more_is_not(request):
    at_limit, above = jpeg_claiming(10_000, 20_000), jpeg_claiming(10_000, 20_001)
    request.getfixturevalue("decoding_forbidden")
    with pytest.raises(AssertionError, match="pixels were decoded"):
        photos.process(at_limit)  # exactly MAX_PIXELS (200 megapixels, a phone's largest) passes
    with pytest.raises(PhotoError, match="200 megapixels"):
        photos.process(above)


def test_a_30_megapixel_png_passes_the_header_but_a_49_megapixel_one_is_refused(request):
    at_limit, above = png_bomb(6_000, 5_000), png_bomb(7_000, 7_000)
    request.getfixturevalue("decoding_forbidden")
    with pytest.raises(AssertionError, match="pixels were decoded"):
        photos.process(at_limit)
    with pytest.raises(PhotoError, match="A PNG can have at most 30 megapixels"):
        photos.process(above)


FULL_DECODE = {
    "PNG": lambda size: encode(two_colours(size), "PNG"),
    "WEBP": lambda size: encode(two_colours(size), "WEBP"),
    "HEIF": lambda size: encode(two_colours(size), "HEIF"),
    "progressive JPEG": lambda size: encode(two_colours(size), "JPEG", progressive=True),
}


@pytest.mark.parametrize("kind", FULL_DECODE)
def test_formats_decoded_in_full_have_their_own_pixel_limit(kind, monkeypatch):
    data = FULL_DECODE[kind]((64, 48))
    monkeypatch.setitem(photos.FULL_DECODE_PIXELS, kind, 64 * 48)
    assert photos.process(data).width == 64  # at the limit
    monkeypatch.setitem(photos.FULL_DECODE_PIXELS, kind, 64 * 48 - 1)
    monkeypatch.setattr(photos, "_decode_heif", lambda *args: pytest.fail("pixels were decoded"))
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda *args: pytest.fail("pixels were decoded"))
    message = "megapixels; a JPEG straight from the camera can have 200"
    with pytest.raises(PhotoError, match=message) as caught:
        photos.process(data)
    assert {"HEIF": "HEIC", "WEBP": "WebP"}.get(kind, kind) in str(caught.value)


def test_a_sequential_jpeg_is_held_to_the_jpeg_limit_only(monkeypatch):
    monkeypatch.setitem(photos.FULL_DECODE_PIXELS, "progressive JPEG", 1)
    assert photos.process(encode(two_colours((64, 48)), "JPEG")).width == 64


def test_an_uploaded_file_is_read_from_disk_as_the_bytes_are(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(phone_jpeg())
    with path.open("rb") as upload:
        assert photos.process(upload) == photos.process(phone_jpeg())
    path.write_bytes(b"")
    with path.open("rb") as upload, pytest.raises(PhotoError, match="empty"):
        photos.process(upload)


def test_large_pictures_are_shrunk_in_bands_without_seams():
    rng = random.Random(7)
    picture = Image.frombytes("RGB", (60, 40), rng.randbytes(60 * 40 * 3)).resize((3000, 2000))
    banded = photos._shrink(picture, 1600)
    whole = picture.resize((1600, 1067), Image.Resampling.LANCZOS)
    assert banded.size == whole.size and banded.mode == "RGB"
    assert max(abs(a - b) for a, b in zip(banded.tobytes(), whole.tobytes())) <= 1  # rounding only


def test_a_polyglot_is_reencoded_without_what_was_appended():
    script = b"<html><body><script>fetch('/api/v1/me').then(r => r.text())</script></body></html>"
    data = _valid_jpeg() + script
    assert Image.open(io.BytesIO(data)).format == "JPEG"  # it really is a valid JPEG too
    photo = photos.process(data)
    for variant in (photo.large, photo.thumbnail):
        assert b"<script" not in variant and b"fetch(" not in variant and b"html" not in variant
        assert variant.endswith(b"\xff\xd9")


# --- storage ------------------------------------------------------------------------------------------------


def test_store_writes_both_variants_under_the_hash(tmp_path):
    photo = photos.process(phone_jpeg())
    photos.store(photo, tmp_path)
    large = photos.path_for(tmp_path, photo.content_hash, "large")
    thumb = photos.path_for(tmp_path, photo.content_hash, "thumb")
    assert large == tmp_path / "photos" / photo.content_hash[:2] / f"{photo.content_hash}.jpg"
    assert thumb == tmp_path / "photos" / photo.content_hash[:2] / f"{photo.content_hash}-thumb.jpg"
    assert large.read_bytes() == photo.large and thumb.read_bytes() == photo.thumbnail
    assert sorted(p.name for p in large.parent.iterdir()) == sorted([large.name, thumb.name])  # no temp files


def test_store_is_idempotent_and_completes_a_half_stored_photo(tmp_path):
    photo = photos.process(phone_jpeg())
    photos.store(photo, str(tmp_path))
    large = photos.path_for(tmp_path, photo.content_hash, "large")
    thumb = photos.path_for(tmp_path, photo.content_hash, "thumb")
    before = large.stat().st_mtime_ns, large.stat().st_ino
    thumb.unlink()
    photos.store(photo, tmp_path)
    assert (large.stat().st_mtime_ns, large.stat().st_ino) == before  # the existing file was not rewritten
    assert thumb.read_bytes() == photo.thumbnail
    assert len(list(large.parent.iterdir())) == 2


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    photo = photos.process(phone_jpeg())

    def broken_replace(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    from marketplace import storage

    monkeypatch.setattr(storage.os, "replace", broken_replace)
    with pytest.raises(photos.StorageFailed, match="full or not writable"):
        photos.store(photo, tmp_path)
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def failing_on_write(number: int, code: int = errno.ENOSPC):
    """A write_atomically whose ``number``-th call (1 = the first) fails as a full disk does."""
    calls = []

    def write(target, content):
        calls.append(target)
        if len(calls) == number:
            raise OSError(code, os.strerror(code), str(target))
        storage.write_atomically(target, content)

    return write


def test_a_disk_filling_up_between_the_variants_leaves_no_orphan_thumbnail(tmp_path, monkeypatch, caplog):
    photo = photos.process(phone_jpeg())
    monkeypatch.setattr(photos, "write_atomically", failing_on_write(2))
    with pytest.raises(photos.StorageFailed) as caught:
        photos.store(photo, tmp_path)
    assert isinstance(caught.value.__cause__, OSError) and caught.value.__cause__.errno == errno.ENOSPC
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]  # the thumbnail written first is gone
    assert "could not be stored" in caplog.text and "No space left" in caplog.text  # for the operators


def test_a_failed_store_keeps_a_variant_it_did_not_write(tmp_path, monkeypatch):
    photo = photos.process(phone_jpeg())
    photos.store(photo, tmp_path)
    photos.path_for(tmp_path, photo.content_hash, "large").unlink()
    monkeypatch.setattr(photos, "write_atomically", failing_on_write(1, errno.EROFS))
    with pytest.raises(photos.StorageFailed):
        photos.store(photo, tmp_path)
    assert photos.path_for(tmp_path, photo.content_hash, "thumb").read_bytes() == photo.thumbnail


def test_delete_removes_both_variants_and_tolerates_missing_files(tmp_path):
    photo = photos.process(phone_jpeg())
    photos.store(photo, tmp_path)
    photos.delete(tmp_path, photo.content_hash)
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]
    photos.delete(tmp_path, photo.content_hash)  # again: nothing to do, no error


@pytest.mark.parametrize("content_hash", [
    "../etc/passwd",
    "../../" + "a" * 58,
    "/" + "a" * 63,
    "a" * 63,
    "a" * 65,
    "A" * 64,
    "g" * 64,
    "a" * 63 + "\n",
    "a" * 32 + "/" + "a" * 31,
    "",
    None,
    b"a" * 64,
])
def test_path_for_refuses_anything_but_a_sha256_hex_digest(content_hash, tmp_path):
    with pytest.raises(ValueError):
        photos.path_for(tmp_path, content_hash, "large")
    with pytest.raises(ValueError):
        photos.delete(tmp_path, content_hash)
    with pytest.raises(ValueError):
        photos.store(ProcessedPhoto(content_hash, 1, 1, b"x", b"y"), tmp_path)
    assert not list(tmp_path.iterdir())


def test_path_for_refuses_unknown_variants(tmp_path):
    with pytest.raises(ValueError):
        photos.path_for(tmp_path, "a" * 64, "../large")


def test_paths_stay_inside_the_upload_directory(tmp_path):
    path = photos.path_for(tmp_path, "0f" * 32, "thumb")
    assert path.resolve().is_relative_to((tmp_path / "photos").resolve())
    assert isinstance(path, Path)


def _rational_bytes(data: bytes, dms) -> bytes:
    """The bytes of a GPS coordinate's seconds as stored in the file (a TIFF rational), found in ``data``."""
    seconds = dms[2]
    for order in (">II", "<II"):
        packed = struct.pack(order, seconds.numerator, seconds.denominator)
        if packed in data:
            return packed
    raise AssertionError("the GPS seconds are not in the file")


def _close(actual, expected, tolerance=24) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))
