"""Reads of a booking's files: every version, newest first within each document."""

from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.http import Http404

from ..models import Booking, BookingFile


def booking_files(*, booking: Booking) -> list[BookingFile]:
    """The booking's files, documents in the order they were first shared, each newest version first."""
    rows = list(BookingFile.objects.filter(booking_id=booking.pk).select_related("uploaded_by").order_by("pk"))
    first_seen: dict = {}
    for row in rows:
        first_seen.setdefault(row.document, row.pk)
    return sorted(rows, key=lambda r: (first_seen[r.document], -r.version))


# The order of booking_files as fields of booking_file_rows: a keyset can page through it.
FILE_ORDER = ("first_shared", "-version", "pk")


def booking_file_rows(*, booking: Booking) -> QuerySet[BookingFile]:
    """The booking's files (unordered; FILE_ORDER is booking_files' order) with who shared them, each
    with `first_shared` (the id of its document's first version, so a document's versions stay
    together) and `latest_version` (its document's newest version number)."""
    same_document = BookingFile.objects.filter(document=OuterRef("document")).order_by().values("document")
    return (
        BookingFile.objects.filter(booking_id=booking.pk)
        .select_related("uploaded_by")
        .annotate(
            first_shared=Subquery(same_document.annotate(first=Min("pk")).values("first")[:1]),
            latest_version=Subquery(same_document.annotate(latest=Max("version")).values("latest")[:1]),
        )
    )


def booking_file_of(*, booking: Booking, pk: int) -> BookingFile:
    """One file of `booking` (a file of another booking is a 404, whoever asks)."""
    row = BookingFile.objects.filter(booking_id=booking.pk, pk=pk).first()
    if row is None:
        raise Http404("No such file.")
    return row
