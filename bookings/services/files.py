"""Files on a booking: riders, stage plots, set lists, contracts and recordings both sides share.

What a file is comes from its first bytes, never from its name or the browser's word: PDF, PNG, JPEG,
plain UTF-8 text, or audio (MP3, WAV, OGG, FLAC, M4A). Anything else – an executable renamed .pdf, an
HTML page called notes.txt – is refused. Files go to the private "booking_files" storage (never
MEDIA_ROOT) under random names; a new version of a document is a new row and the old ones stay.
Once the gig has started, the band may mark a file as one of its deliverables (a recording, photos,
the set list as played): the booking shows them to the other side, beside what its package promised.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.services import WHEN, lazy_text, notifications_create
from bands.models import Deliverable

from ..errors import BookingError, BookingPermissionError
from ..models import Booking, BookingFile
from ..selectors.bookings import band_players, side_of
from ..selectors.files import DELIVERED_FROM, may_deliver
from .checks import booking_contact_check, too_long_text
from .notices import booking_people, link_of
from .webhooks import file_added_emit

HEAD_BYTES = 8192
FILES_PER_BOOKING = 100
ALLOWED_WORDS = gettext_lazy("PDF, PNG, JPEG, plain text or audio (MP3, WAV, OGG, FLAC, M4A)")
# Every type sniff_content_type can give a file: what a download is served as.
CONTENT_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "audio/mpeg",
    "audio/wav",
    "audio/ogg",
    "audio/flac",
    "audio/mp4",
)


def _megabytes(size: int) -> str:
    return _("%(size)s MB") % {"size": number_format(round(size / (1024 * 1024)), 0)}


def sniff_content_type(head: bytes) -> str | None:
    """The type the first bytes of a file say it is, among the allowed ones; None for anything else."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head[4:8] == b"ftyp" and head[8:11] in (b"M4A", b"mp4", b"iso", b"M4B"):
        return "audio/mp4"
    return "text/plain" if _is_text(head) else None


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    # The head may cut a multi-byte character in two at its end: tolerate up to three bytes of it.
    for cut in range(4):
        try:
            text = head[: len(head) - cut].decode("utf-8") if cut else head.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if text.lstrip()[:15].lower().startswith(("<!doctype html", "<html", "<script", "<svg", "<?xml")):
            return False  # markup a browser would run is not a plain-text rider
        return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)
    return False


def file_check(upload: UploadedFile) -> str:
    """The upload's content type from its first bytes, or a ValidationError("file") saying why not
    (code "too_large" when it is over BOOKING_FILE_MAX_BYTES)."""
    limit = settings.BOOKING_FILE_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": [_("This file is empty.")]})
    if upload.size > limit:
        too_large = _("This file is %(size)s; files can be at most %(limit)s.") % {
            "size": _megabytes(upload.size),
            "limit": _megabytes(limit),
        }
        raise ValidationError({"file": [ValidationError(too_large, code="too_large")]})
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError(
            {
                "file": [
                    # Translators: kinds is a list of file types ("PDF, PNG, JPEG, plain text or audio (…)").
                    _("This file is not a %(kinds)s file, whatever its name says. Nothing was uploaded.")
                    % {"kinds": ALLOWED_WORDS}
                ]
            }
        )
    return content_type


def _deliverable_problem(booking: Booking, by: User, deliverable: str, now: dt.datetime) -> str | None:
    if deliverable not in Deliverable.values:
        return _("Choose what the file delivers, or leave it as an ordinary file.")
    if by.pk not in {u.pk for u in band_players(booking.band_id)}:
        return _("Only the band hands over deliverables; share this as an ordinary file.")
    if booking.status not in DELIVERED_FROM:
        # Translators: status is the gig's state (cancelled, declined…).
        return _("This gig is %(status)s, so it has no deliverables.") % {
            "status": booking.get_status_display().lower()
        }
    if not may_deliver(booking, now=now):
        return _("Deliverables are shared once the gig has started.")
    return None


