"""The archive holds every row that names the person (docs/decisions/0098): every model with a key to the
user has an export rule in the person-data map, and a person given a row of every model the map lists (by
each key to them, or addressed to their email) finds each of those rows in their archive by its id – in the
JSON, the CSV beside it and the page a person reads."""

import csv
import datetime as dt
import decimal
import io
import json
import re
import uuid
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import formats, timezone, translation

from bookings.tests.test_detail_views import make_world
from stageslot.privacy.export import archive_write, export_tables
from stageslot.privacy.person_data import ENTRIES, MAP

pytestmark = pytest.mark.django_db

# A linked record written as the machine knows it: a bare UUID, "Tour 1 of band 1", "Booking 12", "12: …".
LIKE_A_KEY = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|\b\w+ \d+ (of|von) \w+ \d+\b|^\w+ \d+$|^\d+(: |$)|^\d+ \w+ \d+$",
    re.IGNORECASE,
)


def _user_model():
    return apps.get_model(settings.AUTH_USER_MODEL)


def _keys_to_user(model) -> list[models.Field]:
    """Every key of `model` to the user: foreign keys, one-to-ones and many-to-manys, found by walking it."""
    return [
        f
        for f in model._meta.get_fields()
        if getattr(f, "concrete", False) and f.is_relation and f.related_model is _user_model()
    ]


def test_every_model_with_a_key_to_the_person_is_mapped_with_an_export_rule():
    missing = []
    for model in apps.get_models():
        label = model._meta.label
        if not _keys_to_user(model) or label == settings.AUTH_USER_MODEL:
            continue
        entry = ENTRIES.get(label)
        if entry is None:
            missing.append(f"{label}: not in the map")
        elif not entry.export and not entry.no_export:
            missing.append(f"{label}: neither `export` fields nor `no_export` (why not)")
    assert not missing, missing


def test_every_entry_exports_or_says_why_not():
    for entry in MAP:
        assert bool(entry.export) != bool(entry.no_export), entry.label
        if entry.export and entry.label != settings.AUTH_USER_MODEL:
            # An exported entry must be able to find the person's rows.
            assert entry.person or entry.by_email, entry.label


# ---- A person with a row of every kind the map knows --------------------------------------------------------


class _Builder:
    """Makes a row of any model, filling what it needs: an existing row for each key, simple values else."""

    def __init__(self):
        self.n = 0
        self.now = timezone.now().replace(microsecond=0)

    def value(self, f: models.Field, depth: int):
        self.n += 1
        n = self.n
        if f.choices:
            flat = [value for value, _label in f.flatchoices if value not in ("", None)]
            return flat[n % len(flat)]
        if f.is_relation:
            target = f.related_model
            row = target._base_manager.order_by("pk").first()
            if row is None and target is f.model:
                if f.null:
                    return None
                raise LookupError(f"{f} needs a row of its own model")
            return row if row is not None else self.make(target, {}, depth + 1)
        if isinstance(f, models.EmailField):
            return f"row{n}@example.com"
        if isinstance(f, models.URLField):
            return f"https://example.com/{n}"
        if isinstance(f, models.GenericIPAddressField):
            return "192.0.2.1"
        if isinstance(f, models.UUIDField):
            return uuid.uuid4()
        if isinstance(f, models.FileField):
            return f"rows/{n}.txt"
        if isinstance(f, models.CharField | models.TextField):
            return f"r{n}"[: f.max_length or 20]
        if isinstance(f, models.BooleanField):
            return bool(n % 2)
        if isinstance(f, models.DateTimeField):
            return self.now + dt.timedelta(days=2, minutes=n)
        if isinstance(f, models.DateField):
            return (self.now + dt.timedelta(days=2 + n)).date()
        if isinstance(f, models.TimeField):
            return dt.time(20, 0)
        if isinstance(f, models.DurationField):
            return dt.timedelta(hours=1)
        if isinstance(f, models.DecimalField):
            return decimal.Decimal(1)
        if isinstance(f, models.FloatField):
            return 1.0
        if isinstance(f, models.IntegerField):
            return 1
        if isinstance(f, models.BinaryField):
            return b""
        if isinstance(f, models.JSONField):
            return {}
        raise AssertionError(f"no value for {f}")

    def make(self, model, given: dict, depth: int = 0):
        """A saved row of `model` with `given`: first with only what it needs, then also with its optional
        fields (all, then each alone) until its constraints hold."""
        assert depth < 5, model
        optional = [
            f
            for f in model._meta.concrete_fields
            if f.null and not f.primary_key and f.name not in given and not isinstance(f, models.JSONField)
        ]
        defaulted = [f for f in model._meta.concrete_fields if f.has_default() and not f.primary_key]
        error = None
        for extra in [[], optional, *([f] for f in optional), optional + defaulted]:
            for again in range(3):
                # Each try starts the count on the other parity, so every yes/no the last try drew is flipped.
                self.n += 1 if self.n % 2 != again % 2 else 2
                values = dict(given)
                for f in model._meta.concrete_fields:
                    if f.primary_key or f.name in values or getattr(f, "auto_now_add", False):
                        continue
                    if getattr(f, "auto_now", False) or (f.has_default() and f not in extra):
                        continue
                    if f.null and f not in extra:
                        continue
                    values[f.name] = self.value(f, depth)
                try:
                    with transaction.atomic():
                        row = model(**values)
                        row.save()
                    return row
                except Exception as failure:
                    error = error or failure
        raise error


