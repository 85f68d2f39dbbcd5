"""A booking's thread and files through the JSON API: who reads and writes (the band's members, the
venue's staff, the client; nobody else), the flood limit as a 429, uploads checked by their bytes
(413 / 422, nothing stored), downloads streamed, the file.added webhook, pages and query counts."""

import json
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from bookings.models import BookingFile, Message, Webhook, WebhookDelivery
from bookings.services import files as file_services
from bookings.services.files import booking_file_add
from bookings.services.threads import FLOOD_LIMIT, message_post
from bookings.services.webhooks import webhook_create
from bookings.tests.api_helpers import ApiClient, token_for
from bookings.tests.factories import BookingFactory, band_with_leader
from bookings.tests.test_detail_views import make_world

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
OUTSIDERS = ["other_leader", "other_owner", "other_client", "stranger"]
HOOK_URL = "http://127.0.0.1:8471/hook"


@pytest.fixture
def world() -> Iterator[SimpleNamespace]:
    w = make_world()
    w.stranger = UserFactory(display_name="Sam Stranger")
    yield w
    # The private storage is one folder for every test run: take this test's files out of it.
    storage = BookingFile._meta.get_field("file").storage
    for row in BookingFile.objects.all():
        storage.delete(row.file.name)


def messages_url(booking) -> str:
    return f"/api/v1/bookings/{booking.uid}/messages"


def files_url(booking, pk: int | None = None) -> str:
    return f"/api/v1/bookings/{booking.uid}/files" + (f"/{pk}" if pk else "")


def api(user, scopes=None) -> ApiClient:
    return ApiClient(token_for(user, scopes))


def upload(user, booking, content: bytes = PDF, name: str = "rider.pdf", scopes=None, **fields):
    """A multipart upload as a client library sends it."""
    data = {"kind": "rider", **fields}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content)
    raw = token_for(user, scopes)
    return Client().post(files_url(booking), data, headers={"Authorization": f"Bearer {raw}"})


def stored(booking) -> list[str]:
    """The names in the private storage under the booking."""
    storage = BookingFile._meta.get_field("file").storage
    folder = f"bookings/{booking.uid}"
    return storage.listdir(folder)[1] if storage.exists(folder) else []


def share(booking, by, content: bytes = PDF, **extra) -> BookingFile:
    fields = {"title": "Rider", "kind": "rider", **extra}
    return booking_file_add(booking=booking, by=by, upload=SimpleUploadedFile("rider.pdf", content), **fields)


# ---- Messages: reading --------------------------------------------------------------------------


def test_the_band_and_the_venue_read_the_thread_newest_first(world):
    message_post(booking=world.application, by=world.leader, body="We bring our own drums.")
    message_post(booking=world.application, by=world.owner, body="Load-in is at six.")
    for reader in (world.leader, world.member, world.owner):
        response = api(reader, ["read"]).get(messages_url(world.application))
        assert response.status_code == 200, response.content
        items = response.json()["items"]
        assert [m["body"] for m in items] == ["Load-in is at six.", "We bring our own drums."]
        assert response.json()["next"] is None
    owner_view = api(world.owner, ["read"]).get(messages_url(world.application)).json()["items"]
    assert owner_view[0] | {"id": 0, "created_at": ""} == {
        "id": 0,
        "body": "Load-in is at six.",
        "author_name": world.owner.name,
        "side": "venue",
        "side_label": "Kellerbar (venue)",
        "mine": True,
        "created_at": "",
    }
    assert owner_view[1]["side_label"] == "The Night Shift (band)" and owner_view[1]["mine"] is False
    assert owner_view[0]["created_at"].endswith("Z")


def test_the_client_reads_the_thread_of_a_private_request(world):
    message_post(booking=world.request, by=world.client, body="First dance at nine.")
    items = api(world.member, ["read"]).get(messages_url(world.request)).json()["items"]
    assert [(m["body"], m["side"], m["side_label"]) for m in items] == [("First dance at nine.", "client", "Client")]
    assert api(world.client, ["read"]).get(messages_url(world.request)).json()["items"][0]["mine"] is True


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_find_no_thread(world, who):
    message_post(booking=world.application, by=world.leader, body="Secret set list")
    response = api(getattr(world, who)).get(messages_url(world.application))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "Secret" not in response.content.decode()


