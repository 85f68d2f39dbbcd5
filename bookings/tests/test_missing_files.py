"""A booking file whose row is there but whose bytes are not – uploaded on one node and asked for on
another, deleted by hand, a key gone from the bucket – is a clear 404 at every door that serves it (the
page's download, the API's download), never a 500; the files page still lists it, marked missing; a
warning names the stored file and its row, not what a person wrote; nothing changes. A stranger still
gets what they get for a file that does not exist."""

import json
import logging
import re
import shutil
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.models import BookingFile
from bookings.services.files import booking_file_add
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
SAYS_GONE = "our storage no longer has it. Ask the person who shared it to share it again."
TITLE, ORIGINAL = "Rider of Ms Private Person", "private-person-rider.pdf"


@pytest.fixture
def world() -> Iterator[SimpleNamespace]:
    w = make_world()
    w.stranger = UserFactory()
    w.row = booking_file_add(
        booking=w.application,
        by=w.leader,
        upload=SimpleUploadedFile(ORIGINAL, PDF),
        title=TITLE,
        kind="rider",
    )
    w.kept = booking_file_add(
        booking=w.application, by=w.owner, upload=SimpleUploadedFile("plot.pdf", PDF), title="Plot", kind="stage_plot"
    )
    yield w
    storage = BookingFile._meta.get_field("file").storage
    for row in BookingFile.objects.all():
        storage.delete(row.file.name)  # a name already gone is no error


def lose(row: BookingFile) -> None:
    """The storage loses the file; the row stays, as when it was uploaded on the other node."""
    row.file.storage.delete(row.file.name)
    assert not row.file.storage.exists(row.file.name)


def unchanged(row: BookingFile) -> bool:
    again = BookingFile.objects.get(pk=row.pk)
    return (again.file.name, again.size, again.title, again.version) == (
        row.file.name,
        row.size,
        row.title,
        row.version,
    )


def page_url(w, row=None) -> str:
    return reverse("bookings:file_download", args=[w.application.uid, (row or w.row).pk])


def api_url(w, pk: int) -> str:
    return f"/api/v1/bookings/{w.application.uid}/files/{pk}"


def masked(response) -> str:
    """The page with its per-request CSRF tokens and the file's id in its own address (the language
    switcher's way back) blanked: what is left must be the same."""
    html = re.sub(r'(x-csrftoken": "|value=")[A-Za-z0-9]{64}', r"\1…", response.content.decode())
    return re.sub(r"/files/\d+/", "/files/…/", html)


def logged_about(caplog, row: BookingFile) -> str:
    records = [r for r in caplog.records if r.name == "core.files.stored_files" and r.levelno == logging.WARNING]
    assert len(records) == 1
    text = records[0].getMessage()
    assert row.file.name in text and "bookings.BookingFile" in text and f"pk={row.pk}" in text
    assert TITLE not in text and ORIGINAL not in text  # never what a person wrote
    return text


# ---- The page's download ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["leader", "member", "owner"])
def test_a_lost_file_is_the_404_page_saying_so_not_a_500(world, who, caplog):
    lose(world.row)
    client = Client(raise_request_exception=False)
    client.force_login(getattr(world, who))
    with caplog.at_level(logging.WARNING, logger="core.files.stored_files"):
        response = client.get(page_url(world))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "This file is no longer stored" in html and SAYS_GONE in html
    assert "We could not find that page" not in html
    logged_about(caplog, world.row)
    assert unchanged(world.row) and BookingFile.objects.count() == 2


def test_the_other_files_still_download(world):
    lose(world.row)
    client = Client()
    client.force_login(world.leader)
    response = client.get(page_url(world, world.kept))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("who", ["stranger", "other_leader", "other_owner", "other_client"])
def test_a_stranger_learns_nothing_of_a_lost_file(world, who, caplog):
    lose(world.row)
    client = Client(raise_request_exception=False)
    client.force_login(getattr(world, who))
    with caplog.at_level(logging.WARNING, logger="core.files.stored_files"):
        lost = client.get(page_url(world))
        never = client.get(reverse("bookings:file_download", args=[world.application.uid, world.row.pk + 1000]))
    assert lost.status_code == never.status_code == 404
    assert masked(lost) == masked(never) and "no longer stored" not in lost.content.decode()
    # The access check answered before the storage was asked.
    assert not [r for r in caplog.records if r.name == "core.files.stored_files"]


# ---- The API's download -------------------------------------------------------------------------


def test_a_lost_file_is_a_404_problem_saying_so(world, caplog):
    lose(world.row)
    with caplog.at_level(logging.WARNING, logger="core.files.stored_files"):
        response = ApiClient(token_for(world.owner, ["read"])).get(api_url(world, world.row.pk))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    problem = json.loads(response.content)
    assert problem["status"] == 404 and problem["title"] == "Not found"
    assert SAYS_GONE in problem["detail"]
    logged_about(caplog, world.row)
    assert unchanged(world.row)


@pytest.mark.parametrize("who", ["stranger", "other_leader", "other_owner"])
def test_a_stranger_through_the_api_learns_nothing_of_a_lost_file(world, who):
    lose(world.row)
    client = ApiClient(token_for(getattr(world, who), ["read"]))
    lost = client.get(api_url(world, world.row.pk))
    never = client.get(api_url(world, world.row.pk + 1000))
    assert lost.status_code == never.status_code == 404
    assert json.loads(lost.content) == json.loads(never.content)
    assert "no longer stored" not in lost.content.decode()


# ---- The list ---------------------------------------------------------------------------------


def test_the_files_page_lists_a_lost_file_as_missing(world):
    lose(world.row)
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    response = client.get(reverse("bookings:files", args=[world.application.uid]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("missing: no longer stored") == 1
    assert TITLE in html and "Plot" in html
    assert page_url(world) not in html  # no link to what cannot be downloaded
    assert page_url(world, world.kept) in html


def test_the_files_page_shows_everything_when_the_whole_folder_is_gone(world):
    storage = world.row.file.storage
    shutil.rmtree(storage.path(f"bookings/{world.application.uid}"))
    client = Client()
    client.force_login(world.leader)
    response = client.get(reverse("bookings:files", args=[world.application.uid]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content.decode().count("missing: no longer stored") == 2


def test_the_api_list_still_answers_with_a_lost_file(world):
    lose(world.row)
    response = ApiClient(token_for(world.member, ["read"])).get(f"/api/v1/bookings/{world.application.uid}/files")
    assert response.status_code == 200
    assert {item["title"] for item in response.json()["items"]} == {TITLE, "Plot"}
