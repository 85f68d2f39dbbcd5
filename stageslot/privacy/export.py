"""Building a person's data archive (docs/decisions/0082, 0098): one zip of

- `index.html`, a page per section and `style.css`: what a person reads, opened in a browser from the
  unzipped folder (relative links, no script, nothing fetched from elsewhere); each table in their language
  and time zone, amounts as money;
- `csv/`: each table as a CSV for a spreadsheet (decision 0037's form: UTF-8 with a BOM, times in ISO 8601
  in the person's zone, money in major units with a dot);
- `stageslot-export.json`: {"schema": "stageslot.person-export", "version": 2, "generated_at", "person",
  "sections": {section: {table in words: [rows, each with its "id"]}}, "tables": [{section, table, model,
  rows, csv}]}; the sections are the person-data map's categories, each entry's `export` fields of every row
  that names the person (by a key to them, or addressed to their email), plus the threads they took part in
  (others named as the page names them) and the reviews they received. Times in UTC (ISO 8601), money as
  the database keeps it (minor units, or whole units for fees and prices) with its currency;
- `calendar.ics`: their gigs, as their member feed has them;
- `files/`: their avatar, the files they uploaded, the PDFs of their invoices and signed contracts;
- `README.txt`.

Built by the worker (`data_export_build`, claimed as decision 0015 claims mail: a claim older than
EXPORT_CLAIM is taken over), spooled to disk, stored privately under a random name, kept EXPORT_KEPT.
"""

import datetime as dt
import json
import logging
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.exports import EXPORT_CLAIM, EXPORT_KEPT
from accounts.models import DataExport, Notification, User
from accounts.notification_kinds import KINDS, kind_of
from accounts.people import people_draw, people_named
from accounts.services import email_queue, language_for
from bookings.ical import feed_render
from bookings.models import Booking, Message
from bookings.selectors.feeds import member_feed_events
from bookings.selectors.quotes import money_text
from core.files.stored_files import stored_file_open
from core.web.site import site_url
from documents.exports import csv_lines, iso_local, major, safe_text
from documents.models import Contract, Invoice
from reviews.models import Review

from . import person_data as pd
from .person_data import MAP, Entry

logger = logging.getLogger(__name__)

SCHEMA = "stageslot.person-export"
VERSION = 2
# Rows read from the database at a time.
CHUNK = 2000
# Money fields kept in whole currency units (bookings' and slots' fees, a checkout's price), beside `currency`.
WHOLE_UNITS = ("fee", "price")


def readme_text() -> str:
    """README.txt, in the person's language: what each part of the archive is, and what it leaves out."""
    parts = [
        _("This archive holds what StageSlot stores about you."),
        "",
        _("index.html: open it in a browser – every section as a table, in your language and time zone."),
        _("csv/: each table as a CSV file, for a spreadsheet; amounts in major units (12.50), times in your zone."),
        _(
            "stageslot-export.json: everything, in sections (schema “stageslot.person-export”, version 2), for "
            "programs; times in UTC (ISO 8601), amounts as stored (minor units, or whole units for fees and "
            "prices) with their currency."
        ),
        _("calendar.ics: your gigs, for any calendar app."),
        _("files/: your picture, files you uploaded, your invoices and signed contracts."),
        "",
        _readme_caused(),
    ]
    return "\n".join(str(part) for part in parts) + "\n"


def _readme_caused() -> str:
    return _(
        "What others were told of what you did. When you do something others are told of (you answer a "
        "booking, give a member a part, cancel a gig), the notification is theirs: it is in their archive, not "
        "yours. Yours lists, under Notifications, each such thing once, in the words they were given, with how "
        "many people were told and when – so you can see what your actions sent out. It leaves out who they "
        "were, whether and when they read it, and anyone else the words named (written as “another person”), "
        "because that is their data, not yours."
    )


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
    """Write the archive's members for `user`: the JSON for machines, and for people an index.html with a
    page per section (in their language and time zone, amounts as money) and a CSV per table beside it."""
    files: dict[str, object] = {}
    zone = _zone(user)
    with translation.override(language_for(user)), timezone.override(zone):
        tables = export_tables(user=user, files=files, zone=zone)
        document = {
            "schema": SCHEMA,
            "version": VERSION,
            "generated_at": _value(now),
            "person": {"id": user.pk, "name": user.name, "email": user.email},
            "sections": _sections_json(tables),
            "tables": [
                {"section": t.section, "table": t.key, "model": t.model, "rows": len(t.rows), "csv": t.csv_name}
                for t in tables
            ],
        }
        archive.writestr("stageslot-export.json", json.dumps(document, ensure_ascii=False, indent=1))
        events = member_feed_events(user=user, now=now, include_pending=True)
        archive.writestr("calendar.ics", feed_render(name=_("My gigs on StageSlot"), events=events))
        archive.writestr("README.txt", readme_text())
        for table in tables:
            archive.writestr(table.csv_name, "".join(csv_lines([h for _n, h in table.columns], table.csv)))
        readable_write(archive=archive, user=user, tables=tables, now=now, zone=zone)
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


