"""Band search by free date: "free between X and Y" and "free on a day, in the evening"."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability.models import BusyInterval
from bands.forms.search import local_window
from bands.selectors import BusyOverlaps, band_search
from bands.tests.factories import BandFactory, BandPhotoFactory, GenreFactory, MembershipFactory
from core.fields.scheduling import horizon_days

pytestmark = pytest.mark.django_db

URL = reverse("bands:search")
UTC = dt.UTC
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def names(qs) -> list[str]:
    return [band.name for band in qs]


def result_names(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'class="result-card__title">\s*<a\s+href="[^"]+">\s*([^<]+?)\s*</a>', html)


def busy(user, start: dt.datetime, end: dt.datetime, source: str = BusyInterval.Source.RULE) -> BusyInterval:
    return BusyInterval.objects.create(user=user, starts_at=start, ends_at=end, source=source, source_id=1)


def in_days(days: int, hour: int = 0, minute: int = 0, zone: dt.tzinfo = UTC) -> dt.datetime:
    """A wall-clock time `days` from today in `zone`."""
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def local(moment: dt.datetime) -> str:
    """A datetime-local input value."""
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def window() -> tuple[dt.datetime, dt.datetime]:
    """An evening ten days from now, 19:00–23:00 UTC."""
    return in_days(10, 19), in_days(10, 23)


# ---- The selector ---------------------------------------------------------------------------------


def test_a_band_whose_required_member_is_busy_is_left_out(window):
    busy_band = BandFactory(name="Busy Band")
    drummer = MembershipFactory(band=busy_band, required=True).user
    MembershipFactory(band=busy_band, required=True)
    busy(drummer, window[0] + dt.timedelta(hours=1), window[0] + dt.timedelta(hours=2))
    free_band = BandFactory(name="Free Band")
    MembershipFactory(band=free_band, required=True)
    assert names(band_search(free_between=window)) == ["Free Band"]
    assert names(band_search()) == ["Busy Band", "Free Band"]


def test_an_optional_member_being_busy_does_not_matter(window):
    band = BandFactory(name="Can Play Without The Sax")
    MembershipFactory(band=band, required=True)
    sax = MembershipFactory(band=band, required=False).user
    busy(sax, *window)
    assert names(band_search(free_between=window)) == ["Can Play Without The Sax"]


def test_bands_without_required_members_count_as_free(window):
    BandFactory(name="Nobody Yet")
    loose = BandFactory(name="All Optional")
    busy(MembershipFactory(band=loose, required=False).user, *window)
    assert names(band_search(free_between=window)) == ["All Optional", "Nobody Yet"]


@pytest.mark.parametrize("source", [BusyInterval.Source.BAND_BLOCK, BusyInterval.Source.GIG])
def test_a_block_or_gig_of_another_band_a_member_plays_in_keeps_the_band_out(window, source):
    ours, theirs = BandFactory(name="Ours"), BandFactory(name="Theirs")
    shared = MembershipFactory(band=ours, required=True).user
    MembershipFactory(band=theirs, user=shared, required=False)
    # Materialised for every member of "Theirs", so it also lands on the shared guitarist.
    busy(shared, window[0] - dt.timedelta(hours=1), window[0] + dt.timedelta(minutes=30), source=source)
    assert names(band_search(free_between=window)) == ["Theirs"]


@pytest.mark.parametrize(
    ("busy_from", "busy_until", "free"),
    [
        (dt.timedelta(hours=-3), dt.timedelta(0), True),  # ends exactly when the window starts
        (dt.timedelta(hours=4), dt.timedelta(hours=6), True),  # starts exactly when the window ends
        (dt.timedelta(hours=-3), dt.timedelta(minutes=1), False),  # runs one minute into it
        (dt.timedelta(hours=3, minutes=59), dt.timedelta(hours=5), False),  # starts a minute before it ends
        (dt.timedelta(days=-200), dt.timedelta(days=100), False),  # a long tour around it
        (dt.timedelta(hours=1), dt.timedelta(hours=2), False),  # inside it
    ],
)
def test_edges_of_the_window(window, busy_from, busy_until, free):
    band = BandFactory(name="Edge")
    busy(MembershipFactory(band=band).user, window[0] + busy_from, window[0] + busy_until)
    assert names(band_search(free_between=window)) == (["Edge"] if free else [])


def test_free_filter_combines_with_the_other_filters(window):
    rock = GenreFactory(name="Rock", slug="rock")
    BandFactory(name="Free Rock", genres=[rock], city="Berlin")
    BandFactory(name="Free Elsewhere", genres=[rock], city="Paris")
    taken = BandFactory(name="Taken Rock", genres=[rock], city="Berlin")
    busy(MembershipFactory(band=taken).user, *window)
    assert names(band_search(free_between=window, genres=["rock"], city="Ber", sort="newest")) == ["Free Rock"]


def test_evening_is_local_and_follows_daylight_saving():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    # The clocks go back in the night after 25 Oct 2026: that evening is still 18:00–24:00 local.
    assert local_window(dt.date(2026, 10, 24), "evening", berlin) == (
        dt.datetime(2026, 10, 24, 16, tzinfo=UTC),
        dt.datetime(2026, 10, 24, 22, tzinfo=UTC),
    )
    assert local_window(dt.date(2026, 12, 24), "afternoon", berlin) == (
        dt.datetime(2026, 12, 24, 11, tzinfo=UTC),
        dt.datetime(2026, 12, 24, 17, tzinfo=UTC),
    )
    assert local_window(dt.date(2026, 3, 29), "day", berlin) == (
        dt.datetime(2026, 3, 28, 23, tzinfo=UTC),
        dt.datetime(2026, 3, 29, 22, tzinfo=UTC),  # a 23-hour day
    )


# ---- The page -------------------------------------------------------------------------------------


def test_free_on_an_evening_uses_the_viewers_time_zone(client):
    client.force_login(UserFactory(time_zone="America/New_York"))
    day = in_days(12, zone=NEW_YORK).date()
    # The bands are in New York too: an evening is read on the band's clock (see the test below).
    late = BandFactory(name="Busy Late In New York", time_zone="America/New_York")
    # 21:00 in New York is already the next day in UTC: still that evening for the viewer. Busy 20:00–22:00
    # leaves no three free hours (the band's shortest gig) in the evening.
    busy(MembershipFactory(band=late).user, in_days(12, 20, zone=NEW_YORK), in_days(12, 22, zone=NEW_YORK))
    afternoon = BandFactory(name="Busy Until Six", time_zone="America/New_York")
    busy(MembershipFactory(band=afternoon).user, in_days(12, 14, zone=NEW_YORK), in_days(12, 18, zone=NEW_YORK))
    response = client.get(URL, {"free_on": day.isoformat(), "part": "evening"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Busy Late In New York" not in result_names(response)
    assert "Busy Until Six" in result_names(response)
    assert "Times in America/New_York." in html
    assert f"Free {day:%a %-d %b}, evening" in html
    # In the afternoon it is the other way round.
    response = client.get(URL, {"free_on": day.isoformat(), "part": "afternoon"})
    assert "Busy Late In New York" in result_names(response)
    assert "Busy Until Six" not in result_names(response)


def test_a_visitor_who_is_not_logged_in_searches_in_utc_and_is_told_so(client):
    band = BandFactory(name="Busy At Eight UTC")
    busy(MembershipFactory(band=band).user, in_days(5, 18), in_days(5, 23))
    response = client.get(URL, {"free_on": in_days(5).date().isoformat(), "part": "evening"})
    assert "Times in UTC." in response.content.decode()
    assert result_names(response) == []


def test_free_between_two_times_round_trips_and_can_be_cleared(client):
    taken = BandFactory(name="Taken")
    busy(MembershipFactory(band=taken).user, in_days(20, 22), in_days(21, 1))
    BandFactory(name="Free")
    start, end = in_days(20, 20), in_days(21, 2)
    response = client.get(URL, {"free_from": local(start), "free_until": local(end), "city": "Berlin"})
    html = response.content.decode()
    assert result_names(response) == ["Free"]
    assert f'name="free_from" value="{local(start)}"' in html
    assert f'name="free_until" value="{local(end)}"' in html
    label = f"Free {start:%a %-d %b %H:%M}–{end:%a %-d %b %H:%M}"
    chips = dict(re.findall(r'<a class="chip chip--active"\s+href="([^"]+)">\s*([^<]+?)\s*<', html))
    by_label = {text: href.replace("&amp;", "&") for href, text in chips.items()}
    assert by_label[label] == f"{URL}?city=Berlin"


@pytest.mark.parametrize(("page", "expected"), [("1", range(24)), ("2", range(24, 30)), ("99", range(24, 30))])
def test_free_bands_are_paged_24_at_a_time_in_order(client, window, page, expected):
    for i in range(30):
        BandFactory(name=f"Free {i:02d}")
    for i in range(5):
        busy(MembershipFactory(band=BandFactory(name=f"Busy {i}")).user, *window)
    params = {"free_from": local(window[0]), "free_until": local(window[1]), "page": page}
    response = client.get(URL, params)
    assert result_names(response) == [f"Free {i:02d}" for i in expected]
    assert "30 bands" in response.content.decode()


def test_the_form_has_labelled_date_fields_next_to_the_other_filters(client):
    html = client.get(URL).content.decode()
    assert "<legend>Free to play</legend>" in html
    assert re.search(r'<label for="id_free_on">Free on</label>\s*<input type="date" name="free_on"', html)
    assert re.search(r'<label for="id_part">Part of the day</label>', html)
    assert re.search(r'<input type="datetime-local" name="free_from"', html)
    assert re.search(r'<input type="datetime-local" name="free_until"', html)


def test_venue_search_has_no_band_date_filters(client):
    html = client.get(reverse("venues:search")).content.decode()
    assert "Free to play" not in html
    assert 'name="capacity_min"' in html


def bad_inputs() -> list[tuple[dict, str]]:
    start = in_days(30, 18)
    return [
        ({"free_from": local(start), "free_until": local(start - dt.timedelta(hours=1))}, "The end must be after"),
        ({"free_from": local(start), "free_until": local(start)}, "The end must be after the start."),
        ({"free_from": local(start), "free_until": local(start + dt.timedelta(days=15))}, "at most 14 days"),
        ({"free_from": local(start)}, "Add when the band must be free until."),
        ({"free_until": local(start)}, "Add when the band must be free from."),
        ({"free_from": "tomorrow-ish", "free_until": local(start)}, "Enter a date and time, like"),
        ({"free_on": "2026-02-30"}, "Enter a date, like"),
        ({"free_on": "next friday"}, "Enter a date, like"),
        ({"free_on": in_days(30).date().isoformat(), "part": "morning"}, "Pick evening, afternoon or all day."),
        ({"free_on": in_days(-3).date().isoformat()}, "That day has passed"),
        # Busy time is known past the last day anything can be booked (0093): the plan's bound speaks first.
        ({"free_on": in_days(horizon_days() + 2).date().isoformat()}, "StageSlot plans at most three years ahead"),
        ({"free_on": "0001-01-01"}, "That is too long ago to plan for"),  # the one bound (0075)
        ({"free_on": "9999-12-31"}, "StageSlot plans at most three years ahead"),
        ({"free_from": "0001-01-01T00:30+05:00", "free_until": local(start)}, "That is too long ago to plan for"),
        ({"free_from": "0001-01-01T00:00", "free_until": "0001-01-02T00:00"}, "That is too long ago to plan for"),
        ({"free_from": "9999-12-31T20:00", "free_until": "9999-12-31T23:00"}, "StageSlot plans at most three years"),
        ({"free_from": local(in_days(-9)), "free_until": local(in_days(-8))}, "That time has passed"),
        ({"free_on": in_days(30).date().isoformat(), "free_from": local(start)}, "Search one day or a from–until"),
    ]


@pytest.mark.parametrize(("params", "message"), bad_inputs())
def test_bad_dates_get_a_message_and_the_other_filters_still_apply(client, params, message):
    # A viewer east of UTC, so that local and UTC dates can differ.
    client.force_login(UserFactory(time_zone="Europe/Berlin"))
    berlin = BandFactory(name="Berlin Band", city="Berlin")
    # Busy all the time the searches above could mean: were the date filter applied, it would be left out.
    busy(MembershipFactory(band=berlin).user, in_days(-400), in_days(800))
    BandFactory(name="Paris Band", city="Paris")
    response = client.get(URL, {"city": "Berlin", **params})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "We left out filters we could not read" in html
    assert result_names(response) == ["Berlin Band"]


def test_a_time_that_does_not_exist_on_the_viewers_clock_gets_a_message(client):
    client.force_login(UserFactory(time_zone="Europe/Berlin"))
    # 02:30 on the last Sunday of March 2027 is skipped in Berlin.
    response = client.get(URL, {"free_from": "2027-03-28T02:30", "free_until": "2027-03-28T05:00"})
    assert response.status_code == 200
    assert "may not exist" in response.content.decode()


def make_bands(count: int, start: dt.datetime) -> None:
    rock = GenreFactory(name="Rock", slug="rock")
    for i in range(count):
        band = BandFactory(genres=[rock])
        members = MembershipFactory.create_batch(3, band=band)
        if i % 3 == 0:
            busy(members[0].user, start, start + dt.timedelta(hours=4))
        if i % 2:
            BandPhotoFactory(band=band)


@pytest.mark.parametrize("count", [3, 30])
def test_a_free_date_search_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries, count):
    start = in_days(15, 19, zone=BERLIN)  # 19:00–23:00 in the bands' own zone, in summer time as in winter
    make_bands(count, start)
    day = {"free_on": start.date().isoformat(), "part": "evening", "genre": "rock", "sort": "newest"}
    # genres, countries, the candidate bands (each band's own evening), their members, busy time, gigs
    # elsewhere and own gigs (bands_available_on), count, page of bands, their genres, their cover photos
    with django_assert_max_num_queries(11):
        response = client.get(URL, day)
    assert len(result_names(response)) == min(count - (count + 2) // 3, 24)
    span = {"free_from": local(start), "free_until": local(start + dt.timedelta(days=3)), "page": "2"}
    with django_assert_max_num_queries(5):
        client.get(URL, span, headers={"HX-Request": "true"})


@pytest.mark.postgres
def test_postgres_finds_the_busy_rows_of_a_window_through_the_range_index():
    start, end = in_days(3, 18), in_days(4)
    query = BusyInterval.objects.filter(BusyOverlaps(start, end)).values("user_id")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # The table is tiny; forbid the sequential scan so the plan shows whether the index fits the expression.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "availability_busy_span_gist" in plan


def test_free_on_reads_each_bands_evening_on_its_own_clock_and_names_it(client):
    """A visitor in New York asks who is free on an evening: a Berlin band's evening is 18:00–24:00
    in Berlin, a Sydney band's in Sydney, and each card says which hours those are."""
    client.force_login(UserFactory(time_zone="America/New_York"))
    berlin, sydney = zoneinfo.ZoneInfo("Europe/Berlin"), zoneinfo.ZoneInfo("Australia/Sydney")
    day = in_days(12, zone=NEW_YORK).date()
    # Busy 19:00–22:00 Berlin time: that Berlin evening is taken (it is the afternoon in New York).
    taken = BandFactory(name="Berlin Busy At Seven", time_zone="Europe/Berlin")
    at_seven = dt.datetime.combine(day, dt.time(19), tzinfo=berlin)
    busy(MembershipFactory(band=taken).user, at_seven, at_seven + dt.timedelta(hours=3))
    # Busy 21:00 New York time = 03:00 the next day in Berlin: the Berlin evening is free.
    free = BandFactory(name="Berlin Busy After Midnight", time_zone="Europe/Berlin")
    late = dt.datetime.combine(day, dt.time(21), tzinfo=NEW_YORK)
    busy(MembershipFactory(band=free).user, late, late + dt.timedelta(hours=1))
    # The Sydney band is busy during the Berlin evening only: free on its own.
    down_under = BandFactory(name="Sydney Free", time_zone="Australia/Sydney")
    busy(MembershipFactory(band=down_under).user, at_seven, at_seven + dt.timedelta(hours=3))
    sydney_evening = dt.datetime.combine(day, dt.time(18), tzinfo=sydney)
    assert sydney_evening + dt.timedelta(hours=6) <= at_seven  # the two evenings do not meet

    response = client.get(URL, {"free_on": day.isoformat(), "part": "evening"})
    html = response.content.decode()
    assert response.status_code == 200
    assert sorted(result_names(response)) == ["Berlin Busy After Midnight", "Sydney Free"]
    assert f"free {day:%a %-d %b}, 18:00–24:00 Europe/Berlin" in html
    assert f"free {day:%a %-d %b}, 18:00–24:00 Australia/Sydney" in html
    # The selector agrees, whatever the viewer's zone.
    found = band_search(free_on_local=(day, dt.time(18), None))
    assert sorted(names(found)) == ["Berlin Busy After Midnight", "Sydney Free"]


def test_a_range_search_names_each_bands_own_hours_on_its_card(client):
    BandFactory(name="Free In Berlin", time_zone="Europe/Berlin")
    start, end = in_days(20, 18), in_days(20, 22)  # UTC for a visitor who is not logged in
    response = client.get(URL, {"free_from": local(start), "free_until": local(end)})
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    s, e = start.astimezone(berlin), end.astimezone(berlin)
    # 22:00 UTC is midnight in summer time: the card names the next day then.
    until = f"{e:%H:%M}" if e.date() == s.date() else f"{e:%a %-d %b %H:%M}"
    assert f"free {s:%a %-d %b %H:%M}–{until} Europe/Berlin" in response.content.decode()
