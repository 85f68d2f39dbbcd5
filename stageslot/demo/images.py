"""Poster-like pictures for the demo world, drawn on the fly (no files shipped)."""

import io
import random
from functools import lru_cache

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFilter

PALETTES = [
    ("#2b2f77", "#ff7a59", "#ffd68a"),
    ("#14213d", "#fca311", "#e5e5e5"),
    ("#3d0c45", "#ff5d8f", "#ffc2d1"),
    ("#0b3d2e", "#2ec4b6", "#cbf3f0"),
    ("#1d3557", "#e63946", "#f1faee"),
    ("#2d1e2f", "#f29e4c", "#f1c453"),
]


def demo_picture(seed: str, size: tuple[int, int] = (1200, 800)) -> ContentFile:
    """A soft stage-light composition, the same for the same seed."""
    return ContentFile(_picture(seed, size), name="photo.webp")


@lru_cache(maxsize=64)
def _picture(seed: str, size: tuple[int, int]) -> bytes:
    """The picture's bytes, drawn once per process (a test process seeds the demo world several times)."""
    rng = random.Random(seed)  # noqa: S311 - decoration, not security
    base, light, glow = rng.choice(PALETTES)
    w, h = size
    # The lights are drawn small, blurred and scaled up: same look, a tenth of the time.
    small = Image.new("RGB", (w // 8, h // 8), base)
    draw = ImageDraw.Draw(small)
    for _ in range(7):
        x, y = rng.randint(0, w // 8), rng.randint(0, h // 16)
        r = rng.randint(h // 48, h // 16)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice([light, glow]))
    image = small.filter(ImageFilter.GaussianBlur(radius=8)).resize(size, Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    # A stage edge and a row of silhouettes.
    draw.rectangle((0, int(h * 0.78), w, h), fill="#111111")
    for i in range(rng.randint(3, 5)):
        cx = int(w * (0.2 + 0.15 * i + rng.uniform(-0.03, 0.03)))
        draw.ellipse((cx - 28, int(h * 0.5), cx + 28, int(h * 0.5) + 56), fill="#111111")
        draw.rounded_rectangle((cx - 45, int(h * 0.5) + 50, cx + 45, int(h * 0.8)), radius=30, fill="#111111")
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=80)
    return out.getvalue()
