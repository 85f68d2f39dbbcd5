"""Image files for upload tests, made on the fly."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_upload(
    size: tuple[int, int] = (800, 600), name: str = "photo.png", color: str = "purple"
) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def jpeg_upload(size: tuple[int, int] = (1200, 900), name: str = "photo.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, "orange").save(buf, format="JPEG", quality=80)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def gif_upload() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (50, 50), "blue").save(buf, format="GIF")
    return SimpleUploadedFile("anim.gif", buf.getvalue(), content_type="image/gif")


def fake_png_upload() -> SimpleUploadedFile:
    """A text file renamed .png."""
    return SimpleUploadedFile("cat.png", b"this is not an image, just text\n" * 10, content_type="image/png")


def huge_dimensions_png(width: int = 20000, height: int = 20000) -> SimpleUploadedFile:
    """A valid, tiny PNG whose header declares width × height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    raw = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    return SimpleUploadedFile("huge.png", data, content_type="image/png")


def oversized_upload(megabytes: int = 6) -> SimpleUploadedFile:
    return SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (megabytes * 1024 * 1024), content_type="image/jpeg")
