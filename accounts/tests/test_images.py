import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from accounts.images import AVATAR_RULES, ImageRules, image_clean

from .images import fake_png_upload, gif_upload, huge_dimensions_png, jpeg_upload, oversized_upload, png_upload


def test_a_photo_is_re_encoded_as_a_square_webp_no_larger_than_the_limit():
    result = image_clean(upload=jpeg_upload((1200, 900)), rules=AVATAR_RULES)
    image = Image.open(io.BytesIO(result.read()))
    assert image.format == "WEBP"
    assert image.size == (512, 512)


def test_a_small_png_keeps_its_size():
    rules = ImageRules(max_bytes=1_000_000, max_pixels=1_000_000, max_side=2000)
    result = image_clean(upload=png_upload((300, 200)), rules=rules)
    assert Image.open(io.BytesIO(result.read())).size == (300, 200)


def test_exif_is_dropped():
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    Image.new("RGB", (100, 100), "red").save(buf, format="JPEG", exif=exif)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.jpg", buf.getvalue())
    result = image_clean(upload=upload, rules=AVATAR_RULES).read()
    assert b"SecretCam" not in result


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (fake_png_upload, "not a JPEG, PNG or WebP image"),
        (gif_upload, "not a JPEG, PNG or WebP image"),
        (huge_dimensions_png, "far too many pixels; the limit is 40 megapixels"),
        (lambda: huge_dimensions_png(9000, 9000), "9000 × 9000 pixels; the limit is 40 megapixels"),
        (oversized_upload, "images can be at most 5 MB"),
    ],
)
def test_bad_files_are_refused_with_a_message(upload, message):
    with pytest.raises(ValidationError) as excinfo:
        image_clean(upload=upload(), rules=AVATAR_RULES)
    assert message in " ".join(excinfo.value.messages)


def test_truncated_image_is_reported_as_damaged():
    good = png_upload((400, 400), color="teal").read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    broken = SimpleUploadedFile("broken.png", good[: len(good) // 2])
    with pytest.raises(ValidationError) as excinfo:
        image_clean(upload=broken, rules=AVATAR_RULES)
    assert excinfo.value.code in {"damaged", "not_an_image"}