def _zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass
class Cell:
    """One value as a person reads it; `href` when it is a file in the archive."""

    text: str
    href: str = ""


@dataclass
class Table:
    """One table of the archive: the rows of one mapped model (or of the threads and reviews the person
    took part in) that name the person, each value three ways: JSON, a page's cell, a spreadsheet's cell."""

    section: str
    model: str
    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)
    shown: list[list[Cell]] = field(default_factory=list)
    csv: list[list[str]] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return f"{self.section}-{self.model.replace('.', '-').lower() or slugify(self.key)}"

    @property
    def csv_name(self) -> str:
        return f"csv/{self.slug}.csv"


def naming_q(entry: Entry, user: User) -> Q | None:
    """The rows of `entry`'s model that name `user`: by any of its keys to the person, or addressed to their
    email (`by_email`); None when the entry names no one by key or address."""
    if entry.label == "accounts.User":
        return Q(pk=user.pk)
    mine = Q()
    for key in entry.person:
        mine |= Q(**{key: user})
    for name in entry.by_email:
        if user.email:
            mine |= Q(**{f"{name}__iexact": user.email})
    return mine or None


def export_tables(*, user: User, files: dict, zone: ZoneInfo) -> list[Table]:
    """Every table of `user`'s archive, naming each file the archive adds in `files`: each map entry's
    `export` fields of the rows that name them, then the threads of their bookings and the reviews of them."""
    tables: list[Table] = []
    for entry in MAP:
        mine = naming_q(entry, user) if entry.export else None
        if mine is None:
            continue
        model = apps.get_model(entry.label)
        fields = [model._meta.get_field(name) for name in entry.export]
        related = [f.name for f in fields if f.many_to_one or f.one_to_one]
        related += [
            f"{f.name}__{path}"
            for f in fields
            if f.many_to_one or f.one_to_one
            for path in RECORD_RELATED.get(f.related_model._meta.label, ())
        ]
        rows = model._base_manager.filter(mine).distinct().select_related(*related).order_by("pk")
        with translation.override("en"):
            key = str(model._meta.verbose_name_plural)
        columns = [("id", "#")] + [(f.name, _heading(f)) for f in fields]
        table = Table(
            section=entry.category,
            model=entry.label,
            key=key,
            title=capfirst(str(model._meta.verbose_name_plural)),
            columns=columns,
        )
        for row in rows.iterator(chunk_size=CHUNK):
            record, shown, sheet = {"id": row.pk}, [Cell(str(row.pk))], [str(row.pk)]
            for f in fields:
                value = getattr(row, f.name)
                if isinstance(value, models.fields.files.FieldFile):
                    if value:
                        path = f"files/{model._meta.model_name}/{row.pk}-{PurePosixPath(value.name).name}"
                        files[path] = value
                        value = path
                        shown.append(Cell(PurePosixPath(path).name, href=path))
                    else:
                        value = None
                        shown.append(Cell(""))
                    record[f.name] = value
                    sheet.append(value or "")
                    continue
                record[f.name] = _value(value)
                shown.append(Cell(_shown(row, f, value, user=user, zone=zone)))
                sheet.append(_sheet(row, f, value, user=user, zone=zone))
            table.rows.append(record)
            table.shown.append(shown)
            table.csv.append(sheet)
        tables.append(table)
    tables.append(_caused(user, zone))
    tables.append(_threads(user, zone))
    tables.append(_reviews_received(user, zone))
    _papers(user, files)
    return tables


