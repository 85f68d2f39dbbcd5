"""Export my data (docs/decisions/0082): one archive built by the worker, the person emailed, downloaded
by them alone for a week; staff can ask for one for a person (a request by letter)."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.exports import DataExportRefused, data_export_request
from accounts.models import DataExport
from accounts.tests.factories import UserFactory
from availability.models import Rule
from bookings.services.threads import message_post
from bookings.tests.test_detail_views import make_world
from stageslot.privacy.export import SCHEMA, data_export_build, data_exports_expire
from stageslot.privacy.person_data import MAP

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_world()
    leader = world.leader
    leader.avatar.save("face.png", ContentFile(b"a picture"), save=True)
    Rule.objects.create(
        user=leader,
        title="Rehearsal with my other band",
        all_day=True,
        start_date=dt.date(2030, 3, 4),
        end_date=dt.date(2030, 3, 4),
        time_zone="Europe/Berlin",
    )
    message_post(booking=world.request, by=world.client, body="Can you play our song?")
    message_post(booking=world.request, by=leader, body="Of course, send us the chords.")
    return world


def _ready(user, django_capture_on_commit_callbacks, **kwargs) -> DataExport:
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(user=user, **kwargs)
    export.refresh_from_db()
    assert export.state == DataExport.State.READY
    return export


def _archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_asking_builds_an_archive_the_person_is_emailed_and_downloads(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("privacy:export"))
    assert response.status_code == 302
    export = DataExport.objects.get(user=world.leader)
    assert export.state == DataExport.State.READY and export.size > 0
    assert export.expires_at == export.ready_at + dt.timedelta(days=7)
    assert [m.to for m in mailoutbox] == [[world.leader.email]]
    assert reverse("privacy:data") in mailoutbox[0].body

    page = client.get(reverse("privacy:data")).content.decode()
    download = reverse("privacy:export_download", args=[export.pk])
    assert download in page
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = _archive(response)
    names = set(archive.namelist())
    assert {"stageslot-export.json", "calendar.ics", "README.txt"} <= names
    assert any(name.startswith("files/user/") for name in names)  # the avatar
    data = json.loads(archive.read("stageslot-export.json"))
    assert data["schema"] == SCHEMA and data["version"] == 2
    sections = data["sections"]
    assert sections["profile"]["users"][0]["email"] == world.leader.email
    assert sections["availability"]["rules"][0]["title"] == "Rehearsal with my other band"
    assert sections["memberships"]["memberships"][0]["band"] == "The Night Shift"
    thread = sections["threads"]["messages in your bookings"]
    assert [m["author"] for m in thread] == [world.client.name, "you"]
    assert archive.read("calendar.ics").startswith(b"BEGIN:VCALENDAR")
    # Other people appear only by the name the page shows, never by their email.
    text = archive.read("stageslot-export.json").decode()
    assert world.member.email not in text and world.client.email not in text


def test_every_section_of_the_map_is_in_the_archive(world, django_capture_on_commit_callbacks):
    export = _ready(world.leader, django_capture_on_commit_callbacks)
    with export.file.open("rb") as handle:
        sections = json.loads(zipfile.ZipFile(handle).read("stageslot-export.json"))["sections"]
    exported = {entry.category for entry in MAP if (entry.export and entry.person) or entry.label == "accounts.User"}
    assert exported <= set(sections)


@pytest.mark.parametrize("who", ["other", "staff", "anonymous"])
def test_only_its_person_downloads_an_archive(client, world, who, admin_user, django_capture_on_commit_callbacks):
    export = _ready(world.leader, django_capture_on_commit_callbacks)
    url = reverse("privacy:export_download", args=[export.pk])
    if who == "other":
        client.force_login(world.member)
    elif who == "staff":
        client.force_login(admin_user)
    response = client.get(url)
    if who == "anonymous":
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == 404


def test_an_expired_archive_is_gone(client, world, django_capture_on_commit_callbacks):
    export = _ready(world.leader, django_capture_on_commit_callbacks)
    name = export.file.name
    storage = export.file.storage
    assert data_exports_expire(now=export.expires_at - dt.timedelta(minutes=1)) == 0
    assert data_exports_expire(now=export.expires_at) == 1
    export.refresh_from_db()
    assert export.state == DataExport.State.EXPIRED and not storage.exists(name)
    client.force_login(world.leader)
    assert client.get(reverse("privacy:export_download", args=[export.pk])).status_code == 404


def test_one_archive_a_day_and_one_on_its_way_at_a_time(client, world, django_capture_on_commit_callbacks):
    user = world.leader
    waiting = data_export_request(user=user)  # not built: its task waits for the commit
    assert data_export_request(user=user) == waiting
    DataExport.objects.filter(pk=waiting.pk).update(state=DataExport.State.READY, ready_at=timezone.now())
    with pytest.raises(DataExportRefused):
        data_export_request(user=user)
    client.force_login(user)
    response = client.post(reverse("privacy:export"))
    assert response.status_code == 409 and "less than a day ago" in response.content.decode()
    assert DataExport.objects.filter(user=user).count() == 1
    # A day later, a new one.
    later = timezone.now() + dt.timedelta(hours=25)
    assert data_export_request(user=user, now=later).pk != waiting.pk


def test_a_build_that_died_is_taken_over_and_a_live_one_is_not(world):
    export = data_export_request(user=world.leader)
    now = timezone.now()
    DataExport.objects.filter(pk=export.pk).update(state=DataExport.State.BUILDING, claimed_at=now)
    assert data_export_build(export_id=export.pk, now=now + dt.timedelta(minutes=10)) is False
    assert data_export_build(export_id=export.pk, now=now + dt.timedelta(hours=2)) is True
    assert data_export_build(export_id=export.pk, now=now + dt.timedelta(hours=3)) is False  # ready: done


def test_export_asks_only_by_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("privacy:export")).status_code == 405
    assert not DataExport.objects.exists()


def test_staff_make_an_archive_for_a_person_who_asked_by_letter(
    client, world, admin_user, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.STAGESLOT_STAFF_REQUIRE_MFA = False
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "export_data", "_selected_action": [world.client.pk]},
        )
    assert response.status_code == 302
    export = DataExport.objects.get(user=world.client)
    assert export.requested_by == admin_user and export.state == DataExport.State.READY
    assert [m.to for m in mailoutbox] == [[world.client.email]]
    # Staff cannot download it: it is the person's.
    assert client.get(reverse("privacy:export_download", args=[export.pk])).status_code == 404


def test_staff_see_archives_and_closures_in_the_admin_but_not_their_content(
    client, world, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.STAGESLOT_STAFF_REQUIRE_MFA = False
    export = _ready(world.leader, django_capture_on_commit_callbacks)
    client.force_login(admin_user)
    page = client.get(reverse("admin:accounts_dataexport_changelist"))
    assert page.status_code == 200
    assert reverse("admin:accounts_dataexport_change", args=[export.pk]) in page.content.decode()
    detail = client.get(reverse("admin:accounts_dataexport_change", args=[export.pk])).content.decode()
    assert export.file.name not in detail
    assert client.get(reverse("admin:accounts_accountclosure_changelist")).status_code == 200