def _paths(entry) -> list[str]:
    """The entry's `person` paths through a row of the person's (`membership__user`)."""
    return [key for key in entry.person if "__" in key]


def _naming(model, user, by_email, tied=(), paths=()) -> set[int]:
    """The rows of `model` that are the person's: by any key to them but those that only tie someone else's
    row to them (a notification's actor: the recipient's row, not theirs), or through a row of theirs."""
    q = models.Q()
    for f in _keys_to_user(model):
        if f.name in tied:
            continue
        q |= models.Q(**{f.name: user})
    for path in paths:
        q |= models.Q(**{path: user})
    for name in by_email:
        q |= models.Q(**{f"{name}__iexact": user.email})
    return set(model._base_manager.filter(q).values_list("pk", flat=True)) if q else set()


def _give_rows(user) -> list[str]:
    """Give `user` a row of every exported model by each of its keys to them (and by email where the map
    says so): an existing row pointed at them, or a new one. Returns the keys no row could be made for."""
    builder = _Builder()
    failed = []
    for entry in MAP:
        model = apps.get_model(entry.label)
        if not entry.export or entry.label == settings.AUTH_USER_MODEL:
            continue
        ways = [(f.name, user) for f in _keys_to_user(model) if not f.many_to_many and f.name not in entry.tied]
        ways += [(name, user.email) for name in entry.by_email]
        for path in _paths(entry):
            # Through a row of theirs (a member's section through their membership): one of those rows.
            hop, rest = path.split("__", 1)
            target = model._meta.get_field(hop).related_model
            theirs = target._base_manager.filter(**{rest: user}).order_by("pk").first()
            if theirs is not None:
                ways.append((hop, theirs))
        for name, value in ways:
            if model._base_manager.filter(**{name: value}).exists():
                continue
            done = False
            for row in model._base_manager.order_by("-pk")[:5]:
                try:
                    with transaction.atomic():
                        model._base_manager.filter(pk=row.pk).update(**{name: value})
                    done = True
                    break
                except IntegrityError:
                    continue
            if not done:
                try:
                    builder.make(model, {name: value})
                    done = True
                except Exception as error:
                    failed.append(f"{entry.label}.{name}: {error}")
    return failed


def _archive(user) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive_write(archive=archive, user=user, now=timezone.now())
    buffer.seek(0)
    return zipfile.ZipFile(buffer)


