"""Photos: time of the upload pipeline on a 12-megapixel phone JPEG next to bare Pillow, and the peak memory
one upload adds to a worker, for every kind of photo up to its pixel limit.

Time. The same generated photo (4000 × 3000, grain like a real camera's, EXIF with orientation 6 and a GPS
position, about 5 MB) goes through

- the pipeline, ``marketplace.listings.photos.process``: header checks, reduced-scale JPEG decoding, full
  decode, colour conversion, resize to 1600 px, rotation, a 480 px thumbnail, two progressive JPEGs without
  metadata, the SHA-256 name; and
- bare Pillow, the naive three lines: ``Image.open``, ``resize`` to the same 1600 × 1200, ``save`` as JPEG at
  the same quality (one file, no checks, no thumbnail, metadata handling left to Pillow).

Times are medians of ``--runs`` runs each, taken alternately (pipeline, bare, bare, pipeline, …) after one
warm-up of each, so drifting background load hits both alike.

Memory. Each photo of ``MEMORY_CASES`` (JPEG of 12, 48, 108 and 200 megapixels; a progressive JPEG, a PNG,
a WebP and a HEIC at or near their limits; the 49-megapixel PNG that once took 428 MiB) is processed once in
a fresh child process, which opens the file as a worker gets the spooled upload and hands it to the pipeline.
The peak is the growth of the resident set (VmHWM over VmRSS, the high-water mark reset just before the file
is opened where Linux allows it): Pillow allocates pixels in C, where tracemalloc does not see them. A refused
photo is measured too; it must cost next to nothing. The goal: no accepted photo adds more than ``GOAL_MB``.

Prints one JSON line per measure to stdout, and a summary against the goal to stderr; exits 1 if an accepted
photo goes over the goal, or a photo is not accepted or refused as expected. Making the large photos (the
HEIC with x265 above all) takes most of the three or four minutes it runs.

    .venv/bin/python benchmarks/photos.py [--runs 9]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from _harness import BenchmarkError, log, run_as_command  # beside this script
from marketplace.listings import photos  # the project is installed into .venv (``pip install -e .``)

BENCHMARK = "photos"
WIDTH, HEIGHT = 4000, 3000
BARE_SIZE = (photos.LARGE_SIZE, photos.LARGE_SIZE * HEIGHT // WIDTH)
GOAL_MB = 150  # megabytes (10^6 bytes) one upload may add to a worker


def phone_photo(seed: int = 12) -> bytes:
    """A 12 MP JPEG that compresses like a camera photo: smooth shapes plus sensor grain, EXIF with GPS."""
    rng = random.Random(seed)
    smooth = Image.frombytes("RGB", (400, 300), rng.randbytes(400 * 300 * 3)).resize((WIDTH, HEIGHT),
                                                                                     Image.Resampling.BICUBIC)
    grain = Image.frombytes("RGB", (WIDTH, HEIGHT), rng.randbytes(WIDTH * HEIGHT * 3))
    exif = Image.Exif()
    exif[0x0112] = 6  # held upright: the pipeline has to turn it
    exif[0x010F] = "Benchmark phone"
    exif.get_ifd(0x8825).update({1: "N", 2: (59.0, 54.0, 41.88), 3: "E", 4: (10.0, 45.0, 7.25)})
    buffer = io.BytesIO()
    Image.blend(smooth, grain, 0.1).save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def camera_picture(width: int, height: int, grain: float = 0.1, seed: int = 1) -> Image.Image:
    """Smooth shapes plus grain, like ``phone_photo``, the grain a repeated tile so that 200 megapixels are
    made in seconds. Without grain, PNG and HEIC encode many times faster; decoding costs them the same."""
    rng = random.Random(seed)
    smooth = Image.frombytes("RGB", (400, 300), rng.randbytes(400 * 300 * 3)).resize((width, height),
                                                                                     Image.Resampling.BILINEAR)
    if not grain:
        return smooth
    tile = Image.frombytes("RGB", (509, 503), rng.randbytes(509 * 503 * 3))
    noise = Image.new("RGB", (width, height))
    for x in range(0, width, tile.width):
        for y in range(0, height, tile.height):
            noise.paste(tile, (x, y))
    return Image.blend(smooth, noise, grain)


def with_alpha(picture: Image.Image) -> Image.Image:
    picture.putalpha(Image.linear_gradient("L").resize(picture.size))
    return picture


def encoded(picture: Image.Image, format: str, **params) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format, **params)
    return buffer.getvalue()


def _jpeg(width, height):
    return encoded(camera_picture(width, height), "JPEG", quality=90)


# name → (width, height, make the file): photos someone could send, at the limits and just above one
MEMORY_CASES = {
    "jpeg_12mp": (4000, 3000, _jpeg),
    "jpeg_48mp": (8000, 6000, _jpeg),
    "jpeg_108mp": (12000, 9000, _jpeg),
    "jpeg_200mp": (16320, 12240, _jpeg),
    # full chroma, the costliest progressive JPEG
    "progressive_jpeg_20mp": (5472, 3648, lambda w, h: encoded(camera_picture(w, h), "JPEG", quality=90,
                                                               progressive=True, subsampling=0)),
    "png_rgba_30mp": (6000, 5000, lambda w, h: encoded(with_alpha(camera_picture(w, h, 0)), "PNG",
                                                       compress_level=1)),
    "png_rgba_49mp": (7000, 7000, lambda w, h: encoded(with_alpha(camera_picture(w, h, 0)), "PNG",
                                                       compress_level=1)),
    "webp_rgba_8mp": (4000, 2000, lambda w, h: encoded(with_alpha(camera_picture(w, h)), "WEBP", quality=80,
                                                       method=0)),
    # an iPhone's 24 MP. One coded picture: the grid of 512-pixel tiles an iPhone writes takes 5 MiB less to
    # decode (libheif decodes tile by tile), and five times as long to make here.
    "heic_24mp": (5712, 4284, lambda w, h: encoded(camera_picture(w, h, 0), "HEIF", quality=50,
                                                   enc_params={"preset": "ultrafast"})),
}
REFUSED_CASES = {"png_rgba_49mp"}  # above their limit: refused from the header, at no cost


def run_pipeline(data: bytes) -> int:
    photo = photos.process(data)
    return len(photo.large) + len(photo.thumbnail)


def run_bare(data: bytes) -> int:
    image = Image.open(io.BytesIO(data))
    resized = image.resize(BARE_SIZE)
    buffer = io.BytesIO()
    resized.save(buffer, "JPEG", quality=photos.JPEG_QUALITY)
    return len(buffer.getvalue())


VARIANTS = {"pipeline": run_pipeline, "bare": run_bare}


# --- memory, in a child process -----------------------------------------------------------------------------


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise BenchmarkError(f"/proc/self/status has no {field}")


def child(variant: str, path: str) -> int:
    """Process the photo once and print how far the resident set grew above where it stood before. The
    pipeline gets the open file, as a worker gets the spooled upload; bare Pillow reads the bytes."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # resets VmHWM to the current resident set
        method = "VmHWM-VmRSS (reset)"
    except OSError:
        method = "VmHWM-VmRSS"
    before = _status_kib("VmRSS")
    outcome = "accepted"
    with open(path, "rb") as upload:
        try:
            if variant == "bare":
                run_bare(upload.read())
            else:
                photos.process(upload)
        except photos.PhotoError as error:
            outcome = f"refused: {error}"
    peak = _status_kib("VmHWM")
    print(json.dumps({"peak_mib": round((peak - before) / 1024, 1), "method": method, "outcome": outcome}))
    return 0


