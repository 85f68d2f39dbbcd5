"""Uploaded images: what checking and re-encoding one costs the web process.

Usage:
    .venv/bin/python benchmarks/images.py [--runs 3]

Makes a few uploads in memory – a palette PNG of 39.9 megapixels that is only a few KB on disk (the
file that cost a web process 200–300 MB), the same at the pixel limit and just over it, a 24-megapixel
camera JPEG (6000 × 4000) and a 12-megapixel phone JPEG – and runs core.files.images.image_clean with
the press photo rules on each, every run in a fresh Python process, so that the peak memory it
reports is that one upload's. Prints the file size, the answer (stored size or the refusal), the wall
time and how far the process's peak resident memory (VmHWM, reset just before) rose above its
resident memory at the start of image_clean. Linux only (/proc/self/clear_refs).
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, os, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.test")
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from core.files.images import PHOTO_RULES, image_clean

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":"))

data = open({path!r}, "rb").read()
upload = SimpleUploadedFile("upload", data)
# Linux: "5" resets the peak resident size (VmHWM) to the current one, so the peak is this upload's.
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS")
start = time.perf_counter()
try:
    result = image_clean(upload=upload, rules=PHOTO_RULES)
    answer = f"stored, {{len(result.read()) // 1024}} KB WebP"
except ValidationError as exc:
    answer = "refused: " + " ".join(exc.messages)
seconds = time.perf_counter() - start
peak = status("VmHWM")
print(json.dumps({{"seconds": seconds, "rss_mb": (peak - before) / 1024, "answer": answer}}))
"""


def palette_png(width: int, height: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("P", (width, height), 0)
    image.putpalette([0, 0, 0, 200, 30, 90, 240, 240, 240] + [0] * (256 * 3 - 9))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 500):
        draw.rectangle([x, 0, x + 250, height], fill=1)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    image = Image.effect_noise((width // 8, height // 8), 60).convert("RGB").resize((width, height))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def uploads() -> list[tuple[str, bytes]]:
    return [
        ("palette PNG 6317 × 6317 (39.9 MP)", palette_png(6317, 6317)),
        ("palette PNG 5000 × 5000 (25 MP)", palette_png(5000, 5000)),
        ("palette PNG 5001 × 5000 (25.005 MP)", palette_png(5001, 5000)),
        ("camera JPEG 6000 × 4000 (24 MP)", jpeg(6000, 4000)),
        ("phone JPEG 4032 × 3024 (12.2 MP)", jpeg(4032, 3024)),
    ]


def run_once(path: str) -> dict:
    code = CHILD.format(root=str(ROOT), path=path)
    # Our own code in a fresh interpreter, so the peak memory is this upload's alone.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)  # noqa: S603
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'upload':38} {'file':>9} {'time (median)':>14} {'peak RSS growth':>16}  answer")
    with tempfile.TemporaryDirectory() as folder:
        for label, data in uploads():
            path = os.path.join(folder, "upload")
            Path(path).write_bytes(data)
            results = [run_once(path) for _ in range(args.runs)]
            seconds = statistics.median(r["seconds"] for r in results)
            rss = max(r["rss_mb"] for r in results)
            size = f"{len(data) / 1024:.0f} KB"
            print(f"{label:38} {size:>9} {seconds * 1000:>11.0f} ms {rss:>13.0f} MB  {results[0]['answer']}")


if __name__ == "__main__":
    main()