def export_sections(*, user: User, files: dict) -> dict:
    """The JSON's sections for `user` (as the archive's stageslot-export.json holds them)."""
    return _sections_json(export_tables(user=user, files=files, zone=_zone(user)))


def _sections_json(tables: list[Table]) -> dict:
    sections: dict[str, dict[str, list]] = {}
    for table in tables:
        sections.setdefault(table.section, {}).setdefault(table.key, []).extend(table.rows)
    return sections


def _heading(f) -> str:
    """A column's heading in the person's language. A money field's name says how it is stored ("amount
    (minor units)"); the archive shows it as money and writes it in major units, so that part goes."""
    heading = str(getattr(f, "verbose_name", f.name))
    if f.name.endswith("_minor"):
        heading = re.sub(r"\s*\([^()]*\)\s*$", "", heading) or heading
    return capfirst(heading)


def _person_name(value: User, user: User) -> str:
    return _("you") if value.pk == user.pk else value.name


def _money_minor(row, f, value) -> int | None:
    """The amount in minor units when `f` holds money and its row its currency, else None."""
    if not isinstance(value, int) or isinstance(value, bool) or not getattr(row, "currency", ""):
        return None
    if f.name.endswith("_minor"):
        return value
    if f.name in WHOLE_UNITS:
        return value * 100
    return None


def _choices(f) -> dict:
    """A field's choices by value, in the language of the moment (read once per field and language)."""
    key = (f, translation.get_language())
    if key not in _CHOICES:
        _CHOICES[key] = {value: str(label) for value, label in f.flatchoices}
    return _CHOICES[key]


_CHOICES: dict = {}


def _shown(row, f, value, *, user: User, zone: ZoneInfo) -> str:
    """A value as the archive's pages show it: in the person's language and zone, money as money."""
    if value is None or value == "":
        return ""
    if isinstance(value, User):
        return _person_name(value, user)
    if isinstance(value, models.Model):
        return record_text(value, zone=zone)
    if getattr(f, "choices", None) and not isinstance(value, list | dict):
        return str(_choices(f).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return formats.date_format(value.astimezone(zone), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, dt.time):
        return formats.time_format(value, "TIME_FORMAT")
    minor = _money_minor(row, f, value)
    if minor is not None:
        return money_text(minor, row.currency)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(_value(value), ensure_ascii=False)
    return str(value)


def _sheet(row, f, value, *, user: User, zone: ZoneInfo) -> str:
    """A value as the archive's CSV holds it (decision 0037): times in ISO 8601 in the person's zone,
    money in major units with a dot, text made inert for spreadsheets."""
    if value is None:
        return ""
    if isinstance(value, User):
        return safe_text(_person_name(value, user))
    if isinstance(value, models.Model):
        return safe_text(record_text(value, zone=zone))
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return iso_local(value, zone)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    minor = _money_minor(row, f, value)
    if minor is not None:
        return major(minor)
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple | dict):
        return safe_text(json.dumps(_value(value), ensure_ascii=False))
    return safe_text(str(_value(value)))


# ---- Linked records as a person recognises them ----------------------------------------------------------

# What record_text reads beyond the linked row itself, fetched with it (select_related) so a table costs
# one query however many rows it has.
RECORD_RELATED: dict[str, tuple[str, ...]] = {
    "bookings.Booking": ("band", "venue"),
    "bookings.RadiusClause": ("band",),
    "bands.Membership": ("band",),
    "bands.MembershipSection": ("membership__band", "section"),
    "gigs.TourStay": ("tour",),
    "holds.Hold": ("band",),
    "payments.Settlement": ("booking__band", "booking__venue"),
    "reviews.Review": ("booking__band", "booking__venue"),
    "venues.Slot": ("venue",),
}


