"""On the road, offline (decision 0091): what a person's device keeps (only their shows, only allow-listed
pages, marked for them), that no answer to a signed-in person is fit for a shared cache, that logging out
clears the device, and that changes replayed from a device count once and a stale one is answered with
both versions."""

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts.models import IdempotencyKey
from accounts.tasks import idempotency_keys_purge_task
from bands.models import Membership
from bookings.models import BookingFile
from bookings.services import ending
from gigs.models import GigAnswer, GuestEntry
from gigs.services.guest_lists import guest_check_in, guest_entry_add
from gigs.services.set_lists import set_list_save, song_create
from gigs.tests.factories import gig_world
from stageslot.road import KEEPABLE, REPLAYABLE, road_keep_list
from stageslot.tests.once import as_it_is_now, rows_for_the_module

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("road")]


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> Iterator[SimpleNamespace]:
    with rows_for_the_module(django_db_blocker):
        world = gig_world("-road")
        world.rider = BookingFile.objects.create(
            booking=world.gig,
            title="Rider",
            original_name="rider.txt",
            file=ContentFile(b"two vocal mics", name="rider.txt"),
            content_type="text/plain",
            size=14,
            side="band",
            for_the_road=True,
        )
        world.songs = [song_create(band=world.band, by=world.member, title=f"Song {n}", length="4:00") for n in (1, 2)]
        yield world


@pytest.fixture
def world(module_world) -> SimpleNamespace:
    return as_it_is_now(module_world)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def kept(user) -> list[str]:
    return [entry["url"] for entry in road_keep_list(user=user, now=timezone.now())["keep"]]


def test_a_member_keeps_their_shows_pages_and_files_for_the_road_and_nobody_elses(world, django_assert_max_num_queries):
    # The shows, their files and the tours on the road (decision 0110): four queries.
    with django_assert_max_num_queries(4):
        urls = kept(world.member)
    gig, request = world.gig.uid, world.request.uid
    for uid in (gig, request):
        for name in ("gigs:gig", "gigs:set_list", "documents:day_sheet", "documents:guest_list"):
            assert reverse(name, args=[uid]) in urls
    assert reverse("bookings:file_download", args=[gig, world.rider.pk]) in urls
    assert str(world.pending.uid) not in " ".join(urls)  # not booked
    # The venue's staff keep the venue's show's day sheet and guest list, never the band's own pages.
    owner = kept(world.owner)
    assert reverse("documents:guest_list", args=[gig]) in owner and reverse("gigs:gig", args=[gig]) not in owner
    assert str(request) not in " ".join(owner)
    assert kept(world.stranger) == [reverse("road")]
    # Every address listed is one the worker may keep, and each is a page marked kept.
    for url in urls + owner:
        assert any(re.match(pattern, url) for pattern in KEEPABLE), url
        assert getattr(resolve(url).func, "kept_offline", False), url


def test_leaving_the_band_or_a_cancelled_show_changes_the_list_and_its_version(world):
    before = road_keep_list(user=world.member, now=timezone.now())
    ending.booking_cancel(booking=world.request, by=world.leader, reason="Flood")
    after = road_keep_list(user=world.member, now=timezone.now())
    assert after["version"] != before["version"] and str(world.request.uid) not in str(after["keep"])
    Membership.objects.filter(band=world.band, user=world.member).delete()
    assert kept(world.member) == [reverse("road")]


def test_the_allow_lists_are_the_views_marked_and_the_scripts_say_the_same():
    for pattern in KEEPABLE:
        url = re.sub(r"\[0-9a-f\]\{8\}.*?\{12\}", str(uuid.uuid4()), pattern).strip("^$").replace("[0-9]+", "7")
        assert getattr(resolve(url).func, "kept_offline", False), url
    for pattern in REPLAYABLE:
        url = re.sub(r"\[0-9a-f\]\{8\}.*?\{12\}", str(uuid.uuid4()), pattern).strip("^$").replace("[0-9]+", "7")
        assert getattr(resolve(url).func, "replayable", False), url
    worker = Client().get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript") and worker["Cache-Control"] == "no-cache"
    assert all(pattern in worker.content.decode() for pattern in KEEPABLE)
    script = (Path(settings.BASE_DIR) / "static/js/road.js").read_text()
    assert script.count("new RegExp") == 0 and len(re.findall(r"^    /\^.*\$/,?$", script, re.M)) == len(REPLAYABLE)


