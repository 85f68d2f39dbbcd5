"""Every word on a musician's availability pages is marked for translation."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability import services
from availability.models import BusyInterval, ExternalCalendar, Rule
from bands.tests.pseudo_pages import words_left_unmarked

pytestmark = [pytest.mark.django_db, pytest.mark.slow(reason="renders every page of its area in the pseudo-locale")]


def test_the_availability_pages_are_all_marked(client):
    musician = UserFactory()
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    rule = services.rule_create(
        user=musician,
        title="Day job",
        start_date=monday,
        start_time=dt.time(9),
        end_date=monday,
        end_time=dt.time(17),
        rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    )
    services.rule_create(
        user=musician,
        kind=Rule.Kind.AVAILABLE,
        start_date=monday,
        start_time=dt.time(18),
        end_date=monday,
        end_time=dt.time(23),
        rrule="FREQ=WEEKLY;BYDAY=FR,SA,SU",
    )
    calendar = ExternalCalendar.objects.create(user=musician, url="https://calendar.example/secret.ics", name="Work")
    client.force_login(musician)
    urls = [
        reverse("availability:calendar"),
        reverse("availability:calendar") + f"?view=week&date={monday.isoformat()}",
        reverse("availability:rules"),
        reverse("availability:rule_add"),
        reverse("availability:rule_add") + "?kind=available",
        reverse("availability:rule_edit", args=[rule.pk]),
        reverse("availability:rule_delete", args=[rule.pk]),
        reverse("availability:occurrence", args=[rule.pk, monday]),
        reverse("availability:occurrence_edit", args=[rule.pk, monday]),
        reverse("availability:imports"),
    ]
    assert words_left_unmarked(client, urls, data=[calendar.url_hint]) == {}


def test_where_busy_time_came_from_and_its_times_are_marked(client):
    """Each busy stretch's source (an imported calendar, a band's block, a gig, times outside the
    available ones) and its times ("All day", "from 22:00", "until 02:00") are words to translate."""
    musician = UserFactory(time_zone="Europe/Berlin")
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    zone = zoneinfo.ZoneInfo("Europe/Berlin")

    def at(day: int, hour: int) -> dt.datetime:
        return dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), tzinfo=zone)

    rows = [
        (BusyInterval.Source.CALENDAR, "", at(0, 10), at(0, 12)),
        (BusyInterval.Source.BAND_BLOCK, "", at(1, 22), at(2, 2)),
        (BusyInterval.Source.GIG, "", at(3, 19), at(3, 23)),
        (BusyInterval.Source.WINDOW, "", at(4, 0), at(5, 0)),
    ]
    for pk, (source, title, starts_at, ends_at) in enumerate(rows, start=1):
        BusyInterval.objects.create(
            user=musician, source=source, source_id=pk, title=title, starts_at=starts_at, ends_at=ends_at
        )
    client.force_login(musician)
    urls = [
        reverse("availability:calendar") + f"?month={monday:%Y-%m}",
        reverse("availability:calendar") + f"?view=week&date={monday.isoformat()}",
    ]
    assert words_left_unmarked(client, urls) == {}
