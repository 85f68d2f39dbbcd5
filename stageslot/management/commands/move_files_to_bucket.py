"""`manage.py move_files_to_bucket [--dry-run]`: copy an existing site's files from the disk to the bucket.

Once MEDIA_S3_BUCKET (and BOOKING_FILES_S3_BUCKET) name buckets, the site reads every file from them; the
files uploaded before are still on the disk under MEDIA_ROOT and BOOKING_FILES_ROOT. This copies every file
a row names – each file and image field of every model, booking files included – to the bucket its field
now uses, under the same name, so no row changes. A file already in the bucket with the same size and
MD5 is left alone; each copy is read back and compared before it counts. It prints what it did (copied,
already there, missing on disk, failed) and exits non-zero when any copy failed, so it can be run again
until it says nothing failed (docs/decisions/0063-files-in-a-bucket.md).
"""

from django.apps import apps
from django.conf import settings
from django.core.files.storage import DefaultStorage, FileSystemStorage, storages
from django.core.management.base import BaseCommand, CommandError
from django.db import models

from core.files.stored_files import stored_file_copy, stored_file_fingerprint


class Command(BaseCommand):
    help = "Copy every file the database names from the disk to the S3 bucket(s), checking each copy."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say what would be copied; copy nothing.")

    def places(self) -> dict[str, tuple[FileSystemStorage, object]]:
        """For each storage of STORAGES the rows use: the disk its files were on and the bucket they go to.
        Only the ones a bucket is set for."""
        found = {}
        for alias, root in (("default", settings.MEDIA_ROOT), ("booking_files", settings.BOOKING_FILES_ROOT)):
            bucket = storages[alias]
            if not isinstance(bucket, FileSystemStorage):
                found[alias] = (FileSystemStorage(location=root), bucket)
        return found

    def files(self, places: dict) -> list[tuple[str, str, str]]:
        """(storage alias, stored name, where it is named) for every distinct file a row names, in order."""
        found: dict[tuple[str, str], str] = {}
        for model in apps.get_models():
            for field in model._meta.get_fields():
                if not isinstance(field, models.FileField) or field.model is not model:
                    continue
                # Photos and avatars use the default storage; booking files' field took
                # storages["booking_files"] when the model loaded.
                if isinstance(field.storage, DefaultStorage):
                    alias = "default"
                elif field.storage is storages["booking_files"]:
                    alias = "booking_files"
                else:
                    continue  # a storage of its own, no setting of ours moves it
                if alias not in places:
                    continue
                names = model._default_manager.exclude(**{field.name: ""}).exclude(**{f"{field.name}__isnull": True})
                for name in names.values_list(field.name, flat=True).order_by(field.name).distinct():
                    found.setdefault((alias, name), f"{model._meta.label}.{field.name}")
        return [(alias, name, where) for (alias, name), where in found.items()]

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        places = self.places()
        if not places:
            raise CommandError("No bucket is set: name one in MEDIA_S3_BUCKET or BOOKING_FILES_S3_BUCKET first.")
        counts = {"copied": 0, "already there": 0, "missing on disk": 0, "failed": 0}
        for alias, name, where in self.files(places):
            disk, bucket = places[alias]
            try:
                original = stored_file_fingerprint(disk, name)
                if original is None:
                    if stored_file_fingerprint(bucket, name) is not None:
                        counts["already there"] += 1  # moved before, and the disk's copy since removed
                        continue
                    counts["missing on disk"] += 1
                    self.stderr.write(f"missing on disk: {name} ({where}) is not under {disk.location}")
                    continue
                if stored_file_fingerprint(bucket, name) == original:
                    counts["already there"] += 1
                    continue
                if dry_run:
                    counts["copied"] += 1
                    self.stdout.write(f"would copy: {name} ({original[0]} bytes)")
                    continue
                stored_file_copy(source=disk, target=bucket, name=name)
                copy = stored_file_fingerprint(bucket, name)
                if copy != original:
                    raise RuntimeError(f"the copy reads back as {copy}, the original is {original}")
                counts["copied"] += 1
                self.stdout.write(f"copied: {name} ({original[0]} bytes)")
            except Exception as exc:  # one file's failure is counted and the others still move
                counts["failed"] += 1
                self.stderr.write(f"failed: {name} ({where}): {type(exc).__name__}: {exc}")
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(("Dry run, nothing copied: " if dry_run else "") + summary)
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} file(s) could not be copied; run it again when fixed.")