def test_the_app_is_installable_and_opens_on_my_next_shows(world):
    manifest = Client().get("/manifest.webmanifest").json()
    assert manifest["start_url"] == reverse("road") and manifest["display"] == "standalone"
    assert manifest["icons"][0]["src"].endswith(".svg") and manifest["theme_color"]
    page = signed_in(world.member).get("/")
    assert b'rel="manifest"' in page.content and b"js/road.js" in page.content
    road = signed_in(world.member).get(reverse("road"))
    assert road.status_code == 200 and road["X-StageSlot-Keep"] == str(world.member.pk)
    assert world.leader.email in road.content.decode()  # the band's contacts
    assert signed_in(world.owner).get(reverse("road")).content.decode().count(world.leader.email) == 0


def test_the_keep_list_is_never_stored_and_says_nobody_when_signed_out(world):
    answer = signed_in(world.member).get(reverse("road_keep"))
    assert answer["Cache-Control"] == "private, no-store" and answer.json()["user"] == world.member.pk
    assert answer.json()["csrf"] and "/offline/" in answer.json()["shell"]
    assert Client().get(reverse("road_keep")).json()["user"] is None
    offline = Client().get(reverse("offline")).content.decode()
    assert "data-road-offline" in offline and "data-road-user" not in offline


FILL = {"uuid": str(uuid.UUID(int=1)), "int": "1", "slug": "no-such", "isodate": "2026-12-01"}


def _routes(resolvers=None, prefix=""):
    for entry in get_resolver().url_patterns if resolvers is None else resolvers:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def test_no_answer_to_someone_signed_in_is_fit_for_a_shared_cache(world):
    client = signed_in(world.member)
    gig = str(world.gig.uid)
    seen = 0
    for route in sorted(set(_routes())):
        if route.startswith(("admin/", "^static", "api/", "media/")) or "logout" in route:
            continue
        filled = re.sub(r"<(?:(\w+):)?\w+>", lambda m: FILL.get(m.group(1) or "str", "x"), route)
        path = "/" + filled.lstrip("^").rstrip("$")
        path = path.replace(str(uuid.UUID(int=1)), gig).replace("\\Z", "")
        if "(?P" in path:
            continue
        response = client.get(path)
        for close in getattr(response, "_resource_closers", []) if response.streaming else []:
            close()  # a file streamed (the rider): closed without ending the request's database connection
        seen += 1
        control = response.get("Cache-Control", "")
        if path.startswith(("/jsi18n/", "/sw.js", "/manifest.webmanifest", "/embed/")):
            continue  # the same for everyone; the widget reads no cookies (embeds.middleware)
        assert "private" in control and "public" not in control, (path, control)
        if response.get("X-StageSlot-Keep"):
            assert response["X-StageSlot-Keep"] == str(world.member.pk) and control == "private, no-cache", path
    assert seen > 150


