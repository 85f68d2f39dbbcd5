"""Stored files, read for a person: the one place that opens a file kept in a storage (a booking's
shared files today – riders, stage plots, recordings – and any stored file a page serves tomorrow),
and the one place that asks a storage which of a list's files it still has.

The caller checks who may see the file first, so a stranger gets the same 404 as for a file that never
existed; only then is the storage asked. When the storage no longer has the file – deleted by hand,
left on another node's disk, a key gone from the S3 bucket – the person gets a clear 404 instead of a
500: on a page, the site's 404 page saying the file is no longer stored and whom to ask
(stageslot.errors.page_not_found); in the JSON API, its problem with the same words. A warning is
logged with the file's stored name and the row it belongs to (never a person's words: no title, no
original name), and nothing changes – the row stays, so whoever shared it can share it again.

A storage that fails for another reason (refused, unreachable) is not called "missing": that stays an
error, logged with its traceback, and the person gets the 500 page ("try again in a minute").
It also measures and copies stored files for moving a site's files from the disk to a bucket
(stageslot/management/commands/move_files_to_bucket.py). stageslot/tests/test_stored_files.py fails when
a module outside this one opens or measures a stored file itself.
"""

import errno
import hashlib
import logging
from collections.abc import Iterable

from botocore.exceptions import ClientError
from django.core.files.base import File
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# What an OSError says when the file is gone rather than the storage failing: no such file, a folder on
# its path gone, or (a disk shared between nodes) a handle to a file another node removed.
GONE_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ESTALE})
# What S3 answers for a key it does not hold (django-storages turns the first HEAD's 404 into
# FileNotFoundError; a key removed between that HEAD and the download still arrives as a ClientError).
GONE_S3_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
# Every stored file we serve is a download for the booking's people only: never sniffed, never run as a
# page, never kept by a shared cache.
PRIVATE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}
# How much of a file is read at a time when it is measured or copied between storages.
COPY_BLOCK = 1024 * 1024


class StoredFileMissing(Http404):
    """A row names a file its storage no longer has. A 404 whose words say so: the API answers them as
    its problem's detail, the pages as the 404 page's (stageslot.errors.page_not_found)."""


def is_gone(exc: BaseException) -> bool:
    """Whether a storage's error means the file (or its folder) is not there, as opposed to a failure."""
    if isinstance(exc, FileNotFoundError):
        return True
    if isinstance(exc, OSError):
        return exc.errno in GONE_ERRNOS
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return str(error.get("Code", "")) in GONE_S3_CODES or status == 404
    return False


def _missing(stored: FieldFile) -> StoredFileMissing:
    """Log the missing file (its stored name and row, nothing a person wrote) and the error to raise."""
    instance = stored.instance
    logger.warning(
        "Stored file %r of %s pk=%s (field %s) is not in its storage (%s): answered 404, nothing changed",
        stored.name,
        instance._meta.label,
        instance.pk,
        stored.field.name,
        type(stored.storage).__name__,
    )
    return StoredFileMissing(
        _("This file is listed, but our storage no longer has it. Ask the person who shared it to share it again.")
    )


def stored_file_open(stored: FieldFile) -> File:
    """The stored file, open for reading in binary. Raises StoredFileMissing (logged) when the storage
    no longer has it; any other storage failure is raised as it is."""
    if not stored:
        raise _missing(stored)
    try:
        return stored.storage.open(stored.name, "rb")
    except Exception as exc:
        if not is_gone(exc):
            raise
        raise _missing(stored) from exc


def stored_file_response(
    stored: FieldFile, *, filename: str, content_type: str, as_attachment: bool = True
) -> FileResponse:
    """The stored file as a download named `filename`, streamed a block at a time (never read whole
    into memory on a disk storage), with PRIVATE_HEADERS. Call it after the access checks. Raises
    StoredFileMissing (a clear 404, logged) when the storage no longer has the file."""
    handle = stored_file_open(stored)
    try:
        # FileResponse measures the file here (S3 fetches it now), so a key that vanished since the open
        # is met inside this try, before any byte is sent.
        response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    except Exception as exc:
        handle.close()
        if not is_gone(exc):
            raise
        raise _missing(stored) from exc
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response


def stored_files_missing(files: Iterable[FieldFile]) -> set[str]:
    """The stored names among `files` their storage no longer has, for a list that marks them instead of
    failing. One listing per folder (one request to S3 however many files), never an open per file.
    A listing that fails for another reason counts its files as there (logged): the list still shows,
    and a download of one that is gone says so."""
    folders: dict[tuple, list[str]] = {}
    missing: set[str] = set()
    for stored in files:
        if not stored:
            continue
        folder = stored.name.rpartition("/")[0]
        folders.setdefault((stored.storage, folder), []).append(stored.name)
    for (storage, folder), names in folders.items():
        try:
            present = set(storage.listdir(folder)[1])
        except Exception as exc:
            if not is_gone(exc):
                logger.warning(
                    "Could not list %r in %s to mark missing files (%s); listed them as there",
                    folder,
                    type(storage).__name__,
                    type(exc).__name__,
                )
                continue
            present = set()  # the folder itself is gone
        gone = {name for name in names if name.rpartition("/")[2] not in present}
        if gone:
            logger.info("Listed %d stored file(s) under %r as missing: %s", len(gone), folder, sorted(gone))
        missing |= gone
    return missing


def stored_file_fingerprint(storage, name: str) -> tuple[int, str] | None:
    """The size and MD5 of the file `name` in `storage`, read a block at a time (never whole into memory),
    for comparing a copy with its original; None when the storage does not have it. Any other failure
    is raised as it is."""
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    try:
        with storage.open(name, "rb") as handle:
            for block in iter(lambda: handle.read(COPY_BLOCK), b""):
                digest.update(block)
                size += len(block)
    except Exception as exc:
        if not is_gone(exc):
            raise
        return None
    return size, digest.hexdigest()


def stored_file_copy(*, source, target, name: str) -> None:
    """Copy the file `name` from the storage `source` to `target` under the very same name (the rows name
    it), replacing what `target` holds there. Raises FileNotFoundError when `source` does not have it."""
    with source.open(name, "rb") as handle:
        # Storage.save() would pick a free name next to one taken; _save() writes the name given.
        saved = target._save(name, File(handle, name=name))
    if saved != name:
        raise RuntimeError(f"the storage saved {name!r} as {saved!r}")