def _day(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    return formats.date_format(moment.astimezone(zone), "DATE_FORMAT") if moment else ""


def _gig_text(booking: Booking, zone: ZoneInfo) -> str:
    """A booking as its people know it: its date, its band and where (a private event has no venue to name)."""
    values = {"date": _day(booking.starts_at, zone), "band": booking.band.name}
    if booking.venue_id:
        # Translators: a booking in a person's archive, e.g. "12 May 2027, The Night Owls at Kellerbar".
        return _("%(date)s, %(band)s at %(venue)s") % {**values, "venue": booking.venue.name}
    # Translators: a booking for a private client, in a person's archive (the client is not named).
    return _("%(date)s, %(band)s at a private event") % values


def record_text(value: models.Model, *, zone: ZoneInfo) -> str:
    """A linked row as the archive's pages and CSV name it: what a person recognises (a tour's name, a
    booking's date, band and venue), never a model's name and number or a bare UUID."""
    label = value._meta.label
    if label == "bookings.Booking":
        return _gig_text(value, zone)
    if label == "gigs.Tour":
        return value.name
    if label == "gigs.TourStay":
        return _("%(stay)s (%(tour)s)") % {"stay": value.name, "tour": value.tour.name}
    if label == "bands.Membership":
        return _("%(band)s, %(role)s") % {"band": value.band.name, "role": value.get_role_display()}
    if label == "bookings.RadiusClause":
        # Translators: a radius clause in a person's archive, e.g. "The Night Owls: 50 km, 30 days before".
        return _("%(band)s: %(km)s km, %(before)s days before and %(after)s after") % {
            "band": value.band.name,
            "km": value.km,
            "before": value.days_before,
            "after": value.days_after,
        }
    if label == "venues.Slot":
        # Translators: an open slot in a person's archive, e.g. "12 May 2027 at Kellerbar".
        return _("%(date)s at %(venue)s") % {"date": _day(value.starts_at, zone), "venue": value.venue.name}
    if label == "payments.Payment":
        return _("%(purpose)s of %(amount)s (%(status)s)") % {
            "purpose": value.get_purpose_display(),
            "amount": money_text(value.amount_minor, value.currency),
            "status": value.get_status_display(),
        }
    if label == "payments.Settlement":
        return _("Settlement of %(gig)s") % {"gig": _gig_text(value.booking, zone)}
    if label == "reviews.Review":
        return _("Review of %(gig)s") % {"gig": _gig_text(value.booking, zone)}
    return str(value)


def _took_part(user: User) -> Q:
    return Q(client=user) | Q(requested_by=user) | Q(band__memberships__user=user) | Q(venue__staff_roles__user=user)


def _threads(user: User, zone: ZoneInfo) -> Table:
    bookings = Booking.objects.filter(_took_part(user)).values("pk")
    messages = (
        Message.objects.filter(booking__in=bookings)
        .select_related("author", "booking__band", "booking__venue")
        .order_by("pk")
    )
    table = Table(
        section="threads",
        model="",
        key="messages in your bookings",
        title=_("Messages in your bookings"),
        columns=[("booking", _("Booking")), ("author", _("Author")), ("body", _("Message")), ("created_at", _("Sent"))],
    )
    for m in messages.iterator(chunk_size=CHUNK):
        author = _("you") if m.author_id == user.pk else (m.author.name if m.author else "")
        table.rows.append(
            {"booking": str(m.booking.uid), "author": author, "body": m.body, "created_at": _value(m.created_at)}
        )
        when = formats.date_format(m.created_at.astimezone(zone), "SHORT_DATETIME_FORMAT")
        gig = record_text(m.booking, zone=zone)
        table.shown.append([Cell(gig), Cell(author), Cell(m.body), Cell(when)])
        table.csv.append([safe_text(gig), safe_text(author), safe_text(m.body), iso_local(m.created_at, zone)])
    return table


def _caused(user: User, zone: ZoneInfo) -> Table:
    """What others were told of something the person did (notifications whose actor they are): each thing
    once, as it was worded to them, with how many people were told – not who, nor whether they read it. The
    person is drawn as "you", anyone else the words name as "another person" (the README says why: _readme_caused)."""
    table = Table(
        section=pd.NOTIFICATIONS,
        model="",
        key="notifications you caused",
        title=_("What others were told of what you did"),
        columns=[
            ("kind", _("Kind")),
            ("text", _("What they were told")),
            ("people", _("People told")),
            ("created_at", _("First told")),
        ],
    )
    you, other = _("you"), _("another person")
    told: dict[tuple[str, str, str], list] = {}
    rows = (
        Notification.objects.filter(actor=user)
        .exclude(recipient=user)
        .order_by("created_at", "pk")
        .values_list("kind", "text", "link", "recipient_id", "created_at")
    )
    for kind, text, link, recipient_id, created_at in rows.iterator(chunk_size=CHUNK):
        names = {pk: you if pk == user.pk else other for pk in people_named(text)}
        drawn = people_draw(text, names) if text else ""
        seen = told.setdefault((kind, drawn, link), [set(), created_at])
        seen[0].add(recipient_id)
    for (kind, drawn, _link), (people, first) in told.items():
        label = str(kind_of(kind).label) if kind in KINDS else kind
        table.rows.append({"kind": kind, "text": drawn, "people": len(people), "created_at": _value(first)})
        when = formats.date_format(first.astimezone(zone), "SHORT_DATETIME_FORMAT")
        table.shown.append([Cell(label), Cell(drawn), Cell(formats.number_format(len(people))), Cell(when)])
        table.csv.append([safe_text(label), safe_text(drawn), str(len(people)), iso_local(first, zone)])
    return table


def _reviews_received(user: User, zone: ZoneInfo) -> Table:
    reviews = Review.objects.filter(client=user, subject_side="client", published_at__isnull=False)
    table = Table(
        section="reviews",
        model="",
        key="reviews of you",
        title=_("Reviews of you"),
        columns=[
            ("booking", _("Booking")),
            ("overall", _("Rating")),
            ("text", _("Review")),
            ("published_at", _("Published")),
        ],
    )
    for r in reviews.select_related("booking__band", "booking__venue").order_by("pk"):
        table.rows.append(
            {
                "booking": str(r.booking.uid),
                "overall": r.overall,
                "text": r.text,
                "published_at": _value(r.published_at),
            }
        )
        when = formats.date_format(r.published_at.astimezone(zone), "SHORT_DATETIME_FORMAT")
        gig = record_text(r.booking, zone=zone)
        table.shown.append([Cell(gig), Cell(str(r.overall)), Cell(r.text), Cell(when)])
        table.csv.append([safe_text(gig), str(r.overall), safe_text(r.text), iso_local(r.published_at, zone)])
    return table


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


# ---- The pages a person opens from the unzipped folder ---------------------------------------------------

SECTION_TITLES = {
    pd.PROFILE: gettext_lazy("Profile"),
    pd.SIGN_IN: gettext_lazy("Signing in"),
    pd.DEVICES: gettext_lazy("Devices, tokens and feeds"),
    pd.NOTIFICATIONS: gettext_lazy("Notifications"),
    pd.MEMBERSHIPS: gettext_lazy("Bands, venues and organisations"),
    pd.AVAILABILITY: gettext_lazy("Availability"),
    pd.BOOKINGS: gettext_lazy("Bookings"),
    pd.THREADS: gettext_lazy("Threads"),
    pd.GIGS: gettext_lazy("Gigs"),
    pd.MONEY: gettext_lazy("Money"),
    pd.PAPERS: gettext_lazy("Contracts and invoices"),
    pd.REVIEWS: gettext_lazy("Reviews"),
    pd.FILES: gettext_lazy("Files"),
    pd.STAFF: gettext_lazy("Staff work"),
}


def readable_write(*, archive: zipfile.ZipFile, user: User, tables: list[Table], now: dt.datetime, zone) -> None:
    """index.html, a page per section and style.css: opened from the unzipped folder with relative links,
    no server, no script and nothing fetched from elsewhere."""
    sections = []
    for section, title in SECTION_TITLES.items():
        mine = [t for t in tables if t.section == section and t.rows]
        if mine:
            sections.append({"key": section, "title": title, "page": f"{section}.html", "tables": mine})
    context = {
        "person": user,
        "zone": str(zone),
        "generated": formats.date_format(now.astimezone(zone), "DATETIME_FORMAT"),
        "sections": sections,
        "language": translation.get_language(),
        "files": sorted(name for name in archive.namelist() if name.startswith("files/")),
    }
    archive.writestr("index.html", render_to_string("stageslot/privacy/archive/index.html", context))
    for section in sections:
        page = render_to_string("stageslot/privacy/archive/section.html", {**context, "section": section})
        archive.writestr(section["page"], page)
    archive.writestr("style.css", render_to_string("stageslot/privacy/archive/style.css"))


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