def booking_file_add(
    *,
    booking: Booking,
    by: User,
    upload: UploadedFile,
    title: str,
    kind: str,
    replaces: BookingFile | None = None,
    deliverable: str = "",
    now: dt.datetime | None = None,
) -> BookingFile:
    """Share a file on a booking (either side; plain band members too). With `replaces` (a file of the
    same booking), a new version of that document; the old one stays, and the new one delivers what the
    old one did unless it says otherwise. With `deliverable` (a Deliverable value), the band hands over
    a recording, photos or the set list as played, once the gig has started. Raises
    BookingPermissionError (not a party: the caller answers 404), ContactRefused (one side blocked the
    other), ValidationError by field (type, size, title, kind, deliverable)."""
    now = now or timezone.now()
    side = side_of(booking, by) or ("band" if by.pk in {u.pk for u in band_players(booking.band_id)} else None)
    if side is None:
        raise BookingPermissionError(_("Only the people in this booking can share files on it."))
    booking_contact_check(booking=booking, band_side_asks=side == "band")
    title = (title or "").strip() or (upload.name or "File")[:120]
    if not deliverable and replaces is not None and replaces.booking_id == booking.pk:
        deliverable = replaces.deliverable
    errors: dict[str, list[str]] = {}
    if kind not in BookingFile.Kind.values:
        errors["kind"] = [_("Choose what kind of file this is.")]
    if len(title) > 120:
        errors["title"] = [too_long_text(120, len(title))]
    if replaces is not None and replaces.booking_id != booking.pk:
        errors["replaces"] = [_("Choose a file of this booking.")]
    if deliverable and (problem := _deliverable_problem(booking, by, deliverable, now)):
        errors["deliverable"] = [problem]
    if errors:
        raise ValidationError(errors)
    content_type = file_check(upload)
    if BookingFile.objects.filter(booking=booking).count() >= FILES_PER_BOOKING:
        raise BookingError(
            ngettext(
                "A booking can hold %(count)d file; this one is full.",
                "A booking can hold %(count)d files; this one is full.",
                FILES_PER_BOOKING,
            )
            % {"count": FILES_PER_BOOKING}
        )
    with transaction.atomic():
        Booking.objects.select_for_update(of=("self",)).filter(pk=booking.pk).values_list("pk", flat=True).get()
        document, version = uuid.uuid4(), 1
        if replaces is not None:
            document = replaces.document
            version = (BookingFile.objects.filter(document=document).aggregate(v=Max("version"))["v"] or 0) + 1
        row = BookingFile(
            booking=booking,
            document=document,
            version=version,
            kind=kind,
            title=title,
            original_name=(upload.name or "file")[-200:],
            content_type=content_type,
            size=upload.size,
            side=side,
            uploaded_by=by,
            deliverable=deliverable,
            for_the_road=replaces.for_the_road if replaces is not None else False,
        )
        row.file.save("upload", upload, save=False)
        try:
            row.save()
        except Exception:
            row.file.storage.delete(row.file.name)
            raise
        if deliverable:
            text = lazy_text(
                # Translators: what is what the file delivers ("Recording", "Photos"), title the file's title.
                gettext_lazy(
                    "%(name)s handed over a deliverable on %(band)s's booking for %(when)s: %(what)s, %(title)s."
                ),
                name=by.name,
                what=Deliverable(deliverable).label,
                title=title,
                band=booking.band.name,
                when=WHEN,
            )
        elif version > 1:
            text = lazy_text(
                gettext_lazy("%(name)s shared version %(version)s of %(title)s on %(band)s's booking for %(when)s."),
                name=by.name,
                version=version,
                title=title,
                band=booking.band.name,
                when=WHEN,
            )
        else:
            text = lazy_text(
                gettext_lazy("%(name)s shared %(title)s on %(band)s's booking for %(when)s."),
                name=by.name,
                title=title,
                band=booking.band.name,
                when=WHEN,
            )
        notifications_create(
            recipients=booking_people(booking),
            kind="booking_file",
            text=text,
            link=link_of(booking),
            key=f"file:{row.pk}",
            actor=by,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
        )
        file_added_emit(booking=booking, file=row)
    return row


def booking_file_road_set(*, booking: Booking, by: User, row: BookingFile, for_the_road: bool) -> int:
    """Mark a document of the booking (every version of it) as kept on its people's devices for the road,
    or no longer (decision 0091). Either side and plain band members may. Returns the rows changed.
    Raises BookingPermissionError for anyone else, BookingError for a file of another booking."""
    if side_of(booking, by) is None and by.pk not in {u.pk for u in band_players(booking.band_id)}:
        raise BookingPermissionError(_("Only the people in this booking can choose its files for the road."))
    if row.booking_id != booking.pk:
        raise BookingError(_("Choose a file of this booking."))
    return BookingFile.objects.filter(booking=booking, document=row.document).update(for_the_road=for_the_road)
