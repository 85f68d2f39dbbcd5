"""Reads of a booking's files: every version, newest first within each document; its deliverables."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.http import Http404

from bands.models import Deliverable, Package

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


# A gig in one of these, once it has started, took place (or is taking place): the band may hand over
# what it promised.
DELIVERED_FROM = (Booking.Status.BOOKED, Booking.Status.IN_PROGRESS, Booking.Status.COMPLETED, Booking.Status.DISPUTED)


def may_deliver(booking: Booking, *, now: dt.datetime) -> bool:
    """The gig has started and was not called off: its deliverables can be shared."""
    return booking.status in DELIVERED_FROM and booking.starts_at <= now


@dataclass(frozen=True)
class Deliverables:
    """What the band handed over after the gig (each document's newest version) and, where the booked
    package promised some, which of those are still missing (in words)."""

    files: list[BookingFile] = field(default_factory=list)
    promised: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return bool(self.files or self.promised)


def booking_deliverables(*, booking: Booking) -> Deliverables:
    """The booking's deliverables against its package's promise: two queries at most (the files, and
    the package's promise when the booking is of a package and it is not read with it)."""
    rows = list(
        BookingFile.objects.filter(booking_id=booking.pk)
        .exclude(deliverable="")
        .select_related("uploaded_by")
        .order_by("document", "-version", "pk")
    )
    newest: dict = {}
    for row in rows:
        newest.setdefault(row.document, row)
    files = sorted(newest.values(), key=lambda r: r.pk)
    promised_values: list[str] = []
    if booking.package_id:
        if Booking.package.is_cached(booking):
            promised_values = list(booking.package.deliverables or ())
        else:
            promised_values = list(
                Package.objects.filter(pk=booking.package_id).values_list("deliverables", flat=True).first() or ()
            )
    delivered = {row.deliverable for row in files}
    order = [value for value in Deliverable.values if value in promised_values]
    return Deliverables(
        files=files,
        promised=[str(Deliverable(value).label) for value in order],
        missing=[str(Deliverable(value).label) for value in order if value not in delivered],
    )