def measure_memory(variant: str, path: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", variant, str(path)],
                            capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise BenchmarkError(f"the {variant} memory run on {path.name} failed: "
                             f"{result.stderr.strip()[-500:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure_cases(directory: Path) -> dict[str, dict]:
    cases = {}
    for name, (width, height, make) in MEMORY_CASES.items():
        started = time.perf_counter()
        path = directory / name
        path.write_bytes(make(width, height))
        made = time.perf_counter() - started
        started = time.perf_counter()
        measured = measure_memory("pipeline", path)
        cases[name] = {**measured, "megapixels": round(width * height / 1e6, 1),
                       "file_bytes": path.stat().st_size, "seconds": round(time.perf_counter() - started, 2)}
        path.unlink()
        log(f"  {name}: {measured['peak_mib']} MiB, {measured['outcome'][:50]} (made in {made:.1f} s)")
    return cases


# --- main ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each variant (default 9)")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    if args.runs < 1:
        raise BenchmarkError("--runs must be at least 1")
    if not Path("/proc/self/status").exists():
        raise BenchmarkError("peak memory is read from /proc/self/status, so this benchmark needs Linux")

    log(f"Generating a {WIDTH} × {HEIGHT} JPEG …")
    data = phone_photo()
    log(f"  {len(data) / 1e6:.1f} MB")

    log("Warming up …")
    for function in VARIANTS.values():
        function(data)

    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    load_average = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    for index in range(args.runs):
        order = ("pipeline", "bare") if index % 2 == 0 else ("bare", "pipeline")
        for name in order:
            started = time.perf_counter()
            VARIANTS[name](data)
            times[name].append(time.perf_counter() - started)
        log(f"  run {index + 1}/{args.runs}: pipeline {times['pipeline'][-1] * 1000:6.1f} ms, "
            f"bare {times['bare'][-1] * 1000:6.1f} ms")

    log("Measuring peak memory in child processes …")
    with tempfile.TemporaryDirectory(prefix="photos-bench-") as temporary:
        path = Path(temporary) / "photo.jpg"
        path.write_bytes(data)
        memory = {name: measure_memory(name, path) for name in VARIANTS}
        cases = measure_cases(Path(temporary))

    photo = photos.process(data)
    common = {
        "input_megapixels": round(WIDTH * HEIGHT / 1e6, 1),
        "input_bytes": len(data),
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "pillow": Image.__version__,
        # 1-minute load when the measuring began: above the CPU count, expect noise
        "load_average": load_average,
    }

    def emit(measure: str, value: float, unit: str, **extra) -> None:
        line = {"benchmark": BENCHMARK, "measure": measure, "value": value, "unit": unit, **extra, **common}
        print(json.dumps(line), flush=True)

    medians = {name: statistics.median(values) for name, values in times.items()}
    emit("pipeline_seconds", round(medians["pipeline"], 4), "s", minimum=round(min(times["pipeline"]), 4),
         large_bytes=len(photo.large), thumbnail_bytes=len(photo.thumbnail))
    emit("bare_seconds", round(medians["bare"], 4), "s", minimum=round(min(times["bare"]), 4),
         output_bytes=run_bare(data))
    emit("pipeline_vs_bare_ratio", round(medians["pipeline"] / medians["bare"], 3), "ratio")
    emit("pipeline_peak_memory", memory["pipeline"]["peak_mib"], "MiB", method=memory["pipeline"]["method"])
    emit("bare_peak_memory", memory["bare"]["peak_mib"], "MiB", method=memory["bare"]["method"])
    if memory["bare"]["peak_mib"] > 0:
        emit("pipeline_vs_bare_memory_ratio",
             round(memory["pipeline"]["peak_mib"] / memory["bare"]["peak_mib"], 3), "ratio")

    goal_mib = GOAL_MB * 1e6 / 2**20
    wrong = []
    for name, case in cases.items():
        accepted = case["outcome"] == "accepted"
        emit(f"peak_memory_{name}", case["peak_mib"], "MiB", megapixels=case["megapixels"],
             file_bytes=case["file_bytes"], accepted=accepted, within_goal=case["peak_mib"] <= goal_mib,
             process_seconds=case["seconds"], method=case["method"])
        if (accepted and case["peak_mib"] > goal_mib) or accepted == (name in REFUSED_CASES):
            wrong.append(name)

    log(f"pipeline {medians['pipeline'] * 1000:.1f} ms, bare Pillow {medians['bare'] * 1000:.1f} ms, "
        f"ratio {medians['pipeline'] / medians['bare']:.3f}; "
        f"peak memory {memory['pipeline']['peak_mib']} MiB "
        f"vs {memory['bare']['peak_mib']} MiB")
    log(f"Peak memory one upload adds to a worker (goal: at most {GOAL_MB} MB = {goal_mib:.0f} MiB):")
    for name, case in cases.items():
        verdict = (case["outcome"][:70] if case["outcome"] != "accepted"
                   else "within the goal" if case["peak_mib"] <= goal_mib else "OVER THE GOAL")
        log(f"  {name:<22} {case['megapixels']:>6} MP {case['peak_mib']:>7} MiB  {verdict}")
    if wrong:
        log(f"Over the goal of {GOAL_MB} MB, or not accepted or refused as expected: {', '.join(wrong)}")
        return 1
    return 0


if __name__ == "__main__":
    run_as_command(main, "photos")
