import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from core.files.images import AVATAR_RULES, PHOTO_RULES, ImageRules, image_clean

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
        (huge_dimensions_png, "far too many pixels; the limit is 25 megapixels"),
        (lambda: huge_dimensions_png(9000, 9000), "9000 × 9000 pixels; the limit is 25 megapixels"),
        (lambda: huge_dimensions_png(6000, 6000), "6000 × 6000 pixels; the limit is 25 megapixels"),
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


@pytest.mark.parametrize("rules", [AVATAR_RULES, PHOTO_RULES])
def test_a_tiny_file_of_too_many_pixels_is_refused_from_its_header_without_decoding(rules, monkeypatch):
    """A few KB of PNG that declares 7000 × 7000 pixels (49 MP, about 200 MB once decoded) is refused
    before a single pixel is decoded."""
    upload = huge_dimensions_png(7000, 7000)
    assert upload.size < 50_000

    def no_decoding(self):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "convert", no_decoding)
    with pytest.raises(ValidationError) as excinfo:
        image_clean(upload=upload, rules=rules)
    assert excinfo.value.code == "too_many_pixels"
    assert "7000 × 7000 pixels; the limit is 25 megapixels (e.g. 6000 × 4000)" in excinfo.value.messages[0]


def test_a_24_megapixel_camera_photo_is_still_accepted_and_scaled():
    result = image_clean(upload=jpeg_upload((6000, 4000)), rules=PHOTO_RULES)
    assert Image.open(io.BytesIO(result.read())).size == (1600, 1067)


@pytest.mark.parametrize(("size", "expected"), [((4032, 3024), (1600, 1200)), ((3024, 4032), (1200, 1600))])
def test_a_large_jpeg_is_decoded_at_a_reduced_scale_that_still_covers_the_stored_size(size, expected, monkeypatch):
    from PIL import JpegImagePlugin

    drafts = []
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, requested):
        result = original(self, mode, requested)
        drafts.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    result = image_clean(upload=jpeg_upload(size), rules=PHOTO_RULES)
    assert drafts == [(size[0] // 2, size[1] // 2)]
    assert Image.open(io.BytesIO(result.read())).size == expected


def test_an_avatar_is_decoded_no_smaller_than_its_square():
    result = image_clean(upload=jpeg_upload((4100, 4100)), rules=AVATAR_RULES)
    assert Image.open(io.BytesIO(result.read())).size == (512, 512)


def test_transparency_is_kept_only_where_there_is_some():
    from django.core.files.uploadedfile import SimpleUploadedFile

    def palette_png(transparent: bool) -> SimpleUploadedFile:
        image = Image.new("P", (64, 64), 1)
        image.putpalette([0, 0, 0, 200, 30, 90] + [0] * 762)
        image.paste(0, (0, 0, 32, 64))
        buf = io.BytesIO()
        image.save(buf, format="PNG", **({"transparency": 0} if transparent else {}))
        return SimpleUploadedFile("p.png", buf.getvalue())

    rules = ImageRules(max_bytes=1_000_000, max_pixels=1_000_000, max_side=64)
    opaque = Image.open(io.BytesIO(image_clean(upload=palette_png(False), rules=rules).read()))
    clear = Image.open(io.BytesIO(image_clean(upload=palette_png(True), rules=rules).read()))
    assert opaque.mode == "RGB"
    assert clear.mode == "RGBA"
