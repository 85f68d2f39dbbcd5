"""Building a person's data archive (docs/decisions/0082): one zip of

- `stageslot-export.json`: {"schema": "stageslot.person-export", "version": 1, "generated_at", "person",
  "sections": {section: {table in words: [rows]}}}; the sections are the person-data map's categories
  (profile, sign_in, devices, notifications, memberships, availability, bookings, threads, gigs, money,
  papers, reviews, files), each entry's `export` fields of the rows that name the person, plus the threads
  they took part in (others named as the page names them) and the reviews they received. Times in UTC
  (ISO 8601), money in minor units with its currency (decision 0037);
- `calendar.ics`: their gigs, as their member feed has them;
- `files/`: their avatar, the files they uploaded, the PDFs of their invoices and signed contracts;
- `README.txt`.

Built by the worker (`data_export_build`, claimed as decision 0015 claims mail: a claim older than
EXPORT_CLAIM is taken over), spooled to disk, stored privately under a random name, kept EXPORT_KEPT.
"""

import datetime as dt
import json
import logging
import tempfile
import zipfile
from decimal import Decimal
from pathlib import PurePosixPath
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.exports import EXPORT_CLAIM, EXPORT_KEPT
from accounts.models import DataExport, User
from accounts.people import people_draw
from accounts.services import email_queue, language_for
from accounts.site import site_url
from accounts.stored_files import stored_file_open
from bookings.ical import feed_render
from bookings.models import Booking, Message
from bookings.selectors.feeds import member_feed_events
from documents.models import Contract, Invoice
from reviews.models import Review

from .person_data import MAP

logger = logging.getLogger(__name__)

SCHEMA = "stageslot.person-export"
VERSION = 1
# Rows read from the database at a time.
CHUNK = 2000

README = """This archive holds what StageSlot stores about you.

stageslot-export.json  everything, in sections (schema "stageslot.person-export", version 1);
                       times in UTC (ISO 8601), amounts in minor units (cents) with their currency.
calendar.ics           your gigs, for any calendar app.
files/                 your picture, files you uploaded, your invoices and signed contracts.
"""


def data_export_claim(*, export_id: int, now: dt.datetime) -> DataExport | None:
    """Claim a waiting archive (or one whose build died) for this worker; None when there is nothing to do."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None:
            return None
        stale = export.state == DataExport.State.BUILDING and (
            export.claimed_at is None or export.claimed_at < now - EXPORT_CLAIM
        )
        if export.state != DataExport.State.PENDING and not stale:
            return None
        export.state = DataExport.State.BUILDING
        export.claimed_at = now
        export.save(update_fields=["state", "claimed_at"])
    return export


def data_export_build(*, export_id: int, now: dt.datetime | None = None) -> bool:
    """Build one archive, store it, and tell its person by email. At least once: a build that dies is
    taken over after EXPORT_CLAIM and built again from the start. Returns whether this call built it."""
    now = now or timezone.now()
    export = data_export_claim(export_id=export_id, now=now)
    if export is None:
        return False
    user = export.user
    try:
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive_write(archive=archive, user=user, now=now)
            spool.seek(0, 2)
            size = spool.tell()
            spool.seek(0)
            export.file.save("export.zip", File(spool), save=False)
    except Exception:
        logger.exception("Data export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.FAILED)
        raise
    export.size = size
    export.state = DataExport.State.READY
    export.ready_at = now
    export.expires_at = now + EXPORT_KEPT
    export.save(update_fields=["file", "size", "state", "ready_at", "expires_at"])
    _tell(export)
    return True


def _tell(export: DataExport) -> None:
    user = export.user
    with translation.override(language_for(user)):
        body = _(
            "Your StageSlot archive is ready. Sign in and download it on your data page within 7 days:\n%(url)s"
        ) % {"url": site_url() + reverse("privacy:data")}
        message = EmailMessage(_("Your data from StageSlot"), body, settings.DEFAULT_FROM_EMAIL, [user.email])
    email_queue(message=message)


def archive_write(*, archive: zipfile.ZipFile, user: User, now: dt.datetime) -> None:
    """Write the archive's members for `user`."""
    files: dict[str, object] = {}
    document = {
        "schema": SCHEMA,
        "version": VERSION,
        "generated_at": _value(now),
        "person": {"id": user.pk, "name": user.name, "email": user.email},
        "sections": export_sections(user=user, files=files),
    }
    archive.writestr("stageslot-export.json", json.dumps(document, ensure_ascii=False, indent=1))
    events = member_feed_events(user=user, now=now, include_pending=True)
    archive.writestr("calendar.ics", feed_render(name=_("My gigs on StageSlot"), events=events))
    archive.writestr("README.txt", README)
    for name, stored in files.items():
        if isinstance(stored, bytes):
            archive.writestr(name, stored)
            continue
        try:
            with stored_file_open(stored) as handle, archive.open(name, "w") as target:
                for block in iter(lambda: handle.read(1024 * 1024), b""):
                    target.write(block)
        except Exception:
            logger.warning("Data export: a stored file of user %s is missing: %s", user.pk, stored.name)


