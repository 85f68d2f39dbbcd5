"""Uploaded images: checked before decoding, then re-encoded so no original byte is kept.

Re-encoding drops EXIF (GPS positions included) and anything smuggled after the
image data; the size and pixel limits are checked on the header, before Pillow
decodes a single pixel, so a decompression bomb costs nothing.

What an accepted image costs is its decoded size: a few KB of PNG can declare 40
megapixels, which took 300 MB and two seconds to re-encode. MAX_PIXELS is what a press
photo needs (a 24-megapixel camera's 6000 × 4000, a phone's 12 or 24 megapixels); a JPEG
is decoded by libjpeg at 1/2, 1/4 or 1/8 scale when that still covers the stored size,
and only an image with transparency is widened to four bytes a pixel
(docs/decisions/0014).
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


@dataclass(frozen=True)
class ImageRules:
    max_bytes: int
    max_pixels: int
    # Longest side of the stored image; larger images are scaled down.
    max_side: int
    # Crop to a centred square (avatars, thumbnails).
    square: bool = False


# 25 million pixels: 6000 × 4000 (24 MP cameras) and 5712 × 4284 (24 MP phones) fit, 6000 × 6000 does not.
MAX_PIXELS = 25_000_000
AVATAR_RULES = ImageRules(max_bytes=5 * 1024 * 1024, max_pixels=MAX_PIXELS, max_side=512, square=True)


def _megabytes(n: int) -> str:
    size = round(n / (1024 * 1024), 1)
    # Translators: a file size in megabytes ("2.5 MB").
    return _("%(size)s MB") % {"size": number_format(size, decimal_pos=0 if size.is_integer() else 1)}


def _draft_size(width: int, height: int, rules: ImageRules) -> tuple[int, int]:
    """The smallest size a JPEG may be decoded at: the square's side on both sides (avatars), else the
    stored longest side on the longest side, with the shorter side in proportion."""
    if rules.square:
        return rules.max_side, rules.max_side
    longest = max(width, height)
    return max(1, rules.max_side * width // longest), max(1, rules.max_side * height // longest)


def image_clean(*, upload: UploadedFile, rules: ImageRules) -> ContentFile:
    """Validate an uploaded image and return it re-encoded as WebP.

    Raises ValidationError with a message for the person who uploaded it when the
    file is too large, not a JPEG/PNG/WebP image, damaged, or has too many pixels.
    """
    if upload.size is not None and upload.size > rules.max_bytes:
        raise ValidationError(
            _("This file is %(size)s; images can be at most %(limit)s."),
            code="too_large",
            params={"size": _megabytes(upload.size), "limit": _megabytes(rules.max_bytes)},
        )
    not_an_image = ValidationError(
        _("This file is not a JPEG, PNG or WebP image. Please choose a photo or picture file."),
        code="not_an_image",
    )
    limit = rules.max_pixels // 1_000_000
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # We check the pixel count ourselves, with a message for the uploader.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)
        fmt = image.format
        width, height = image.size
    except Image.DecompressionBombError as exc:
        raise ValidationError(
            _("This image has far too many pixels; the limit is %(limit)s megapixels."),
            code="too_many_pixels",
            params={"limit": limit},
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise not_an_image from exc
    if fmt not in ALLOWED_FORMATS:
        raise not_an_image
    if width * height > rules.max_pixels:
        raise ValidationError(
            _(
                "This image is %(width)s × %(height)s pixels; the limit is %(limit)s megapixels "
                "(e.g. 6000 × 4000). Export it smaller and try again."
            ),
            code="too_many_pixels",
            params={"width": width, "height": height, "limit": limit},
        )
    try:
        if fmt == "JPEG":
            image.draft("RGB", _draft_size(width, height, rules))
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("This image is damaged and cannot be read. Please export it again and retry."),
            code="damaged",
        ) from exc

    transparent = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if transparent else "RGB")
    if rules.square:
        side = min(image.size)
        image = ImageOps.fit(image, (side, side))
    image.thumbnail((rules.max_side, rules.max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=85, method=4)
    return ContentFile(out.getvalue(), name="image.webp")


PHOTO_RULES = ImageRules(max_bytes=10 * 1024 * 1024, max_pixels=MAX_PIXELS, max_side=1600)