def test_logging_out_clears_the_device():
    from accounts.tests.factories import UserFactory

    client = signed_in(UserFactory())
    response = client.post(reverse("account_logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def replay(client, url, data, key, **headers):
    return client.post(url, data, headers={"Idempotency-Key": key, "HX-Request": "true", **headers})


def test_an_answer_sent_twice_counts_once_and_a_key_is_bound_to_its_change(world):
    client = signed_in(world.member)
    url = reverse("gigs:gig", args=[world.gig.uid])
    key = str(uuid.uuid4())
    assert replay(client, url, {"answer": "definitely"}, key).status_code == 200
    first = GigAnswer.objects.get(booking=world.gig, member=world.member)
    again = replay(client, url, {"answer": "definitely"}, key)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert GigAnswer.objects.get(pk=first.pk).answered_at == first.answered_at
    assert replay(client, url, {"answer": "cant"}, key).status_code == 422
    other = replay(client, url, {"answer": "cant"}, str(uuid.uuid4()), **{"X-StageSlot-As": str(world.leader.pk)})
    assert other.status_code == 409 and GigAnswer.objects.get(pk=first.pk).answer == "definitely"
    assert IdempotencyKey.objects.filter(user=world.member).count() == 1


def test_a_guest_the_door_ticked_in_meanwhile_is_a_conflict_with_both_versions(world):
    ida = guest_entry_add(booking=world.gig, by=world.leader, side="band", name="Ida", plus_ones=0, note="")
    guest_check_in(booking=world.gig, by=world.owner, entry_id=ida.pk)
    door = signed_in(world.owner)
    url = reverse("documents:guest_check_in", args=[world.gig.uid, ida.pk])
    at = GuestEntry.objects.get(pk=ida.pk).checked_in_at
    stale = replay(door, url, {"checked_in": "1", "seen": "0"}, str(uuid.uuid4()))
    assert stale.status_code == 409
    conflict = stale.json()["conflict"]
    assert conflict["theirs"].startswith("checked in at") and conflict["yours"].startswith("checked in at")
    assert GuestEntry.objects.get(pk=ida.pk).checked_in_at == at
    # The same tick on the version seen changes nothing either: a guest is in once.
    assert replay(door, url, {"checked_in": "1", "seen": "1"}, str(uuid.uuid4())).status_code == 200
    assert GuestEntry.objects.get(pk=ida.pk).checked_in_at == at


def test_a_set_list_reordered_by_the_leader_meanwhile_is_a_conflict_with_both_orders(world):
    one, two = world.songs
    set_list = set_list_save(booking=world.gig, by=world.leader, entries=[(one.pk, 1, ""), (two.pk, 1, "")])
    base = set_list.updated_at.isoformat()
    set_list_save(booking=world.gig, by=world.leader, entries=[(two.pk, 1, ""), (one.pk, 1, "")])
    url = reverse("gigs:set_list_order", args=[world.gig.uid])
    mine = {"entry": [f"{one.pk}:1", f"{two.pk}:2"], "base": base}
    stale = replay(signed_in(world.member), url, mine, str(uuid.uuid4()))
    assert stale.status_code == 409
    assert stale.json()["conflict"] == {
        "message": "The set list was changed by someone else meanwhile.",
        "theirs": "Set 1: Song 2, Song 1",
        "yours": "Set 1: Song 1 | Set 2: Song 2",
    }


def test_the_bookings_people_choose_its_files_for_the_road(world):
    url = reverse("bookings:file_road", args=[world.gig.uid, world.rider.pk])
    download = reverse("bookings:file_download", args=[world.gig.uid, world.rider.pk])
    assert signed_in(world.stranger).post(url, {"for_the_road": "0"}).status_code == 404
    off = signed_in(world.member).post(url, {"for_the_road": "0"}, headers={"HX-Request": "true"})
    assert off.status_code == 200 and "Keep for the road: Rider" in off.content.decode()
    assert download not in kept(world.member)
    signed_in(world.owner).post(url, {"for_the_road": "1"})
    assert download in kept(world.member) and BookingFile.objects.get(pk=world.rider.pk).for_the_road


def test_keys_are_forgotten_after_30_days(world):
    old = IdempotencyKey.objects.create(user=world.member, key="k-old", body_hash="x", path="/", status=200)
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    IdempotencyKey.objects.create(user=world.member, key="k-new", body_hash="x", path="/", status=200)
    assert idempotency_keys_purge_task() == 1
    assert list(IdempotencyKey.objects.filter(user=world.member).values_list("key", flat=True)) == ["k-new"]
