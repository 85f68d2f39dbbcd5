"""documents.pdf: PDFs kept by content, and WeasyPrint kept from loosening the upload checks."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.tests.images import png_upload
from core.files.images import AVATAR_RULES, image_clean
from documents.models import RenderedPdf
from documents.pdf import pdf_from_html

pytestmark = pytest.mark.django_db


def test_the_same_html_is_rendered_once_and_gives_the_same_bytes():
    first = pdf_from_html("<h1>Day sheet</h1>")
    again = pdf_from_html("<h1>Day sheet</h1>")
    assert first.pk == again.pk
    assert bytes(first.data).startswith(b"%PDF")
    assert RenderedPdf.objects.count() == 1


def test_a_damaged_upload_is_still_refused_after_a_pdf_was_rendered():
    """Importing WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process."""
    pdf_from_html("<p>Invoice</p>")
    good = png_upload((400, 400), color="teal").read()
    with pytest.raises(ValidationError) as excinfo:
        image_clean(upload=SimpleUploadedFile("broken.png", good[: len(good) // 2]), rules=AVATAR_RULES)
    assert excinfo.value.code in {"damaged", "not_an_image"}


def test_a_machine_without_pango_is_told_how_to_mend_it(monkeypatch):
    from documents import checks, pdf

    monkeypatch.setattr(pdf.ctypes.util, "find_library", lambda name: None if name == "pangoft2-1.0" else name)
    (warning,) = checks.pdfs_can_be_made()
    assert warning.id == "documents.W002"
    assert "libpangoft2-1.0" in warning.msg and "apt-get install" in warning.hint


def test_this_machine_makes_pdfs():
    from documents import checks

    assert checks.pdfs_can_be_made() == []
