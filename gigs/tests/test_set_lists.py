"""Songs and set lists: the band's members keep a song library and build each gig's set list (by keyboard or
by dragging), see its length against the booked set, copy it from an earlier gig and print it for the stage;
nobody else reads or changes them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bookings.errors import BookingConflict, BookingPermissionError
from bookings.services import ending
from gigs.models import SetListEntry, Song
from gigs.selectors.set_lists import set_list_page
from gigs.services.set_lists import (
    set_list_add,
    set_list_copy,
    set_list_move,
    set_list_save,
    song_create,
    song_length_parse,
)
from gigs.tests.factories import gig_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = gig_world()
    w.band.set_length_minutes = 45
    w.band.save(update_fields=["set_length_minutes"])
    w.songs = [song_create(band=w.band, by=w.member, title=f"Song {n}", length="7:30", key="A") for n in range(1, 13)]
    return w


def order(gig) -> list[tuple[str, int]]:
    return list(
        SetListEntry.objects.filter(set_list__booking=gig)
        .order_by("set_number", "position")
        .values_list("song__title", "set_number")
    )


@pytest.mark.parametrize(("text", "seconds"), [("3:45", 225), ("4", 240), ("3.5", 210), ("0:01", 1), ("180:00", 10800)])
def test_a_length_is_read_as_people_write_it(text, seconds):
    assert song_length_parse(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "3:75", "0:00", "181:00", "-3"])
def test_a_length_that_is_not_one_is_told(text):
    with pytest.raises(ValidationError):
        song_length_parse(text)


def test_a_song_needs_a_title_of_its_own_and_links_that_are_addresses(world):
    with pytest.raises(ValidationError) as exc:
        song_create(band=world.band, by=world.member, title="song 1", length="3:00")
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        song_create(band=world.band, by=world.member, title="New", length="3:00", links="javascript:alert(1)")
    assert "links" in exc.value.message_dict
    with pytest.raises(BookingPermissionError):
        song_create(band=world.band, by=world.other_leader, title="Theirs", length="3:00")
    assert Song.objects.filter(band=world.band).count() == 12


def two_sets_of_45_minutes(world) -> None:
    entries = [(s.pk, 1 if n < 6 else 2, "") for n, s in enumerate(world.songs)]
    set_list_save(booking=world.gig, by=world.member, entries=entries)


def booked_minutes(world, minutes: int) -> None:
    world.band.set_length_minutes = minutes
    world.band.save(update_fields=["set_length_minutes"])
    world.gig.refresh_from_db()


def test_each_set_has_its_length_and_all_sets_together_are_held_against_the_booked_length(world):
    two_sets_of_45_minutes(world)
    booked_minutes(world, 75)
    page = set_list_page(booking=world.gig)
    assert [(s.number, s.length) for s in page.sets] == [(1, "45:00"), (2, "45:00")]
    assert (page.length, page.booked) == ("1:30:00", "1:15:00")
    assert (page.is_over, page.over, page.to_fill) == (True, "15:00", "")
    booked_minutes(world, 120)
    page = set_list_page(booking=world.gig)
    assert (page.is_over, page.over, page.to_fill) == (False, "", "30:00")
    booked_minutes(world, 90)
    page = set_list_page(booking=world.gig)
    assert (page.is_over, page.over, page.to_fill, page.over_seconds) == (False, "", "", 0)


def test_with_no_booked_length_nothing_is_over_or_to_fill(world):
    two_sets_of_45_minutes(world)
    booked_minutes(world, None)
    page = set_list_page(booking=world.gig)
    assert (page.booked, page.is_over, page.over, page.to_fill) == ("", False, "", "")


def test_the_page_warns_when_all_sets_run_over_the_booked_length(client, world):
    two_sets_of_45_minutes(world)
    booked_minutes(world, 75)
    client.force_login(world.member)
    html = " ".join(client.get(reverse("gigs:set_list", args=[world.gig.uid])).content.decode().split())
    assert "Set 1: 45:00" in html and "Set 2: 45:00" in html
    assert "All sets: 1:30:00 of 1:15:00 booked" in html
    assert 'class="flash flash--warning sl-over"' in html and "<strong>Over by 15:00:</strong>" in html
    assert "to fill" not in html  # no set is held against the whole booked length on its own
    booked_minutes(world, 120)
    html = " ".join(client.get(reverse("gigs:set_list", args=[world.gig.uid])).content.decode().split())
    assert "30:00 to fill" in html and "Over by" not in html


def test_moving_by_keyboard_up_down_and_to_another_set(world):
    a, b, c = world.songs[:3]
    set_list_save(booking=world.gig, by=world.member, entries=[(a.pk, 1, ""), (b.pk, 1, ""), (c.pk, 2, "")])
    entry_b = SetListEntry.objects.get(set_list__booking=world.gig, song=b)
    _sl, set_number, place = set_list_move(booking=world.gig, by=world.member, entry_id=entry_b.pk, direction="up")
    assert (set_number, place) == (1, 1)
    assert order(world.gig) == [("Song 2", 1), ("Song 1", 1), ("Song 3", 2)]
    entry_a = SetListEntry.objects.get(set_list__booking=world.gig, song=a)
    _sl, set_number, place = set_list_move(booking=world.gig, by=world.member, entry_id=entry_a.pk, direction="down")
    assert (set_number, place) == (2, 1)  # past the end of its set: the start of the next
    assert order(world.gig) == [("Song 2", 1), ("Song 1", 2), ("Song 3", 2)]
    entry_c = SetListEntry.objects.get(set_list__booking=world.gig, song=c)
    _sl, set_number, place = set_list_move(booking=world.gig, by=world.member, entry_id=entry_c.pk, direction="set-1")
    assert (set_number, place) == (1, 2)
    assert order(world.gig) == [("Song 2", 1), ("Song 3", 1), ("Song 1", 2)]
    with pytest.raises(ValidationError):
        set_list_move(booking=world.gig, by=world.member, entry_id=999_999, direction="up")
    with pytest.raises(ValidationError):
        set_list_move(booking=world.gig, by=world.member, entry_id=entry_c.pk, direction="sideways")


def test_only_the_bands_own_songs_and_members_and_not_after_the_gig(world):
    theirs = song_create(band=world.other_band, by=world.other_leader, title="Theirs", length="3:00")
    with pytest.raises(ValidationError):
        set_list_save(booking=world.gig, by=world.member, entries=[(theirs.pk, 1, "")])
    with pytest.raises(BookingPermissionError):
        set_list_add(booking=world.gig, by=world.other_leader, song=world.songs[0])
    ending.booking_cancel(booking=world.gig, by=world.owner, reason="Closed")
    with pytest.raises(BookingConflict):
        set_list_add(booking=world.gig, by=world.member, song=world.songs[0])
    assert order(world.gig) == []


def test_a_set_list_is_copied_from_an_earlier_gig(world):
    set_list_save(booking=world.request, by=world.member, entries=[(s.pk, 1, "") for s in world.songs[:3]])
    set_list_copy(booking=world.gig, source=world.request, by=world.leader)
    assert order(world.gig) == [("Song 1", 1), ("Song 2", 1), ("Song 3", 1)]
    with pytest.raises(ValidationError):
        set_list_copy(booking=world.gig, source=world.pending, by=world.leader)


def test_the_pages_are_for_the_bands_members(client, world):
    urls = [
        reverse("gigs:set_list", args=[world.gig.uid]),
        reverse("gigs:set_list_print", args=[world.gig.uid]),
        reverse("gigs:songs", args=[world.band.slug]),
    ]
    for outsider in (world.other_leader, world.stranger, world.owner, world.client):
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider, url)
        response = client.post(reverse("gigs:set_list_add", args=[world.gig.uid]), {"song": world.songs[0].pk})
        assert response.status_code == 404
    client.logout()
    assert all(client.get(url).status_code == 302 for url in urls)
    client.force_login(world.member)
    assert all(client.get(url).status_code == 200 for url in urls)
    assert order(world.gig) == []


def test_a_member_builds_the_set_list_on_the_page_and_bad_input_is_a_400(client, world, django_assert_max_num_queries):
    client.force_login(world.member)
    add = reverse("gigs:set_list_add", args=[world.gig.uid])
    assert client.post(add, {"song": "nope"}, HTTP_HX_REQUEST="true").status_code == 400
    for song in world.songs[:6]:
        assert client.post(add, {"song": song.pk, "set": 1}, HTTP_HX_REQUEST="true").status_code == 200
    entry = SetListEntry.objects.filter(set_list__booking=world.gig).order_by("position").last()
    move = reverse("gigs:set_list_move", args=[world.gig.uid, entry.pk])
    response = client.post(move, {"direction": "up"}, HTTP_HX_REQUEST="true")
    assert "Moved to place 5 of set 1." in response.content.decode()
    moved = SetListEntry.objects.get(set_list__booking=world.gig, song_id=entry.song_id)
    # The focus stays on the song moved: its Move up button (the entries are written anew).
    html = response.content.decode()
    assert html.index("data-focus") > html.index(f'id="entry-{moved.pk}"')
    order_url = reverse("gigs:set_list_order", args=[world.gig.uid])
    assert client.post(order_url, {"entry": ["x:1"]}, HTTP_HX_REQUEST="true").status_code == 400
    pairs = [f"{s.pk}:{1 if n < 3 else 2}" for n, s in enumerate(world.songs[:6])]
    assert client.post(order_url, {"entry": pairs}, HTTP_HX_REQUEST="true").status_code == 200
    assert [n for _t, n in order(world.gig)] == [1, 1, 1, 2, 2, 2]
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("gigs:set_list", args=[world.gig.uid]))
    set_list_save(
        booking=world.gig, by=world.member, entries=[(s.pk, 1 + n % 3, "") for n, s in enumerate(world.songs)]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("gigs:set_list", args=[world.gig.uid]))
    other_entry = SetListEntry.objects.filter(set_list__booking=world.gig).first()
    client.force_login(world.other_leader)
    assert (
        client.post(
            reverse("gigs:set_list_move", args=[world.gig.uid, other_entry.pk]), {"direction": "remove"}
        ).status_code
        == 404
    )


def test_the_song_library_page_adds_and_refuses(client, world):
    client.force_login(world.member)
    url = reverse("gigs:songs", args=[world.band.slug])
    assert client.post(url, {"title": "", "length": "x"}).status_code == 400
    assert client.post(url, {"title": "Encore", "length": "4:10", "key": "E"}).status_code == 302
    assert Song.objects.get(band=world.band, title="Encore").length_seconds == 250
    html = client.get(url + "?q=enc", HTTP_HX_REQUEST="true").content.decode()
    assert "Encore" in html and "Song 1" not in html
    # A control character in the search is left out (PostgreSQL would refuse it), never a 500.
    response = client.get(url, {"q": "En\x00c"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Encore" in response.content.decode()


def test_after_adding_a_set_or_a_song_the_focus_lands_in_that_set(client, world):
    client.force_login(world.member)
    url = reverse("gigs:set_list", args=[world.gig.uid])
    html = client.get(url, {"add_set": 1}, HTTP_HX_REQUEST="true").content.decode()
    assert html.count("data-focus") == 1
    assert '<h2 id="set-2-title" tabindex="-1" data-focus>' in html
    add = reverse("gigs:set_list_add", args=[world.gig.uid])
    html = client.post(add, {"song": world.songs[0].pk, "set": 2}, HTTP_HX_REQUEST="true").content.decode()
    entry = SetListEntry.objects.get(set_list__booking=world.gig, song=world.songs[0])
    assert html.count("data-focus") == 1
    # The Move up button of the song just added, inside set 2.
    assert html.index('id="set-2-title"') < html.index(f'id="entry-{entry.pk}"') < html.index("data-focus")
