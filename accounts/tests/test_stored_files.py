"""core.files.stored_files on its own: which storage errors mean "the file is gone" (a clear 404) and which
are failures that stay errors, on disk and in S3's words; the download and its headers; the list's one
listing per folder, and a listing that fails leaving the list whole. The doors that use it are tested in
bookings/tests/test_missing_files.py."""

import errno
import logging

import pytest
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from accounts.models import User
from core.files.stored_files import (
    PRIVATE_HEADERS,
    StoredFileMissing,
    is_gone,
    stored_file_open,
    stored_file_response,
    stored_files_missing,
)


def s3_error(code: str, status: int) -> ClientError:
    """The error botocore raises for an S3 answer with this code and HTTP status."""
    return ClientError({"Error": {"Code": code, "Message": "…"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Get")


@pytest.mark.parametrize(
    ("error", "gone"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), True),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), True),
        (OSError(errno.ESTALE, "Stale file handle"), True),  # removed by another node on a shared disk
        (PermissionError(errno.EACCES, "Permission denied"), False),
        (OSError(errno.EIO, "Input/output error"), False),
        (s3_error("NoSuchKey", 404), True),
        (s3_error("404", 404), True),
        (s3_error("AccessDenied", 403), False),
        (s3_error("SlowDown", 503), False),
        (ValueError("I/O operation on closed file"), False),
    ],
)
def test_only_a_file_that_is_not_there_counts_as_gone(error, gone):
    assert is_gone(error) is gone


class Shelf(FileSystemStorage):
    """A disk storage that can be made to fail as another backend would, and counts its listings."""

    def __init__(self, *args, fail=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fail, self.listings = fail, 0

    def _open(self, name, mode="rb"):
        if self.fail is not None:
            raise self.fail
        return super()._open(name, mode)

    def listdir(self, path):
        self.listings += 1
        if self.fail is not None:
            raise self.fail
        return super().listdir(path)


def avatar_on(storage, name: str, content: bytes | None = None):
    """A user's avatar kept on `storage` (written there unless content is None)."""
    if content is not None:
        storage.save(name, ContentFile(content))
    user = User(pk=41, email="private@example.com", display_name="Private Person")
    user.avatar.name = name
    user.avatar.storage = storage
    return user.avatar


def test_a_stored_file_is_served_as_a_private_attachment(tmp_path):
    avatar = avatar_on(Shelf(location=tmp_path), "avatars/a.webp", b"RIFF....WEBP")
    response = stored_file_response(avatar, filename="me.webp", content_type="image/webp")
    body = b"".join(response.streaming_content)
    response.file_to_stream.close()  # what the server's close does once it is sent (without its signal)
    assert response.status_code == 200 and body == b"RIFF....WEBP"
    assert response["Content-Disposition"] == 'attachment; filename="me.webp"'
    assert all(response[name] == value for name, value in PRIVATE_HEADERS.items())


def test_a_missing_file_is_stored_file_missing_and_logged_without_the_persons_data(tmp_path, caplog):
    avatar = avatar_on(Shelf(location=tmp_path), "avatars/gone.webp")
    with caplog.at_level(logging.WARNING, logger="core.files.stored_files"), pytest.raises(StoredFileMissing) as caught:
        stored_file_response(avatar, filename="me.webp", content_type="image/webp")
    assert "no longer has it" in str(caught.value)
    [record] = caplog.records
    text = record.getMessage()
    assert "avatars/gone.webp" in text and "accounts.User pk=41" in text and "field avatar" in text
    assert "Private Person" not in text and "private@example.com" not in text


def test_an_empty_file_field_is_missing_too(tmp_path):
    avatar = avatar_on(Shelf(location=tmp_path), "")
    with pytest.raises(StoredFileMissing):
        stored_file_open(avatar)


@pytest.mark.parametrize("fail", [s3_error("NoSuchKey", 404), OSError(errno.ESTALE, "Stale file handle")])
def test_a_backend_saying_gone_in_its_own_words_is_missing(tmp_path, fail):
    avatar = avatar_on(Shelf(location=tmp_path, fail=fail), "avatars/a.webp")
    with pytest.raises(StoredFileMissing):
        stored_file_response(avatar, filename="a.webp", content_type="image/webp")


@pytest.mark.parametrize("fail", [s3_error("AccessDenied", 403), PermissionError(errno.EACCES, "Permission denied")])
def test_a_failing_storage_is_not_called_missing(tmp_path, fail):
    avatar = avatar_on(Shelf(location=tmp_path, fail=fail), "avatars/a.webp")
    with pytest.raises(type(fail)):
        stored_file_response(avatar, filename="a.webp", content_type="image/webp")


class VanishingFile(ContentFile):
    """A file S3 lets open (its HEAD answered) and then cannot fetch: the key went in between."""

    def tell(self):
        raise s3_error("NoSuchKey", 404)

    def close(self):
        self.closed_by_us = True
        super().close()


class VanishingShelf(Shelf):
    def _open(self, name, mode="rb"):
        self.handle = VanishingFile(b"", name=name)
        return self.handle


def test_a_key_gone_between_open_and_fetch_is_missing_and_the_handle_closed(tmp_path):
    shelf = VanishingShelf(location=tmp_path)
    avatar = avatar_on(shelf, "avatars/a.webp")
    with pytest.raises(StoredFileMissing):
        stored_file_response(avatar, filename="a.webp", content_type="image/webp")
    assert shelf.handle.closed_by_us


def test_the_list_asks_once_per_folder_and_names_what_is_gone(tmp_path):
    shelf = Shelf(location=tmp_path)
    here = [avatar_on(shelf, f"avatars/{n}.webp", b"x") for n in ("a", "b")]
    gone = avatar_on(shelf, "avatars/c.webp")
    elsewhere = avatar_on(shelf, "old/d.webp")  # its whole folder is gone
    assert stored_files_missing([*here, gone, elsewhere, avatar_on(shelf, "")]) == {"avatars/c.webp", "old/d.webp"}
    assert shelf.listings == 2


def test_a_listing_that_fails_leaves_the_list_whole(tmp_path, caplog):
    shelf = Shelf(location=tmp_path, fail=s3_error("SlowDown", 503))
    with caplog.at_level(logging.WARNING, logger="core.files.stored_files"):
        assert stored_files_missing([avatar_on(shelf, "avatars/a.webp")]) == set()
    assert "Could not list 'avatars'" in caplog.records[0].getMessage()