@pytest.mark.parametrize("who", ["owner", "other_client", "other_leader", "stranger"])
def test_outsiders_of_a_private_request_find_no_thread(world, who):
    assert api(getattr(world, who)).get(messages_url(world.request)).status_code == 404


def support_picked_by_other_band(world):
    """A support act's application that the other band, headlining, picks (not the venue)."""
    band, leader = band_with_leader(name="Openers")
    support = BookingFactory(band=band, slot=world.slot, role="support", picker_band=world.other_band)
    return support, leader


def test_the_headliner_that_picks_a_support_act_sees_the_booking_but_not_its_thread(world):
    support, support_leader = support_picked_by_other_band(world)
    message_post(booking=support, by=support_leader, body="Between us")
    picker = api(world.other_leader)
    assert picker.get(f"/api/v1/bookings/{support.uid}").status_code == 200
    assert picker.get(messages_url(support)).status_code == 403
    refused = picker.post(messages_url(support), {"body": "Hello"})
    assert refused.status_code == 403 and Message.objects.filter(booking=support).count() == 1


def test_reading_needs_a_token_and_the_read_scope(world):
    anonymous = ApiClient().get(messages_url(world.application))
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    scoped = api(world.leader, ["messages"]).get(messages_url(world.application))
    assert scoped.status_code == 403 and "“read” scope" in scoped.json()["detail"]


def test_the_thread_pages_by_keyset_and_polls_after_an_id(world):
    people = (world.leader, world.member, world.owner)  # each under the thread's flood limit
    sent = [message_post(booking=world.application, by=people[i % 3], body=f"Note {i}") for i in range(25)]
    reader = api(world.owner, ["read"])
    seen, url, pages = [], messages_url(world.application) + "?limit=10", 0
    while url:
        page = reader.get(url).json()
        seen += [m["id"] for m in page["items"]]
        url, pages = page["next"], pages + 1
    assert pages == 3 and seen == [m.pk for m in reversed(sent)]
    news = reader.get(messages_url(world.application), {"after": sent[21].pk}).json()["items"]
    assert [m["body"] for m in news] == ["Note 24", "Note 23", "Note 22"]
    assert reader.get(messages_url(world.application), {"cursor": "nonsense"}).status_code == 400
    assert reader.get(messages_url(world.application), {"after": -1}).status_code == 422


def test_the_list_costs_the_same_queries_however_many_messages(world, django_assert_num_queries):
    reader = api(world.owner, ["read"])
    message_post(booking=world.application, by=world.leader, body="One")
    # token, its last use, the booking with the reader's standing (2, which the thread check reads), the page
    with django_assert_num_queries(5):
        assert len(reader.get(messages_url(world.application)).json()["items"]) == 1
    for i in range(30):
        message_post(booking=world.application, by=world.member if i % 2 else world.owner, body=f"More {i}")
    with django_assert_num_queries(4):  # the token's last use is noted at most once a minute
        assert len(reader.get(messages_url(world.application), {"limit": 50}).json()["items"]) == 31


# ---- Messages: writing --------------------------------------------------------------------------