def export_sections(*, user: User, files: dict) -> dict:
    """The JSON's sections for `user`, naming each file the archive adds in `files`."""
    sections: dict[str, dict[str, list]] = {}
    for entry in MAP:
        if not entry.export:
            continue
        model = apps.get_model(entry.label)
        if entry.label == "accounts.User":
            rows = User.objects.filter(pk=user.pk)
        elif entry.person:
            mine = Q()
            for key in entry.person:
                mine |= Q(**{key: user})
            rows = model._base_manager.filter(mine).distinct().order_by("pk")
        else:
            continue
        table = str(model._meta.verbose_name_plural)
        out = sections.setdefault(entry.category, {}).setdefault(table, [])
        for row in rows.iterator(chunk_size=CHUNK):
            record = {}
            for name in entry.export:
                value = getattr(row, name)
                if isinstance(value, models.fields.files.FieldFile):
                    if value:
                        path = f"files/{model._meta.model_name}/{row.pk}-{PurePosixPath(value.name).name}"
                        files[path] = value
                        value = path
                    else:
                        value = None
                record[name] = _value(value)
            out.append(record)
    sections.setdefault("threads", {})["messages in your bookings"] = _threads(user)
    sections.setdefault("reviews", {})["reviews of you"] = _reviews_received(user)
    _papers(user, files)
    return sections


def _took_part(user: User) -> Q:
    return Q(client=user) | Q(requested_by=user) | Q(band__memberships__user=user) | Q(venue__staff_roles__user=user)


def _threads(user: User) -> list[dict]:
    bookings = Booking.objects.filter(_took_part(user)).values("pk")
    messages = Message.objects.filter(booking__in=bookings).select_related("author", "booking").order_by("pk")
    return [
        {
            "booking": str(m.booking.uid),
            "author": _("you") if m.author_id == user.pk else (m.author.name if m.author else ""),
            "body": m.body,
            "created_at": _value(m.created_at),
        }
        for m in messages.iterator(chunk_size=CHUNK)
    ]


def _reviews_received(user: User) -> list[dict]:
    reviews = Review.objects.filter(client=user, subject_side="client", published_at__isnull=False)
    return [
        {"booking": str(r.booking.uid), "overall": r.overall, "text": r.text, "published_at": _value(r.published_at)}
        for r in reviews.select_related("booking").order_by("pk")
    ]


def _papers(user: User, files: dict) -> None:
    for invoice in Invoice.objects.filter(recipient=user, pdf__isnull=False).select_related("pdf"):
        files[f"files/invoices/{invoice.number or invoice.uid}.pdf"] = bytes(invoice.pdf.data)
    signed = Contract.objects.filter(signatures__signer=user, final__isnull=False).select_related("final").distinct()
    for contract in signed:
        files[f"files/contracts/{contract.uid}.pdf"] = bytes(contract.final.data)


def _value(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, Booking):
        return str(value.uid)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, str):
        return people_draw(value)
    return value


def data_exports_delete(*, user: User) -> None:
    """Erasure's step for archives: their files and rows go."""
    for export in DataExport.objects.filter(user=user):
        if export.file:
            export.file.delete(save=False)
        export.delete()


def data_exports_expire(*, now: dt.datetime | None = None) -> int:
    """Archives past their time: the file goes, the row says expired. Returns how many."""
    now = now or timezone.now()
    done = 0
    for export in DataExport.objects.filter(state=DataExport.State.READY, expires_at__lte=now):
        if export.file:
            export.file.delete(save=False)
        DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.EXPIRED, file="")
        done += 1
    return done
