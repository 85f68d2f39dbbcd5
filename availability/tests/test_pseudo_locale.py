"""Every word on a musician's availability pages is marked for translation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from availability import services
from availability.models import ExternalCalendar, Rule
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