def test_a_member_writes_and_everyone_else_in_the_thread_is_told(world):
    response = api(world.member, ["messages"]).post(messages_url(world.application), {"body": "  Smoke machine?\r\n"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["body"] == "Smoke machine?" and body["side"] == "band" and body["mine"] is True
    assert body["side_label"] == "The Night Shift (band)"
    message = Message.objects.get()
    assert body["id"] == message.pk and message.author == world.member
    told = set(Notification.objects.filter(kind="message").values_list("recipient_id", flat=True))
    assert told == {world.leader.pk, world.owner.pk}
    again = api(world.member, ["messages"]).post(messages_url(world.application), {"body": "Smoke machine?"})
    assert again.status_code == 201 and again.json()["id"] == message.pk  # a resent text is the same message
    assert Message.objects.count() == 1


def test_the_client_writes_in_its_request(world):
    response = api(world.client).post(messages_url(world.request), {"body": "Can you play Abba?"})
    assert response.status_code == 201 and response.json()["side"] == "client"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_write(world, who):
    response = api(getattr(world, who)).post(messages_url(world.application), {"body": "Let me in"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_writing_needs_a_token_and_the_messages_scope(world):
    assert ApiClient().post(messages_url(world.application), {"body": "Hi"}).status_code == 401
    scoped = api(world.leader, ["read", "bookings"]).post(messages_url(world.application), {"body": "Hi"})
    assert scoped.status_code == 403 and "“messages” scope" in scoped.json()["detail"]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"body": "   "}, 422, "Write a message first."),
        ({"body": "x" * (Message.MAX_LENGTH + 1)}, 422, "at most 2000 characters"),
        ({}, 422, ""),
        ({"body": 12}, 422, ""),
        ({"body": "Null\x00byte"}, 400, "control character"),
    ],
)
def test_a_bad_message_is_refused_and_nothing_is_sent(world, body, status, words):
    response = api(world.leader).post(messages_url(world.application), body)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert words in json.dumps(response.json(), ensure_ascii=False)
    assert not Message.objects.exists() and not Notification.objects.filter(kind="message").exists()


