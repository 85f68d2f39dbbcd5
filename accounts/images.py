"""Uploaded images: checked before decoding, then re-encoded so no original byte is kept.

Re-encoding drops EXIF (GPS positions included) and anything smuggled after the
image data; the size and pixel limits are checked on the header, before Pillow
decodes a single pixel, so a decompression bomb costs nothing.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
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


AVATAR_RULES = ImageRules(max_bytes=5 * 1024 * 1024, max_pixels=40_000_000, max_side=512, square=True)


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def image_clean(*, upload: UploadedFile, rules: ImageRules) -> ContentFile:
    """Validate an uploaded image and return it re-encoded as WebP.

    Raises ValidationError with a message for the person who uploaded it when the
    file is too large, not a JPEG/PNG/WebP image, damaged, or has too many pixels.
    """
    if upload.size is not None and upload.size > rules.max_bytes:
        raise ValidationError(
            "This file is %(size)s; images can be at most %(limit)s.",
            code="too_large",
            params={"size": _megabytes(upload.size), "limit": _megabytes(rules.max_bytes)},
        )
    not_an_image = ValidationError(
        "This file is not a JPEG, PNG or WebP image. Please choose a photo or picture file.",
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
            "This image has far too many pixels; the limit is %(limit)s megapixels.",
            code="too_many_pixels",
            params={"limit": limit},
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise not_an_image from exc
    if fmt not in ALLOWED_FORMATS:
        raise not_an_image
    if width * height > rules.max_pixels:
        raise ValidationError(
            "This image is %(width)s × %(height)s pixels; the limit is %(limit)s megapixels.",
            code="too_many_pixels",
            params={"width": width, "height": height, "limit": limit},
        )
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            "This image is damaged and cannot be read. Please export it again and retry.",
            code="damaged",
        ) from exc

    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    if rules.square:
        side = min(image.size)
        image = ImageOps.fit(image, (side, side))
    image.thumbnail((rules.max_side, rules.max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=85, method=4)
    return ContentFile(out.getvalue(), name="image.webp")


PHOTO_RULES = ImageRules(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000, max_side=1600)
