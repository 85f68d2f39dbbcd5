"""The hold pages for each role: the venue's staff and its group's promoter act; the group's viewer, another
venue, a stranger and the anonymous visitor cannot; the band's members and agency read where it is held."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from bookings.models import Booking
from holds import services
from holds.models import Hold
from teams.tests.factories import agency_for

from .factories import hold_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return hold_world()


def form(w, band_slug, **extra):
    local = w.start.astimezone(ZoneInfo("Europe/Berlin"))
    data = {
        "band": band_slug,
        "stage": w.stage.pk,
        "date": local.date().isoformat(),
        "start": local.strftime("%H:%M"),
        "end": "23:30",
        "expires_in": "7",
        "note": "Album release",
    }
    data.update(extra)
    return data


def test_staff_and_the_groups_promoter_hold_dates_from_the_page(client, w):
    url = reverse("holds:new", args=[w.venue.slug])
    client.force_login(w.owner)
    page = client.get(reverse("holds:venue", args=[w.venue.slug]))
    assert page.status_code == 200 and "Hold a date" in page.text
    response = client.post(url, form(w, w.bands[0].slug))
    assert response.status_code == 302
    client.force_login(w.promoter)
    client.post(url, form(w, w.bands[1].slug))
    page = client.get(response["Location"]).text
    assert "Band 1" in page and "Band 2" in page and "Rafael Promoter, Riverside Rooms, for Kellerbar" in page
    assert [h.level for h in Hold.objects.order_by("level")] == [1, 2]


def test_the_band_is_picked_by_its_name_from_suggestions(client, w):
    client.force_login(w.booker)
    options = reverse("holds:band_options", args=[w.venue.slug])
    suggested = client.get(options, {"band": "band 3"}).text
    assert f'<option value="{w.bands[2].slug}">' in suggested and "Band 3" in suggested and "Band 1" not in suggested
    assert "<option" not in client.get(options, {"band": "<"}).text
    client.post(reverse("holds:new", args=[w.venue.slug]), form(w, "Band 3"))
    assert Hold.objects.get().band == w.bands[2]
    for user in (w.other_owner, w.stranger, w.leaders[0]):
        client.force_login(user)
        assert client.get(options, {"band": "band"}).status_code == 403


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"band": "nobody"}, "No band on StageSlot is called “nobody”"),
        ({"level": "1"}, "One act per level"),
        ({"date": "2030-02-30"}, "Enter a valid date"),
        ({"date": "2001-01-05"}, "That day has passed: pick a date from"),
        ({"expires_in": "0"}, "greater than or equal to 1"),
        ({"stage": "999999"}, "Select a valid choice"),
        ({"date": "2999-01-01"}, "plans at most"),
        ({"level": "99"}, "Select a valid choice"),
    ],
)
def test_bad_input_on_the_hold_form_is_explained_and_nothing_changes(client, w, change, message):
    services.hold_place(
        by=w.owner, stage=w.stage, band=w.bands[0], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    client.force_login(w.booker)
    response = client.post(reverse("holds:new", args=[w.venue.slug]), form(w, w.bands[1].slug, **change))
    assert response.status_code == 400 and message in response.text
    assert Hold.objects.count() == 1


def test_a_stage_of_another_venue_cannot_be_held(client, w):
    client.force_login(w.owner)
    other_stage = w.other_venue.stages.first()
    response = client.post(reverse("holds:new", args=[w.venue.slug]), form(w, w.bands[0].slug, stage=other_stage.pk))
    assert response.status_code == 400 and not Hold.objects.exists()


@pytest.mark.parametrize("who", ["viewer", "other_owner", "stranger"])
def test_nobody_else_sees_or_moves_the_venues_holds(client, w, who):
    hold = services.hold_place(
        by=w.owner, stage=w.stage, band=w.bands[0], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    client.force_login(getattr(w, who))
    assert client.get(reverse("holds:venue", args=[w.venue.slug])).status_code == 403
    assert client.post(reverse("holds:new", args=[w.venue.slug]), form(w, w.bands[1].slug)).status_code == 403
    for action in ("release", "challenge", "confirm"):
        assert client.post(reverse("holds:action", args=[w.venue.slug, hold.pk, action])).status_code == 403
    assert Hold.objects.get(pk=hold.pk).is_held and Hold.objects.count() == 1


def test_the_anonymous_visitor_is_sent_to_log_in(client, w):
    for url in (reverse("holds:venue", args=[w.venue.slug]), reverse("holds:band", args=[w.bands[0].slug])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_hold_of_another_venue_or_an_unknown_move_is_not_found(client, w):
    hold = services.hold_place(
        by=w.owner, stage=w.stage, band=w.bands[0], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    other_stage = w.other_venue.stages.first()
    other = services.hold_place(
        by=w.other_owner, stage=other_stage, band=w.bands[1], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    client.force_login(w.owner)
    assert client.post(reverse("holds:action", args=[w.venue.slug, other.pk, "release"])).status_code == 404
    assert client.post(reverse("holds:action", args=[w.venue.slug, hold.pk, "explode"])).status_code == 404
    assert Hold.objects.get(pk=other.pk).is_held


def test_challenge_lapse_and_confirm_from_the_page(client, w):
    first = services.hold_place(
        by=w.owner, stage=w.stage, band=w.bands[0], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    second = services.hold_place(
        by=w.promoter, stage=w.stage, band=w.bands[1], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    client.force_login(w.promoter)
    action = lambda hold, name, **data: client.post(  # noqa: E731
        reverse("holds:action", args=[w.venue.slug, hold.pk, name]), data, follow=True
    )
    assert "too" not in action(first, "challenge").text  # the 1st cannot challenge itself: a message
    page = action(second, "challenge").text
    assert "Challenged by Band 2" in page
    refused = action(second, "confirm").text
    assert "Only the 1st hold can be confirmed" in refused
    Hold.objects.filter(pk=first.pk).update(challenge_ends_at=w.start.replace(year=2000))
    services.holds_settle()
    response = action(second, "confirm", fee="900", message="Yes!")
    booking = Booking.objects.get(band=w.bands[1])
    assert response.redirect_chain[-1][0] == reverse("bookings:detail", args=[booking.uid])
    assert booking.fee == 900 and booking.status == Booking.Status.PENDING
    bad = action(first, "confirm", fee="-5")
    assert bad.status_code == 200 and Booking.objects.count() == 1


def test_the_band_and_its_agency_see_where_it_is_held_others_do_not(client, w):
    band = w.bands[0]
    services.hold_place(by=w.owner, stage=w.stage, band=band, starts_at=w.start, ends_at=w.end, expires_at=w.expires)
    _agency, _owner, agent, viewer = agency_for(band)
    url = reverse("holds:band", args=[band.slug])
    for who in (w.leaders[0], agent, viewer):
        client.force_login(who)
        page = client.get(url)
        assert page.status_code == 200 and "Kellerbar" in page.text and "1st hold" in page.text
    for who in (w.leaders[1], w.stranger, w.owner):
        client.force_login(who)
        assert client.get(url).status_code == 403


def test_the_ladder_page_keeps_its_query_count_as_holds_grow(client, w, django_assert_max_num_queries):
    client.force_login(w.owner)
    url = reverse("holds:venue", args=[w.venue.slug])
    services.hold_place(
        by=w.owner, stage=w.stage, band=w.bands[0], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for band in w.bands[1:]:
        services.hold_place(
            by=w.promoter, stage=w.stage, band=band, starts_at=w.start, ends_at=w.end, expires_at=w.expires
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_placing_a_hold_over_a_slot_is_taken_with_a_warning_and_the_ladder_names_the_slot(client, w):
    from bookings.tests.factories import SlotFactory

    SlotFactory(
        venue=w.venue,
        stage=w.stage,
        starts_at=w.start + dt.timedelta(hours=1),
        ends_at=w.end + dt.timedelta(hours=2),
        title="Friday Late Show",
    )
    client.force_login(w.owner)
    answer = client.post(reverse("holds:new", args=[w.venue.slug]), form(w, w.bands[0].slug), follow=True)
    assert answer.status_code == 200 and Hold.objects.get().is_held
    page = answer.text
    assert "Band 1 is held" in page
    assert "already has “Friday Late Show”" in page and "The hold stands, but it cannot be confirmed" in page
    later = client.get(reverse("holds:venue", args=[w.venue.slug])).text
    assert 'class="hold-clash"' in later and "Friday Late Show" in later
    assert "This hold cannot be confirmed until that slot moves or is cancelled." in later


def test_no_warning_where_the_stage_is_free(client, w):
    client.force_login(w.owner)
    page = client.post(reverse("holds:new", args=[w.venue.slug]), form(w, w.bands[0].slug), follow=True).text
    assert "Band 1 is held" in page and "cannot be confirmed" not in page and 'class="hold-clash"' not in page


def test_challenge_the_1st_is_offered_to_a_lower_holds_holder_not_to_the_1sts_own(client, w):
    services.hold_place(
        by=w.owner, stage=w.stage, band=w.bands[0], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    second = services.hold_place(
        by=w.promoter, stage=w.stage, band=w.bands[1], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    url = reverse("holds:venue", args=[w.venue.slug])
    challenge = f'action="{url}{second.pk}/challenge/"'
    client.force_login(w.owner)
    own = client.get(url).text
    assert "Band 2" in own and challenge not in own and "Challenge the 1st" not in own
    client.force_login(w.promoter)
    lower = client.get(url).text
    assert challenge in lower and "Challenge the 1st" in lower


def test_the_ladder_keeps_its_query_count_with_slots_in_the_way(client, w, django_assert_max_num_queries):
    from bookings.tests.factories import SlotFactory

    client.force_login(w.owner)
    url = reverse("holds:venue", args=[w.venue.slug])
    services.hold_place(
        by=w.owner, stage=w.stage, band=w.bands[0], starts_at=w.start, ends_at=w.end, expires_at=w.expires
    )
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for week, band in enumerate(w.bands[1:], start=1):
        start = w.start + dt.timedelta(days=7 * week)
        SlotFactory(venue=w.venue, stage=w.stage, starts_at=start, ends_at=start + dt.timedelta(hours=2))
        services.hold_place(
            by=w.promoter, stage=w.stage, band=band, starts_at=start, ends_at=start + dt.timedelta(hours=3),
            expires_at=w.expires,
        )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).text
    assert page.count('class="hold-clash"') == 3


def test_a_hold_placed_in_german_names_its_day_and_lets_go_with_a_verb(client, w):
    """The day in the viewer's words ("Fr, 8. Jan 2027"), never 2027-01-08; "Let go" the button is a verb,
    not the status word "Freigegeben"."""
    client.force_login(w.owner)
    data = form(w, w.bands[0].slug)
    page = client.post(
        reverse("holds:new", args=[w.venue.slug]), data, follow=True, headers={"Accept-Language": "de"}
    ).text
    day = dt.date.fromisoformat(data["date"])
    with translation.override("de"):
        german_day = date_format(day, "WEEKDAY_FORMAT")
    assert f"Option am {german_day}." in page and f"am {data['date']}" not in page
    assert ">Freigeben</button>" in page and ">Freigegeben</button>" not in page