def test_a_body_that_is_not_json_is_a_400(world):
    raw = token_for(world.leader)
    response = Client().post(
        messages_url(world.application),
        b"{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 400 and not Message.objects.exists()


def test_the_thread_flood_limit_is_a_429_with_retry_after(world):
    writer = api(world.leader, ["messages"])
    for i in range(FLOOD_LIMIT):
        assert writer.post(messages_url(world.application), {"body": f"Message {i}"}).status_code == 201
    refused = writer.post(messages_url(world.application), {"body": "One more"})
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert 0 < int(refused["Retry-After"]) <= 600
    assert "Wait a few minutes" in refused.json()["detail"]
    assert Message.objects.count() == FLOOD_LIMIT
    # Someone else in the thread is not held back.
    assert api(world.owner, ["messages"]).post(messages_url(world.application), {"body": "Slow!"}).status_code == 201


def test_the_pages_hourly_message_limit_holds_for_the_api(world, settings):
    settings.STAGESLOT_RATE_LIMITS = {**settings.STAGESLOT_RATE_LIMITS, "message": "2/h"}
    writer = api(world.leader, ["messages"])
    assert writer.post(messages_url(world.application), {"body": ""}).status_code == 422  # gives its place back
    for text in ("One", "Two"):
        assert writer.post(messages_url(world.application), {"body": text}).status_code == 201
    refused = writer.post(messages_url(world.application), {"body": "Three"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Message.objects.count() == 2


# ---- Files: sharing -----------------------------------------------------------------------------


def test_a_band_member_shares_a_rider_and_the_webhook_hears_of_it(world, settings):
    settings.WEBHOOK_ALLOW_HOSTS = ("127.0.0.1:8471",)
    hook = webhook_create(by=world.owner, venue=world.venue, url=HOOK_URL, events=[Webhook.Event.FILE_ADDED])
    response = upload(world.member, world.application, title="Our rider", scopes=["messages"])
    assert response.status_code == 201, response.content
    body = response.json()
    row = BookingFile.objects.get()
    assert body | {"created_at": ""} == {
        "id": row.pk,
        "document": str(row.document),
        "version": 1,
        "latest": True,
        "kind": "rider",
        "title": "Our rider",
        "original_name": "rider.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "side": "band",
        "uploaded_by": world.member.name,
        "created_at": "",
        "download_url": f"http://testserver/api/v1/bookings/{world.application.uid}/files/{row.pk}",
    }
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.event == "file.added"
    assert json.loads(delivery.body)["data"]["file"]["id"] == row.pk
    assert Notification.objects.filter(kind="booking_file", recipient=world.owner).exists()
    assert len(stored(world.application)) == 1


def test_a_new_version_keeps_the_old_and_the_list_keeps_the_pages_order(world):
    rider = share(world.application, world.leader)
    plot = share(world.application, world.owner, content=PNG, title="Stage plot", kind="stage_plot")
    response = upload(world.owner, world.application, name="rider-v2.pdf", title="Rider", replaces=str(rider.pk))
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 2 and response.json()["document"] == str(rider.document)
    items = api(world.member, ["read"]).get(files_url(world.application)).json()["items"]
    assert [(f["title"], f["version"], f["latest"]) for f in items] == [
        ("Rider", 2, True),
        ("Rider", 1, False),
        ("Stage plot", 1, True),
    ]
    assert items[2]["id"] == plot.pk and items[2]["side"] == "venue"


def test_the_client_shares_on_its_request(world):
    response = upload(world.client, world.request, content=PNG, name="venue.png", kind="other")
    assert response.status_code == 201 and response.json()["side"] == "client"
    assert response.json()["content_type"] == "image/png" and response.json()["title"] == "venue.png"


@pytest.mark.parametrize(
    ("content", "fields", "status", "field", "words"),
    [
        (EXE, {}, 422, "file", "whatever its name says"),
        (b"<!DOCTYPE html><script>alert(1)</script>", {}, 422, "file", "whatever its name says"),
        (b"", {}, 422, "file", ""),
        (None, {}, 422, "file", ""),
        (PDF, {"kind": "poster"}, 422, "kind", ""),
        (PDF, {"title": "t" * 121}, 422, "title", "At most 120 characters"),
        (PDF, {"replaces": "abc"}, 422, "replaces", ""),
        (PDF, {"replaces": "0"}, 422, "replaces", ""),
        (PDF, {"replaces": "999999"}, 422, "replaces", "Choose a file of this booking."),
        (PDF, {"title": "bad\x00title"}, 400, None, "control character"),
    ],
)
def test_a_bad_upload_is_refused_and_nothing_is_stored(world, content, fields, status, field, words):
    response = upload(world.leader, world.application, content=content, name="rider.pdf", **fields)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    if field:
        assert field in problem["errors"], problem
    assert words in json.dumps(problem, ensure_ascii=False)
    assert not BookingFile.objects.exists() and stored(world.application) == []
    assert not Notification.objects.filter(kind="booking_file").exists()


def test_a_file_over_the_limit_is_a_413(world, settings):
    settings.BOOKING_FILE_MAX_BYTES = 1024
    response = upload(world.leader, world.application, content=PDF + b"0" * 2048)
    assert response.status_code == 413
    problem = response.json()
    assert "files can be at most" in problem["detail"]
    assert "file" in problem["errors"]
    assert not BookingFile.objects.exists() and stored(world.application) == []


def test_another_bookings_file_cannot_be_replaced(world):
    theirs = share(world.request, world.client)
    response = upload(world.leader, world.application, replaces=str(theirs.pk))
    assert response.status_code == 422 and "replaces" in response.json()["errors"]
    assert BookingFile.objects.count() == 1


def test_a_full_booking_takes_no_more_files(world, monkeypatch):
    monkeypatch.setattr(file_services, "FILES_PER_BOOKING", 1)
    share(world.application, world.leader)
    response = upload(world.owner, world.application)
    assert response.status_code == 400 and "this one is full" in response.json()["detail"]
    assert BookingFile.objects.count() == 1


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_share(world, who):
    assert upload(getattr(world, who), world.application).status_code == 404
    assert not BookingFile.objects.exists() and stored(world.application) == []


def test_sharing_needs_a_token_and_the_messages_scope(world):
    anonymous = Client().post(files_url(world.application), {"kind": "rider", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert anonymous.status_code == 401
    assert upload(world.leader, world.application, scopes=["read"]).status_code == 403
    assert not BookingFile.objects.exists() and stored(world.application) == []


def test_the_headliner_that_picks_a_support_act_shares_files_as_on_the_page(world):
    support, _leader = support_picked_by_other_band(world)
    response = upload(world.other_leader, support)
    assert response.status_code == 201 and response.json()["side"] == "headliner"
    assert api(world.other_leader).get(files_url(support)).json()["items"][0]["id"] == response.json()["id"]


# ---- Files: reading -----------------------------------------------------------------------------


def test_the_download_is_streamed_as_an_attachment(world):
    row = share(world.application, world.owner)
    response = api(world.member, ["read"]).get(files_url(world.application, row.pk))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rider.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_a_big_file_is_sent_in_chunks_never_whole(world):
    big = PDF + bytes(range(256)) * (12 * 1024)  # 3 MB: more than Django keeps in memory for an upload
    row = share(world.application, world.leader, content=big)
    response = api(world.owner, ["read"]).get(files_url(world.application, row.pk))
    assert response.status_code == 200 and response.streaming
    assert int(response["Content-Length"]) == len(big)
    sizes, total = [], 0
    for chunk in response.streaming_content:
        sizes.append(len(chunk))
        total += len(chunk)
    assert total == len(big)
    assert len(sizes) > 100 and max(sizes) <= response.block_size  # read from storage a block at a time


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_find_no_files(world, who):
    row = share(world.application, world.leader)
    client = api(getattr(world, who))
    assert client.get(files_url(world.application)).status_code == 404
    response = client.get(files_url(world.application, row.pk))
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_a_file_of_another_booking_is_not_there(world):
    theirs = share(world.request, world.client)
    response = api(world.leader).get(files_url(world.application, theirs.pk))
    assert response.status_code == 404
    assert api(world.leader).get(files_url(world.application, 2**63)).status_code in (404, 422)


def test_reading_files_needs_a_token_and_the_read_scope(world):
    row = share(world.application, world.leader)
    assert ApiClient().get(files_url(world.application)).status_code == 401
    assert ApiClient().get(files_url(world.application, row.pk)).status_code == 401
    scoped = api(world.leader, ["messages"])
    assert scoped.get(files_url(world.application)).status_code == 403
    assert scoped.get(files_url(world.application, row.pk)).status_code == 403


def test_files_page_by_keyset(world):
    first = share(world.application, world.leader, title="Rider")
    for _ in range(3):
        share(world.application, world.leader, replaces=first)
    for i in range(4):
        share(world.application, world.owner, title=f"Plot {i}", kind="stage_plot")
    reader = api(world.member, ["read"])
    seen, url = [], files_url(world.application) + "?limit=3"
    while url:
        page = reader.get(url).json()
        seen += [(f["title"], f["version"]) for f in page["items"]]
        url = page["next"]
    assert seen == [("Rider", 4), ("Rider", 3), ("Rider", 2), ("Rider", 1)] + [(f"Plot {i}", 1) for i in range(4)]


def test_the_file_list_costs_the_same_queries_however_many_files(world, django_assert_num_queries):
    share(world.application, world.leader)
    reader = api(world.owner, ["read"])
    # token, its last use, the booking with the reader's standing (2), the page
    with django_assert_num_queries(5):
        assert len(reader.get(files_url(world.application)).json()["items"]) == 1
    for i in range(12):
        share(world.application, world.member if i % 2 else world.owner, title=f"Doc {i}")
    with django_assert_num_queries(4):  # the token's last use is noted at most once a minute
        assert len(reader.get(files_url(world.application), {"limit": 50}).json()["items"]) == 13


def test_the_download_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    row = share(world.application, world.leader)
    reader = api(world.owner, ["read"])
    with django_assert_max_num_queries(5):  # token, last use, booking, standing, the file
        response = reader.get(files_url(world.application, row.pk))
    assert b"".join(response.streaming_content) == PDF


def test_an_unreadable_upload_body_is_a_400_problem(world):
    raw = token_for(world.leader)
    client = Client(raise_request_exception=False)
    response = client.post(
        files_url(world.application),
        b"x",
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert "boundary" in response.json()["detail"]
    assert not BookingFile.objects.exists()
