"""Reads of a booking's files: every version, newest first within each document."""

from django.http import Http404

from ..models import Booking, BookingFile


def booking_files(*, booking: Booking) -> list[BookingFile]:
    """The booking's files, documents in the order they were first shared, each newest version first."""
    rows = list(BookingFile.objects.filter(booking_id=booking.pk).select_related("uploaded_by").order_by("pk"))
    first_seen: dict = {}
    for row in rows:
        first_seen.setdefault(row.document, row.pk)
    return sorted(rows, key=lambda r: (first_seen[r.document], -r.version))


def booking_file_of(*, booking: Booking, pk: int) -> BookingFile:
    """One file of `booking` (a file of another booking is a 404, whoever asks)."""
    row = BookingFile.objects.filter(booking_id=booking.pk, pk=pk).first()
    if row is None:
        raise Http404("No such file.")
    return row