@pytest.mark.slow
def test_the_archive_holds_every_row_that_names_the_person():
    world = make_world()
    person = world.leader
    assert not _give_rows(person)
    archive = _archive(person)
    data = json.loads(archive.read("stageslot-export.json"))
    found: dict[str, set[int]] = {}
    csv_ids: dict[str, set[int]] = {}
    for table in data["tables"]:
        if not table["model"]:
            continue
        rows = data["sections"][table["section"]][table["table"]]
        found.setdefault(table["model"], set()).update(row["id"] for row in rows)
        sheet = archive.read(table["csv"]).decode("utf-8-sig")
        csv_ids[table["model"]] = {int(line[0]) for line in list(csv.reader(io.StringIO(sheet)))[1:]}
    missing, unbuilt, total, held = [], [], 0, 0
    for entry in MAP:
        if not entry.export:
            continue
        model = apps.get_model(entry.label)
        naming = _naming(model, person, entry.by_email, entry.tied, _paths(entry))
        if entry.label == settings.AUTH_USER_MODEL:
            naming = {person.pk}
        if not naming:
            unbuilt.append(entry.label)
        total += len(naming)
        held += len(naming & found.get(entry.label, set()))
        if naming - found.get(entry.label, set()):
            missing.append(f"{entry.label}: {sorted(naming - found.get(entry.label, set()))}")
        assert found.get(entry.label, set()) == csv_ids.get(entry.label, set()), entry.label
    assert not unbuilt, f"no row names the person in {unbuilt}"
    assert not missing, missing
    assert held == total and total >= len([e for e in MAP if e.export])
    # Every linked record reads as a person knows it (a tour's name, a gig's date, band and venue), on the
    # page and in the CSV: never a model's name and number ("Tour 1 of band 1") or a bare UUID.
    unread = []
    for table in export_tables(user=person, files={}, zone=ZoneInfo("UTC")):
        model = apps.get_model(table.model) if table.model else None
        for i, (name, _heading) in enumerate(table.columns):
            linked = model is not None and name != "id" and model._meta.get_field(name).is_relation
            if not (linked or name == "booking"):
                continue
            for shown, sheet in zip(table.shown, table.csv, strict=True):
                for text in (shown[i].text, sheet[i]):
                    if text and LIKE_A_KEY.search(text):
                        unread.append(f"{table.model or table.key}.{name}: {text!r}")
    assert not unread, sorted(set(unread))[:20]
    # The pages a person reads: every section linked from index.html, each table drawn with its CSV beside it.
    index = archive.read("index.html").decode()
    for table in data["tables"]:
        if table["rows"]:
            page = archive.read(f"{table['section']}.html").decode()
            assert f'href="{table["section"]}.html"' in index
            assert f'href="{table["csv"]}"' in page


def test_the_pages_open_from_the_folder_in_the_persons_language_and_zone():
    world = make_world()
    person = world.leader
    person.language = "de"
    person.time_zone = "Europe/Berlin"
    person.save(update_fields=["language", "time_zone"])
    archive = _archive(person)
    names = set(archive.namelist())
    assert {"index.html", "style.css", "bookings.html"} <= names
    index = archive.read("index.html").decode()
    assert '<html lang="de">' in index and "Europe/Berlin" in index
    assert 'href="style.css"' in index
    for name in names:
        if name.endswith(".html"):
            page = archive.read(name).decode()
            # Nothing fetched from elsewhere, no script, no style inline: relative links only.
            assert "<script" not in page and "style=" not in page and "<style" not in page
            assert "http://" not in page.replace("http://www.w3.org", "") or name == "index.html"
            assert 'href="/' not in page and "src=" not in page
    bookings = archive.read("bookings.html").decode()
    # The application's fee as money, its start in Berlin's time as German writes it; headings in German.
    application = world.application
    with translation.override("de"):
        when = formats.date_format(application.starts_at.astimezone(ZoneInfo("Europe/Berlin")), "SHORT_DATETIME_FORMAT")
    assert "500 EUR" in bookings and when in bookings
    assert "Buchungen" in bookings or "Buchung" in bookings
    sheet = archive.read("csv/bookings-bookings-booking.csv").decode("utf-8-sig")
    assert application.starts_at.astimezone(ZoneInfo("Europe/Berlin")).isoformat(timespec="seconds") in sheet
    assert ";500,00;" in sheet  # a German spreadsheet's separator and decimal comma (decision 0132)
